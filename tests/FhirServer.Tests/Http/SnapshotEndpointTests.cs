using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>StructureDefinition/$snapshot over HTTP: posted, by url, stored; errors as OperationOutcomes.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SnapshotEndpointTests(string store) : ServerTests(store)
{
    private const string Profile = """
        {"resourceType":"StructureDefinition","id":"ins-patient","url":"http://example.org/sd/ins-patient","name":"InsPatient","status":"draft",
         "kind":"resource","abstract":false,"type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint",
         "differential":{"element":[
          {"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}},
          {"id":"Patient.identifier:ins","path":"Patient.identifier","sliceName":"ins","max":"1"},
          {"id":"Patient.identifier:ins.system","path":"Patient.identifier.system","min":1,"fixedUri":"urn:oid:1.2.250.1.213.1.4.8"}]}}
        """;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string url, string? json = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = json is null ? null : RestTests.Json(json) };
        var response = await Client.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static JsonElement Element(JsonElement sd, string id) =>
        sd.GetProperty("snapshot").GetProperty("element").EnumerateArray().First(e => e.GetProperty("id").GetString() == id);

    [Test]
    public async Task A_posted_definition_comes_back_with_its_snapshot()
    {
        var (status, body) = await Send(HttpMethod.Post, "/StructureDefinition/$snapshot",
            $$"""{"resourceType":"Parameters","parameter":[{"name":"definition","resource":{{Profile}}}]}""");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("url").GetString(), Is.EqualTo("http://example.org/sd/ins-patient"));
        Assert.That(Element(body, "Patient.identifier:ins.system").GetProperty("fixedUri").GetString(), Is.EqualTo("urn:oid:1.2.250.1.213.1.4.8"));
        Assert.That(Element(body, "Patient.birthDate").GetProperty("max").GetString(), Is.EqualTo("1"));
    }

    [Test]
    public async Task The_definition_may_be_the_body_itself()
    {
        var (status, body) = await Send(HttpMethod.Post, "/StructureDefinition/$snapshot", Profile);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Element(body, "Patient.identifier:ins").GetProperty("sliceName").GetString(), Is.EqualTo("ins"));
    }

    [Test]
    public async Task A_packaged_profile_by_url()
    {
        var (status, body) = await Send(HttpMethod.Get, "/StructureDefinition/$snapshot?url=https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Element(body, "Patient.identifier:INS-NIR.system").GetProperty("patternUri").GetString(), Is.EqualTo("urn:oid:1.2.250.1.213.1.4.8"));
    }

    [Test]
    public async Task The_generated_snapshot_reads_back_in_XML()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/StructureDefinition/$snapshot?_format=xml") { Content = RestTests.Json(Profile) };
        var response = await Client.SendAsync(request);
        var xml = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), xml);
        var root = System.Xml.Linq.XElement.Parse(xml);
        var ns = root.Name.Namespace;
        Assert.That(root.Name.LocalName, Is.EqualTo("StructureDefinition"));
        Assert.That(root.Element(ns + "snapshot")!.Elements(ns + "element").Select(e => (string?)e.Attribute("id")),
            Has.Member("Patient.identifier:ins.system"));
    }

    [Test]
    public async Task A_stored_profile_at_the_instance_level()
    {
        var (created, _) = await Send(HttpMethod.Put, "/StructureDefinition/ins-patient", Profile);
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.OK));

        var (status, body) = await Send(HttpMethod.Get, "/StructureDefinition/ins-patient/$snapshot");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Element(body, "Patient.identifier:ins").GetProperty("max").GetString(), Is.EqualTo("1"));
    }

    [Test]
    public async Task A_differential_the_base_does_not_allow_is_422_with_its_location()
    {
        var widened = Profile.Replace("\"sliceName\":\"ins\",\"max\":\"1\"", "\"sliceName\":\"ins\"")
            .Replace("\"min\":1,\"fixedUri\"", "\"max\":\"2\",\"fixedUri\"");
        var (status, body) = await Send(HttpMethod.Post, "/StructureDefinition/$snapshot", widened);

        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body.ToString());
        var issue = body.GetProperty("issue")[0];
        Assert.That(issue.GetProperty("diagnostics").GetString(), Does.Contain("max 2 is above the base's 1"));
        Assert.That(issue.GetProperty("expression")[0].GetString(), Is.EqualTo("StructureDefinition.differential.element[2]"));
    }

    [Test]
    public async Task An_unknown_base_is_422_and_an_unknown_url_404()
    {
        var (status, body) = await Send(HttpMethod.Post, "/StructureDefinition/$snapshot",
            Profile.Replace("http://hl7.org/fhir/StructureDefinition/Patient", "http://example.org/sd/nowhere"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body.ToString());
        Assert.That(body.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("'http://example.org/sd/nowhere' is unknown"));

        (status, body) = await Send(HttpMethod.Get, "/StructureDefinition/$snapshot?url=http://example.org/sd/nowhere");
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), body.ToString());
        Assert.That(body.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
    }

    [Test]
    public async Task Missing_or_wrong_input_is_400()
    {
        var (status, body) = await Send(HttpMethod.Get, "/StructureDefinition/$snapshot");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());
        Assert.That(body.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("required"));

        (status, body) = await Send(HttpMethod.Post, "/StructureDefinition/$snapshot", """{"resourceType":"Patient"}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());

        (status, body) = await Send(HttpMethod.Post, "/StructureDefinition/$snapshot",
            """{"resourceType":"Parameters","parameter":[{"name":"definition","resource":{"resourceType":"Patient"}}]}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());
        Assert.That(body.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("not a Patient"));
    }

    [Test]
    public async Task The_capability_statement_lists_the_operation()
    {
        var (_, body) = await Send(HttpMethod.Get, "/metadata");
        var sd = body.GetProperty("rest")[0].GetProperty("resource").EnumerateArray().First(r => r.GetProperty("type").GetString() == "StructureDefinition");
        Assert.That(sd.GetProperty("operation")[0].GetProperty("name").GetString(), Is.EqualTo("snapshot"));
    }
}
