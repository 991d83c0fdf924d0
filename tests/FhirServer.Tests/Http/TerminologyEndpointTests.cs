using System.Net;
using System.Text.Json;
using System.Xml.Linq;

namespace FhirServer.Tests.Http;

/// <summary>The terminology operations over HTTP: GET and POST, type and instance level, JSON and XML, errors as OperationOutcomes.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TerminologyEndpointTests(string store) : ServerTests(store)
{
    private const string Gender = "http://hl7.org/fhir/administrative-gender";

    private const string Colors = """
        {"resourceType":"CodeSystem","id":"colors","url":"http://example.org/cs/colors","version":"1","status":"active","content":"complete",
         "concept":[{"code":"warm","display":"Warm","concept":[{"code":"red","display":"Red"},{"code":"orange","display":"Orange"}]},{"code":"blue","display":"Blue"}]}
        """;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Get(string url)
    {
        var response = await Client.GetAsync(url);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string url, string json)
    {
        var response = await Client.PostAsync(url, RestTests.Json(json));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static JsonElement Parameter(JsonElement parameters, string name) =>
        parameters.GetProperty("parameter").EnumerateArray().First(p => p.GetProperty("name").GetString() == name);

    [Test]
    public async Task Lookup_by_get()
    {
        var (status, body) = await Get($"/CodeSystem/$lookup?system={Gender}&code=female");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Parameter(body, "display").GetProperty("valueString").GetString(), Is.EqualTo("Female"));
    }

    [Test]
    public async Task Validate_code_in_value_set_by_get()
    {
        var (status, body) = await Get($"/ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/administrative-gender&system={Gender}&code=female&display=Wrong");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Parameter(body, "result").GetProperty("valueBoolean").GetBoolean(), Is.False);
        Assert.That(Parameter(body, "message").GetProperty("valueString").GetString(), Does.Contain("Wrong Display Name"));
        Assert.That(Parameter(body, "issues").GetProperty("resource").GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
    }

    [Test]
    public async Task Expand_with_tx_resource_by_post()
    {
        var parameters = """
            {"resourceType":"Parameters","parameter":[
              {"name":"valueSet","resource":{"resourceType":"ValueSet","url":"http://example.org/vs/warm","status":"active",
                "compose":{"include":[{"system":"http://example.org/cs/colors","filter":[{"property":"concept","op":"is-a","value":"warm"}]}]}}},
              {"name":"tx-resource","resource":COLORS}]}
            """.Replace("COLORS", Colors);
        var (status, body) = await Post("/ValueSet/$expand", parameters);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var expansion = body.GetProperty("expansion");
        Assert.That(expansion.GetProperty("total").GetInt32(), Is.EqualTo(3));
        // Codes drawn from the hierarchy nest under their parent (expansion.contains.contains).
        var warm = expansion.GetProperty("contains").EnumerateArray().Single();
        Assert.That(warm.GetProperty("code").GetString(), Is.EqualTo("warm"));
        Assert.That(warm.GetProperty("contains").EnumerateArray().Select(c => c.GetProperty("code").GetString()), Is.EqualTo(new[] { "red", "orange" }));
    }

    [Test]
    public async Task Expand_in_r4_carries_properties_in_cross_version_extensions_and_follows_accept_language()
    {
        const string legs = """
            {"resourceType":"CodeSystem","url":"http://example.org/cs/legs","status":"active","content":"complete","language":"en",
             "property":[{"code":"legs","uri":"http://example.org/legs","type":"integer"}],
             "concept":[{"code":"dog","display":"Dog","designation":[{"language":"fr","value":"Chien"}],"property":[{"code":"legs","valueInteger":4}]}]}
            """;
        var parameters = """
            {"resourceType":"Parameters","parameter":[
              {"name":"valueSet","resource":{"resourceType":"ValueSet","url":"http://example.org/vs/legs","status":"active",
                "compose":{"include":[{"system":"http://example.org/cs/legs"}]}}},
              {"name":"excludeNested","valueBoolean":true},{"name":"property","valueString":"legs"},
              {"name":"tx-resource","resource":LEGS}]}
            """.Replace("LEGS", legs);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ValueSet/$expand") { Content = RestTests.Json(parameters) };
        request.Headers.TryAddWithoutValidation("Accept-Language", "fr");
        var response = await Client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.TryGetProperty("compose", out _), Is.False, "the expansion is returned without the definition");
        var expansion = body.GetProperty("expansion");
        Assert.That(expansion.GetProperty("parameter").EnumerateArray().Select(p => p.GetProperty("name").GetString()),
            Is.EqualTo(new[] { "displayLanguage", "excludeNested", "used-codesystem" }));
        Assert.That(expansion.GetProperty("parameter")[1].GetProperty("valueBoolean").GetBoolean(), Is.True);
        var declared = expansion.GetProperty("extension")[0];
        Assert.That(declared.GetProperty("url").GetString(), Is.EqualTo("http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property"));
        Assert.That(declared.GetProperty("extension")[1].GetProperty("valueUri").GetString(), Is.EqualTo("http://example.org/legs"));
        var dog = expansion.GetProperty("contains")[0];
        Assert.That(dog.GetProperty("display").GetString(), Is.EqualTo("Chien"));
        var property = dog.GetProperty("extension")[0];
        Assert.That(property.GetProperty("url").GetString(), Is.EqualTo("http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property"));
        Assert.That(property.GetProperty("extension")[1].GetProperty("valueInteger").GetInt32(), Is.EqualTo(4));
    }

    [Test]
    public async Task An_expansion_leaves_out_the_definition_unless_asked_for_it()
    {
        const string ValueSet = """
            {"resourceType":"ValueSet","url":"http://example.org/vs/warm","version":"2","status":"active","description":"The warm colors.",
             "purpose":"Tests.","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status","valueCode":"trial-use"}],
             "compose":{"include":[{"system":"http://example.org/cs/colors","filter":[{"property":"concept","op":"is-a","value":"warm"}]}]}}
            """;
        string Request(bool includeDefinition) => $$"""
            {"resourceType":"Parameters","parameter":[{"name":"valueSet","resource":{{ValueSet}}},{"name":"tx-resource","resource":{{Colors}}},
             {"name":"includeDefinition","valueBoolean":{{(includeDefinition ? "true" : "false")}}}]}
            """;
        var (status, expansion) = await Post("/ValueSet/$expand", Request(false));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), expansion.ToString());
        Assert.That(expansion.GetProperty("version").GetString(), Is.EqualTo("2"));
        foreach (var element in new[] { "compose", "description", "purpose", "extension" })
            Assert.That(expansion.TryGetProperty(element, out _), Is.False, element);

        var (_, withDefinition) = await Post("/ValueSet/$expand", Request(true));
        foreach (var element in new[] { "compose", "description", "purpose", "extension" })
            Assert.That(withDefinition.TryGetProperty(element, out _), Is.True, element);
    }

    [Test]
    public async Task Expand_leaves_out_an_excluded_system()
    {
        var (status, body) = await Get($"/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender&exclude-system={Gender}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("expansion").GetProperty("total").GetInt32(), Is.Zero);
    }

    [Test]
    public async Task Instance_level_subsumes_on_a_stored_code_system()
    {
        var created = await Client.PutAsync("/CodeSystem/colors", RestTests.Json(Colors));
        Assert.That(created.IsSuccessStatusCode, Is.True, await created.Content.ReadAsStringAsync());
        var (status, body) = await Get("/CodeSystem/colors/$subsumes?codeA=warm&codeB=red");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Parameter(body, "outcome").GetProperty("valueCode").GetString(), Is.EqualTo("subsumes"));
    }

    [Test]
    public async Task Expand_in_xml()
    {
        var response = await Client.GetAsync("/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender&_format=xml");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(xml.Root!.Name.LocalName, Is.EqualTo("ValueSet"));
    }

    [TestCase("/CodeSystem/$lookup?system=http://example.org/none&code=x", HttpStatusCode.NotFound)]
    [TestCase("/ValueSet/$expand?url=http://example.org/none", HttpStatusCode.NotFound)]
    [TestCase("/ValueSet/$expand", HttpStatusCode.BadRequest)]
    [TestCase("/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender&count=many", HttpStatusCode.BadRequest)]
    [TestCase("/CodeSystem/$subsumes?system=http://hl7.org/fhir/administrative-gender&codeA=male", HttpStatusCode.BadRequest)]
    [TestCase("/CodeSystem/unknown-id/$lookup?code=x", HttpStatusCode.NotFound)]
    public async Task Client_errors_are_operation_outcomes(string url, HttpStatusCode expected)
    {
        var (status, body) = await Get(url);
        Assert.That(status, Is.EqualTo(expected), body.ToString());
        Assert.That(body.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
    }

    [Test]
    public async Task An_engine_error_carries_its_message_in_details_with_the_tx_issue_type()
    {
        var (status, body) = await Get("/ValueSet/$expand?url=http://example.org/none");
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), body.ToString());
        var details = body.GetProperty("issue")[0].GetProperty("details");
        Assert.That(details.GetProperty("text").GetString(), Does.Contain("http://example.org/none"));
        Assert.That(details.GetProperty("coding")[0].GetProperty("system").GetString(), Is.EqualTo("http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"));
        Assert.That(details.GetProperty("coding")[0].GetProperty("code").GetString(), Is.EqualTo("not-found"));
    }

    [Test]
    public async Task Unsupported_filter_is_a_400()
    {
        var parameters = """
            {"resourceType":"Parameters","parameter":[{"name":"valueSet","resource":{"resourceType":"ValueSet","status":"active",
              "compose":{"include":[{"system":"http://hl7.org/fhir/administrative-gender","filter":[{"property":"concept","op":"magic","value":"x"}]}]}}}]}
            """;
        var (status, body) = await Post("/ValueSet/$expand", parameters);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());
        Assert.That(body.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("not-supported"));
    }

    [Test]
    public async Task A_broken_value_set_is_a_400_that_says_where_and_why()
    {
        var parameters = """
            {"resourceType":"Parameters","parameter":[{"name":"code","valueCode":"male"},{"name":"system","valueUri":"http://hl7.org/fhir/administrative-gender"},
             {"name":"valueSet","resource":{"resourceType":"ValueSet","status":"active",
              "compose":{"include":[{"system":"http://hl7.org/fhir/administrative-gender","filter":[{"property":"concept","op":"is-a"}]}]}}}]}
            """;
        var (status, body) = await Post("/ValueSet/$validate-code", parameters);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());
        var issue = body.GetProperty("issue")[0];
        Assert.That(issue.GetProperty("code").GetString(), Is.EqualTo("invalid"));
        Assert.That(issue.GetProperty("details").GetProperty("coding")[0].GetProperty("code").GetString(), Is.EqualTo("vs-invalid"));
        Assert.That(issue.GetProperty("details").GetProperty("text").GetString(),
            Is.EqualTo("The system http://hl7.org/fhir/administrative-gender filter with property = concept, op = is-a has no value"));
        Assert.That(issue.GetProperty("expression")[0].GetString(), Is.EqualTo("ValueSet.compose.include[0].filter[0]"));
        Assert.That(issue.GetProperty("extension")[0].GetProperty("valueString").GetString(), Is.EqualTo("UNABLE_TO_HANDLE_SYSTEM_FILTER_WITH_NO_VALUE"));
    }

    [Test]
    public async Task An_unknown_value_set_is_a_404_naming_it()
    {
        var (status, body) = await Get("/ValueSet/$validate-code?url=http://example.org/none&system=http://hl7.org/fhir/administrative-gender&code=male");
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), body.ToString());
        var details = body.GetProperty("issue")[0].GetProperty("details");
        Assert.That(details.GetProperty("coding")[0].GetProperty("code").GetString(), Is.EqualTo("not-found"));
        Assert.That(details.GetProperty("text").GetString(), Is.EqualTo("A definition for the value Set 'http://example.org/none' could not be found"));
    }

    [Test]
    public async Task A_body_that_is_not_parameters_is_a_400()
    {
        var (status, body) = await Post("/ValueSet/$expand", """{"resourceType":"Patient"}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());
    }

    [Test]
    public async Task Capability_statement_lists_the_operations()
    {
        var (_, body) = await Get("/metadata");
        var valueSet = body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray().First(r => r.GetProperty("type").GetString() == "ValueSet");
        Assert.That(valueSet.GetProperty("operation").EnumerateArray().Select(o => o.GetProperty("name").GetString()),
            Is.EquivalentTo(new[] { "expand", "validate-code", "batch-validate-code", "validate" }));
    }
}
