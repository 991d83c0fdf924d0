using System.Net;
using System.Text;
using System.Text.Json;
using static FhirServer.Tests.Http.LimitRequests;

namespace FhirServer.Tests.Http;

/// <summary>
/// Nesting of resources through the server, on each store: the deepest resource the parsers accept
/// (Server:MaxResourceDepth, 256 levels of JSON; XML elements half as deep) is created, read in both formats,
/// searched, viewed (_elements, _summary), patched both ways and sent in a transaction; one level deeper is a 400;
/// a patch that would nest deeper is a 422; and a contained resource with contained resources is refused (dom-2).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class NestingLimitTests(string store) : ServerTests(store)
{
    private const int MaxJsonDepth = 256;
    private const int MaxXmlDepth = 128;

    /// <summary>
    /// A Questionnaire whose items nest <paramref name="levels"/> deep, the innermost with linkId "deepest". In JSON
    /// each item is two levels (an array and an object) under the root object: 127 items make 255 levels.
    /// </summary>
    private static string Items(int levels, bool xml = false)
    {
        var sb = new StringBuilder(xml ? """<Questionnaire xmlns="http://hl7.org/fhir"><status value="draft"/>""" : """{"resourceType":"Questionnaire","status":"draft" """);
        for (var i = 0; i < levels; i++)
        {
            var linkId = i == levels - 1 ? "deepest" : $"l{i}";
            sb.Append(xml ? $"""<item><linkId value="{linkId}"/><type value="group"/>""" : $$""","item":[{"linkId":"{{linkId}}","type":"group" """);
        }
        for (var i = 0; i < levels; i++) sb.Append(xml ? "</item>" : "}]");
        return sb.Append(xml ? "</Questionnaire>" : "}").ToString();
    }

    private static string Pointer(int levels) => string.Concat(Enumerable.Repeat("/item/0", levels));

    [Test]
    public async Task The_deepest_json_resource_is_stored_read_searched_viewed_and_patched()
    {
        var levels = (MaxJsonDepth - 1) / 2;
        Assert.That(BadRequest(await Send(Client, HttpMethod.Post, "/Questionnaire", Items(levels + 1))), Does.Contain($"limit of {MaxJsonDepth} levels"));
        var id = await Create(Client, Items(levels));

        Assert.That((await Send(Client, HttpMethod.Get, $"/Questionnaire/{id}")).Status, Is.EqualTo(HttpStatusCode.OK));
        using (var xml = await Client.GetAsync($"/Questionnaire/{id}?_format=xml"))
            Assert.That(xml.StatusCode, Is.EqualTo(HttpStatusCode.OK), await xml.Content.ReadAsStringAsync());
        foreach (var view in new[] { "_elements=item", "_summary=true", "_summary=data" })
            Assert.That((await Send(Client, HttpMethod.Get, $"/Questionnaire?_id={id}&{view}")).Status, Is.EqualTo(HttpStatusCode.OK), view);

        // FHIRPath over the whole tree (descendants()), and a JSON Pointer to the deepest item.
        var (fhirPath, patched) = await Send(Client, HttpMethod.Patch, $"/Questionnaire/{id}",
            FhirPathPatch("replace", "Questionnaire.descendants().where($this is string and $this = 'deepest')", "changed"));
        Assert.That(fhirPath, Is.EqualTo(HttpStatusCode.OK), patched.ToString());
        Assert.That(patched.ToString(), Does.Contain("\"changed\""));
        var (jsonPatch, _) = await Send(Client, HttpMethod.Patch, $"/Questionnaire/{id}",
            $$"""[{"op":"replace","path":"{{Pointer(levels)}}/linkId","value":"again"}]""", "application/json-patch+json");
        Assert.That(jsonPatch, Is.EqualTo(HttpStatusCode.OK));

        // A patch that would nest the resource deeper than the limit is refused, not stored.
        var (deeper, outcome) = await Send(Client, HttpMethod.Patch, $"/Questionnaire/{id}",
            $$"""[{"op":"add","path":"{{Pointer(levels)}}/item","value":[{"linkId":"x","type":"group","item":[{"linkId":"y","type":"display"}]}]}]""",
            "application/json-patch+json");
        Assert.That(deeper, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(Diagnostics(outcome), Does.Contain("Server:MaxResourceDepth"));
        var (_, current) = await Send(Client, HttpMethod.Get, $"/Questionnaire/{id}");
        Assert.That(current.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("3"), "the refused patch wrote nothing");
    }

    [Test]
    public async Task The_deepest_xml_resource_is_stored_and_read_back_as_json()
    {
        // Questionnaire, the items, and the linkId element of the innermost: MaxXmlDepth elements.
        var levels = MaxXmlDepth - 2;
        var refused = BadRequest(await Send(Client, HttpMethod.Post, "/Questionnaire", Items(levels + 1, xml: true), "application/fhir+xml"));
        Assert.That(refused, Does.Contain($"limit of {MaxXmlDepth} levels of XML elements"));
        var id = await Create(Client, Items(levels, xml: true), "application/fhir+xml");

        Assert.That((await Send(Client, HttpMethod.Get, $"/Questionnaire/{id}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(Client, HttpMethod.Get, $"/Questionnaire?_id={id}&_summary=true")).Status, Is.EqualTo(HttpStatusCode.OK));
        var (patch, body) = await Send(Client, HttpMethod.Patch, $"/Questionnaire/{id}", FhirPathPatch("replace", "Questionnaire.status", "active"));
        Assert.That(patch, Is.EqualTo(HttpStatusCode.OK), body.ToString());
    }

    [Test]
    public async Task The_deepest_resource_goes_through_a_transaction()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:5f0c6a1e-0000-4000-8000-000000000001","resource":{{{Items((MaxJsonDepth - 5) / 2)}}},"request":{"method":"POST","url":"Questionnaire"}}]}
            """;
        var (status, response) = await Send(Client, HttpMethod.Post, "/", bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
    }

    [Test]
    public async Task A_contained_resource_with_contained_resources_is_refused()
    {
        var diagnostics = BadRequest(await Send(Client, HttpMethod.Post, "/Patient", """
            {"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","name":"Outer",
              "contained":[{"resourceType":"Organization","id":"o2","name":"Inner"}]}],"managingOrganization":{"reference":"#o"}}
            """));
        Assert.That(diagnostics, Does.Contain("dom-2"));
    }

    [Test]
    public async Task A_bundle_sent_as_an_entry_is_stored_as_a_resource_not_processed()
    {
        // Bundles do not nest as interactions: a Bundle in an entry is a resource like any other (a document, say),
        // so a transaction inside a transaction is stored, and its own entries are not carried out.
        var family = "Inner" + Guid.NewGuid().ToString("N")[..8];
        var inner = $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient","name":[{"family":"{{{family}}}"}]},"request":{"method":"POST","url":"Patient"}}]}""";
        var outer = $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{{{inner}}},"request":{"method":"POST","url":"Bundle"}}]}""";
        var (status, response) = await Send(Client, HttpMethod.Post, "/", outer);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.GetProperty("entry")[0].GetProperty("response").GetProperty("location").GetString(), Does.StartWith("Bundle/"));
        var (_, found) = await Send(Client, HttpMethod.Get, $"/Patient?family={family}");
        Assert.That(found.TryGetProperty("entry", out _), Is.False, "the inner transaction was not carried out");
    }
}
