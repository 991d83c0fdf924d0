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
    public async Task Health_answers()
    {
        var response = await Client.GetAsync("/health");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
