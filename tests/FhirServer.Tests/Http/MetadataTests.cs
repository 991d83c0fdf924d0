using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Xml.Linq;

namespace FhirServer.Tests.Http;

public class MetadataTests : ServerTests
{
    [Test]
    public async Task Metadata_is_a_capability_statement_in_json_by_default()
    {
        var response = await Client.GetAsync("/metadata");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+json"));
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.That(root.GetProperty("resourceType").GetString(), Is.EqualTo("CapabilityStatement"));
        Assert.That(text, Does.Match("\"date\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+00:00\""),
            "the date's '+' as written, not escaped as \\u002B");
        Assert.That(root.GetProperty("fhirVersion").GetString(), Is.EqualTo("4.0.1"));
        Assert.That(root.GetProperty("kind").GetString(), Is.EqualTo("instance"));
        Assert.That(root.GetProperty("rest")[0].GetProperty("mode").GetString(), Is.EqualTo("server"));
        Assert.That(root.GetProperty("implementation").GetProperty("description").GetString(), Does.Contain("hl7.fhir.fr.core#2.2.0"));
    }

    [TestCase("/metadata?_format=xml")]
    [TestCase("/metadata?_format=application/fhir%2Bxml")]
    public async Task Metadata_in_xml_when_format_asks(string url)
    {
        var response = await Client.GetAsync(url);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+xml"));
        var xml = XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(xml.Root!.Name, Is.EqualTo(XName.Get("CapabilityStatement", "http://hl7.org/fhir")));
        Assert.That(xml.Root.Element(XName.Get("fhirVersion", "http://hl7.org/fhir"))!.Attribute("value")!.Value, Is.EqualTo("4.0.1"));
    }

    [Test]
    public async Task Metadata_in_xml_when_accept_asks_and_pretty()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metadata?_pretty=true");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));
        var response = await Client.SendAsync(request);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+xml"));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("\n"));
    }

    [Test]
    public async Task Unsupported_accept_is_406()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metadata");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
        var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotAcceptable));
    }

    [Test]
    public async Task Metadata_says_it_is_a_terminology_server_with_versions_and_translate()
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("/metadata"));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("instantiates")[0].GetString(), Is.EqualTo("http://hl7.org/fhir/CapabilityStatement/terminology-server"));
        Assert.That(root.GetProperty("software").GetProperty("releaseDate").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT"));
        var rest = root.GetProperty("rest")[0];
        Assert.That(rest.GetProperty("operation")[0].GetProperty("name").GetString(), Is.EqualTo("versions"));
        var conceptMap = rest.GetProperty("resource").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "ConceptMap");
        Assert.That(conceptMap.GetProperty("operation").EnumerateArray().Select(o => o.GetProperty("name").GetString()), Is.EqualTo(new[] { "translate", "validate" }));
        var features = root.GetProperty("extension").EnumerateArray().Select(e => e.GetProperty("extension")[0].GetProperty("valueCanonical").GetString());
        Assert.That(features, Does.Contain("http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter"));
    }

    [Test]
    public async Task Versions_operation_names_the_fhir_version()
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("/$versions"));
        var parameters = doc.RootElement.GetProperty("parameter").EnumerateArray().Select(p => (p.GetProperty("name").GetString(), p.GetProperty("valueCode").GetString()));
        Assert.That(parameters, Is.EqualTo(new[] { ("version", "4.0"), ("default", "4.0") }));
    }

    [Test]
    public async Task Terminology_mode_lists_the_code_systems_held_and_the_expansion_parameters()
    {
        var response = await Client.GetAsync("/metadata?mode=terminology");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = doc.RootElement;
        Assert.That(root.GetProperty("resourceType").GetString(), Is.EqualTo("TerminologyCapabilities"));
        var systems = root.GetProperty("codeSystem").EnumerateArray().ToDictionary(c => c.GetProperty("uri").GetString()!,
            c => c.TryGetProperty("version", out var v) ? v.EnumerateArray().Select(x => x.GetProperty("code").GetString()).ToList() : []);
        Assert.That(systems["http://hl7.org/fhir/administrative-gender"], Does.Contain("4.0.1"));
        Assert.That(systems.Keys, Has.Some.StartsWith("https://mos.esante.gouv.fr/NOS/TRE_"), "the French national code systems");
        // SNOMED CT is content not-present in the packages, example-supplement a supplement: neither is a code system held.
        Assert.That(systems.Keys, Has.None.EqualTo("http://snomed.info/sct").And.None.EqualTo("http://hl7.org/fhir/CodeSystem/example-supplement"));
        var expansion = root.GetProperty("expansion").GetProperty("parameter").EnumerateArray().Select(p => p.GetProperty("name").GetString());
        Assert.That(expansion, Does.Contain("tx-resource").And.Contain("count").And.Contain("excludeNested").And.Contain("property")
            .And.Contain("system-version").And.Contain("check-system-version").And.Contain("force-system-version").And.Contain("includeDefinition"));
        Assert.That(root.GetProperty("translation").GetProperty("needsMap").GetBoolean(), Is.False);
    }

    [Test]
    public async Task Terminology_capabilities_in_xml()
    {
        var xml = XDocument.Parse(await Client.GetStringAsync("/metadata?mode=terminology&_format=xml"));
        Assert.That(xml.Root!.Name, Is.EqualTo(XName.Get("TerminologyCapabilities", "http://hl7.org/fhir")));
    }

    [Test]
    public async Task Unknown_mode_is_400()
    {
        var response = await Client.GetAsync("/metadata?mode=everything");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("full, normal or terminology"));
    }

    [Test]
    public async Task Health_answers()
    {
        var response = await Client.GetAsync("/health");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
