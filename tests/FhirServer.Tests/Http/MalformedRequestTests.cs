using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Requests that are malformed rather than wrong (an undecodable compressed body, a search parameter name without
/// its parts) get a 400 OperationOutcome from every path that reads them, never a 500.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class MalformedRequestTests(string store) : ServerTests(store)
{
    private static async Task<string> Outcome(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), $"{what}: {text}");
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/fhir+json"), what);
        using var outcome = JsonDocument.Parse(text);
        Assert.That(outcome.RootElement.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"), what);
        return outcome.RootElement.GetProperty("issue")[0].GetProperty("diagnostics").GetString()!;
    }

    /// <summary>Every reader of a request body: a resource in JSON and XML, a Binary's bytes, a form, a Bundle, both patches.</summary>
    private static readonly (HttpMethod Method, string Url, string MediaType)[] BodyReaders =
    [
        (HttpMethod.Post, "/Patient", "application/fhir+json"),
        (HttpMethod.Post, "/Patient", "application/fhir+xml"),
        (HttpMethod.Put, "/Patient/malformed", "application/fhir+json"),
        (HttpMethod.Post, "/Binary", "application/octet-stream"),
        (HttpMethod.Post, "/Patient/_search", "application/x-www-form-urlencoded"),
        (HttpMethod.Post, "/", "application/fhir+json"),
        (HttpMethod.Patch, "/Patient/malformed", "application/json-patch+json"),
        (HttpMethod.Patch, "/Patient/malformed", "application/fhir+json"),
    ];

    [Test]
    public async Task A_body_that_is_not_in_its_content_encoding_is_400_for_every_reader()
    {
        // Four 0xFF bytes are no brotli stream ("Decoder ran into invalid data", an InvalidOperationException), nor gzip
        // (a bad header), nor deflate (a reserved block type): InvalidDataException.
        foreach (var encoding in new[] { "br", "gzip", "deflate" })
        {
            foreach (var (method, url, mediaType) in BodyReaders)
            {
                var content = new ByteArrayContent([0xFF, 0xFF, 0xFF, 0xFF]);
                content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                content.Headers.ContentEncoding.Add(encoding);
                using var request = new HttpRequestMessage(method, url) { Content = content };
                request.Headers.Accept.ParseAdd("application/fhir+json");
                var what = $"{method} {url} as {mediaType} in {encoding}";
                Assert.That(await Outcome(await Client.SendAsync(request), HttpStatusCode.BadRequest, what),
                    Does.StartWith($"The request body could not be decompressed ({encoding})"), what);
            }
        }
    }

    [Test]
    public async Task A_well_compressed_brotli_body_is_still_read()
    {
        using var buffer = new MemoryStream();
        using (var brotli = new BrotliStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            brotli.Write("""{"resourceType":"Patient","name":[{"family":"Brotli"}]}"""u8);
        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        content.Headers.ContentEncoding.Add("br");
        var created = await Client.PostAsync("/Patient", content);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
    }

    [TestCase("subscriber:=x", "the modifier after ':' is empty")]
    [TestCase("subscriber:=", "the modifier after ':' is empty")]
    [TestCase("status:=active", "the modifier after ':' is empty")]
    [TestCase(":=x", "needs a name")]
    [TestCase("=x", "needs a name")]
    [TestCase("=", "needs a name")]
    [TestCase("subscriber:identifier:x=1", "one modifier")]
    [TestCase("a:b:c=1", "one modifier")]
    [TestCase("subscriber:Foo=1", "'Foo' is not a resource type")]
    [TestCase("subscriber.=1", "a link of the chain is empty")]
    [TestCase("subscriber.name.=1", "a link of the chain is empty")]
    [TestCase("subscriber..name=1", "a link of the chain is empty")]
    [TestCase(".name=1", "needs a name")]
    [TestCase("subscriber:.name=1", "the modifier after ':' is empty")]
    [TestCase("subscriber:Foo.name=1", "'Foo' is not a resource type")]
    [TestCase("subscriber:Patient.name:=1", "the modifier after ':' is empty")]
    [TestCase("_has:=1", "_has takes")]
    [TestCase("_has::a:b=1", "_has takes")]
    [TestCase("_has:Patient:link:=1", "needs a name")]
    [TestCase("_has:Patient:link:name:=1", "the modifier after ':' is empty")]
    [TestCase("_id:=1", "the modifier after ':' is empty")]
    public async Task A_malformed_search_parameter_name_is_400_in_either_handling(string query, string message)
    {
        foreach (var prefer in new[] { "handling=lenient", "handling=strict" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/Coverage?" + query);
            request.Headers.Add("Prefer", prefer);
            Assert.That(await Outcome(await Client.SendAsync(request), HttpStatusCode.BadRequest, query), Does.Contain(message));
        }
        var form = new FormUrlEncodedContent([new(query.Split('=', 2)[0], query.Split('=', 2)[1])]);
        Assert.That(await Outcome(await Client.PostAsync("/Coverage/_search", form), HttpStatusCode.BadRequest, query), Does.Contain(message));
    }

    [Test]
    public async Task Well_formed_modifiers_and_chains_are_still_searched()
    {
        foreach (var query in new[] { "subscriber:Patient=x", "subscriber:identifier=a|b", "subscriber:Patient.name=x", "_has:Claim:patient:status=active", "subscriber:missing=true" })
        {
            var response = await Client.GetAsync("/Coverage?" + query);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), query + ": " + await response.Content.ReadAsStringAsync());
        }
    }

    [Test]
    public async Task A_search_post_with_a_chunked_body_that_is_not_a_form_is_415()
    {
        var content = new StreamContent(new MemoryStream("""{"name":"x"}"""u8.ToArray()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Patient/_search") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await Outcome(await Client.SendAsync(request), HttpStatusCode.UnsupportedMediaType, "chunked JSON to _search");
    }

    // The id of a URL is the R4 id type: a decoded control character at its end (%0A, %0D, %09) is no part of one.
    [TestCase("/Patient/abc%0A")]
    [TestCase("/Patient/abc%0D%0A")]
    [TestCase("/Patient/abc%09")]
    [TestCase("/Patient/abc%0A/_history")]
    public async Task An_id_with_a_trailing_control_character_is_400(string url)
    {
        Assert.That(await Outcome(await Client.GetAsync(url), HttpStatusCode.BadRequest, url), Does.Contain("is not a valid"));
        using var put = new StringContent("""{"resourceType":"Patient","id":"abc"}""", System.Text.Encoding.UTF8, "application/fhir+json");
        if (!url.Contains("_history"))
            Assert.That(await Outcome(await Client.PutAsync(url, put), HttpStatusCode.BadRequest, "PUT " + url), Does.Contain("is not a valid resource id"));
    }
}
