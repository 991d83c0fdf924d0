using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// R4 binary.html#rest: a Binary written with a content type that is not a FHIR format is raw content, "including when
/// the content type is application/xml or application/json, except when the content type is application/fhir+xml or
/// application/fhir+json, except for the special case where the content is actually a Binary resource". A CDA document
/// sent as <c>text/xml</c> or <c>application/xml</c>, a text as <c>text/plain</c>, are Binaries of that content type,
/// read back raw with an Accept of that type. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BinaryContentTypeTests(string store) : ServerTests(store)
{
    private const string Cda = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- Compte rendu -->
        <ClinicalDocument xmlns="urn:hl7-org:v3"><typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/><title>Compte rendu d'hospitalisation</title></ClinicalDocument>
        """;

    private async Task<(HttpStatusCode Status, JsonElement Binary)> Write(HttpMethod method, string url, byte[] body, string contentType)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Accept.ParseAdd("application/fhir+json");
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(string? ContentType, byte[] Body)> Read(string url, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd(accept);
        using var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), url);
        return (response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsByteArrayAsync());
    }

    [TestCase("text/xml")]
    [TestCase("application/xml")]
    [TestCase("text/xml; charset=ISO-8859-1")]
    public async Task A_CDA_document_sent_as_xml_is_a_Binary_of_that_type(string contentType)
    {
        var bytes = Encoding.UTF8.GetBytes(Cda);
        var (status, binary) = await Write(HttpMethod.Post, "/Binary", bytes, contentType);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), binary.ToString());
        Assert.That(binary.GetProperty("resourceType").GetString(), Is.EqualTo("Binary"));
        Assert.That(binary.GetProperty("contentType").GetString(), Is.EqualTo(contentType));
        Assert.That(Convert.FromBase64String(binary.GetProperty("data").GetString()!), Is.EqualTo(bytes));
        var id = binary.GetProperty("id").GetString();

        // ITI-68 with the document's own type, or the other XML one, or none: the bytes.
        foreach (var accept in new[] { "text/xml", "application/xml", "*/*" })
        {
            var (type, body) = await Read($"/Binary/{id}", accept);
            Assert.That(body, Is.EqualTo(bytes), accept);
            Assert.That(type, Is.EqualTo(contentType), accept);
        }
        // A FHIR format: the Binary resource.
        var (fhirType, fhir) = await Read($"/Binary/{id}", "application/fhir+xml");
        Assert.That(fhirType, Does.StartWith("application/fhir+xml"));
        Assert.That(Encoding.UTF8.GetString(fhir), Does.Contain("<Binary xmlns=\"http://hl7.org/fhir\">"));
    }

    [Test]
    public async Task A_PUT_of_xml_and_a_text_are_raw_content_too()
    {
        var bytes = Encoding.UTF8.GetBytes(Cda);
        var (status, binary) = await Write(HttpMethod.Put, "/Binary/cda-put", bytes, "application/xml");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), binary.ToString());
        Assert.That(binary.GetProperty("contentType").GetString(), Is.EqualTo("application/xml"));
        Assert.That((await Read("/Binary/cda-put", "application/xml")).Body, Is.EqualTo(bytes));

        var text = Encoding.UTF8.GetBytes("Patiente vue en consultation, pas de fièvre.");
        (status, binary) = await Write(HttpMethod.Post, "/Binary", text, "text/plain");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), binary.ToString());
        Assert.That(binary.GetProperty("contentType").GetString(), Is.EqualTo("text/plain"));
        var (type, body) = await Read($"/Binary/{binary.GetProperty("id").GetString()}", "text/plain");
        Assert.That(body, Is.EqualTo(text));
        Assert.That(type, Is.EqualTo("text/plain"));

        // Plain JSON that is not a Binary resource is content as well.
        var json = Encoding.UTF8.GetBytes("""{"resourceType":"Patient","note":"not a Binary"}""");
        (status, binary) = await Write(HttpMethod.Post, "/Binary", json, "application/json");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), binary.ToString());
        Assert.That(binary.GetProperty("contentType").GetString(), Is.EqualTo("application/json"));
        Assert.That((await Read($"/Binary/{binary.GetProperty("id").GetString()}", "application/json")).Body, Is.EqualTo(json));
    }

    [Test]
    public async Task A_Binary_resource_sent_as_legacy_xml_or_json_is_read_as_FHIR()
    {
        var pdf = "JVBERi0xLjQ=";
        var xml = Encoding.UTF8.GetBytes($"""<?xml version="1.0"?><Binary xmlns="http://hl7.org/fhir"><contentType value="application/pdf"/><data value="{pdf}"/></Binary>""");
        var (status, binary) = await Write(HttpMethod.Post, "/Binary", xml, "application/xml");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), binary.ToString());
        Assert.That(binary.GetProperty("contentType").GetString(), Is.EqualTo("application/pdf"));
        Assert.That(binary.GetProperty("data").GetString(), Is.EqualTo(pdf));

        var json = Encoding.UTF8.GetBytes($$"""{"contentType":"application/pdf","resourceType":"Binary","data":"{{pdf}}"}""");
        (status, binary) = await Write(HttpMethod.Post, "/Binary", json, "application/json");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), binary.ToString());
        Assert.That(binary.GetProperty("contentType").GetString(), Is.EqualTo("application/pdf"));
        // Read with the legacy type of another kind than its content: the FHIR form, as before.
        var (type, body) = await Read($"/Binary/{binary.GetProperty("id").GetString()}", "application/json");
        Assert.That(type, Does.StartWith("application/fhir+json").Or.StartWith("application/json"));
        Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("resourceType").GetString(), Is.EqualTo("Binary"));
        // Other resources are FHIR in application/xml still.
        var patient = Encoding.UTF8.GetBytes("""<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>""");
        (status, var created) = await Write(HttpMethod.Post, "/Patient", patient, "application/xml");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), created.ToString());
    }
}
