using System.Net;
using System.Text;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>The loaded packages' conformance resources, read-only over REST beside the clients' own, on each store.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class PackagedResourceTests(string store) : ServerTests(store)
{
    private const string InsProfile = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins";

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string url, string? json = null, string mediaType = "application/fhir+json")
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, mediaType);
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    [Test]
    public async Task A_packaged_resource_is_read_by_its_id_with_views()
    {
        var (status, profile) = await Send(HttpMethod.Get, "/StructureDefinition/fr-core-patient-ins");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), profile.ToString());
        Assert.That(profile.GetProperty("url").GetString(), Is.EqualTo(InsProfile));
        var (_, core) = await Send(HttpMethod.Get, "/StructureDefinition/Patient?_elements=url,type");
        Assert.That(core.GetProperty("url").GetString(), Is.EqualTo("http://hl7.org/fhir/StructureDefinition/Patient"));
        Assert.That(core.TryGetProperty("snapshot", out _), Is.False, "_elements applies");
        var xml = await Client.GetStringAsync("/ValueSet/administrative-gender?_format=xml");
        Assert.That(xml, Does.Contain("<ValueSet xmlns=\"http://hl7.org/fhir\">"));
        var (unknown, _) = await Send(HttpMethod.Get, "/StructureDefinition/no-such-profile");
        Assert.That(unknown, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_packaged_resource_is_not_written_but_a_clients_own_is()
    {
        var body = """{"resourceType":"StructureDefinition","id":"fr-core-patient-ins","url":"http://example.org/x","name":"X","status":"draft","kind":"resource","abstract":false,"type":"Patient"}""";
        foreach (var (method, json, mediaType) in new[]
                 {
                     (HttpMethod.Put, body, "application/fhir+json"),
                     (HttpMethod.Patch, """[{"op":"replace","path":"/status","value":"retired"}]""", "application/json-patch+json"),
                     (HttpMethod.Delete, null, "application/fhir+json"),
                 })
        {
            var (status, outcome) = await Send(method, "/StructureDefinition/fr-core-patient-ins", json, mediaType);
            Assert.That(status, Is.EqualTo(HttpStatusCode.MethodNotAllowed), method.Method);
            Assert.That(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("read-only").And.Contain("hl7.fhir.fr.core"));
        }
        var (stillThere, profile) = await Send(HttpMethod.Get, "/StructureDefinition/fr-core-patient-ins");
        Assert.That(stillThere, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(profile.GetProperty("url").GetString(), Is.EqualTo(InsProfile));

        var own = """{"resourceType":"StructureDefinition","url":"http://example.org/StructureDefinition/my-patient","name":"MyPatient","status":"draft","kind":"resource","abstract":false,"type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint","differential":{"element":[{"id":"Patient","path":"Patient"}]}}""";
        var (created, stored) = await Send(HttpMethod.Post, "/StructureDefinition", own);
        Assert.That(created, Is.EqualTo(HttpStatusCode.Created), stored.ToString());
        var (read, _) = await Send(HttpMethod.Get, $"/StructureDefinition/{stored.GetProperty("id").GetString()}");
        Assert.That(read, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Metadata_lists_the_guides_and_their_profiles()
    {
        var (_, statement) = await Send(HttpMethod.Get, "/metadata");
        Assert.That(statement.GetProperty("implementationGuide").EnumerateArray().Select(g => g.GetString()),
            Does.Contain("https://hl7.fr/ig/fhir/core/ImplementationGuide/hl7.fhir.fr.core"));
        var patient = statement.GetProperty("rest")[0].GetProperty("resource").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "Patient");
        Assert.That(patient.GetProperty("supportedProfile").EnumerateArray().Select(p => p.GetString()), Does.Contain(InsProfile)
            .And.Not.Contain("http://hl7.org/fhir/StructureDefinition/Patient"));
    }
}
