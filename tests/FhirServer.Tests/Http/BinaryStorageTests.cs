using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FhirServer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Http;

/// <summary>
/// IHE MHD ITI-68 Retrieve Document and the Binary storage behind it: a Binary's data is stored as bytes apart from its
/// JSON, whichever way it came (raw body, FHIR JSON, transaction Bundle), and served raw or as base64 in the FHIR form
/// (R4 binary.html#rest); a Binary stored before, with its base64 inside the body, is still served. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BinaryStorageTests(string store) : ServerTests(store)
{
    private static HttpRequestMessage Raw(HttpMethod method, string url, byte[] content, string mediaType)
    {
        var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(content) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return request;
    }

    private static string NewId() => "bin-" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>What the store holds for the current version: whether the body has data, the size column, the bytes kept apart.</summary>
    private async Task<(bool BodyHasData, long? Content, long? Kept)> Stored(string id)
    {
        var dialect = Factory.Services.GetRequiredService<SqlResourceStore>().Dialect;
        await using var connection = await dialect.OpenAsync(default);
        await using var command = SqlResourceStore.Command(connection, null,
            "SELECT r.body, r.content, (SELECT length(b.data) FROM binary_content b WHERE b.seq = r.seq) FROM resource r " +
            "WHERE r.type = 'Binary' AND r.id = @id ORDER BY r.version DESC LIMIT 1", ("id", id));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True, $"Binary/{id} is stored");
        var body = Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(0));
        return (body.Contains("\"data\"", StringComparison.Ordinal), reader.IsDBNull(1) ? null : reader.GetInt64(1),
            reader.IsDBNull(2) ? null : Convert.ToInt64(reader.GetValue(2)));
    }

    [Test]
    public async Task A_20_MB_document_goes_in_and_out_raw_and_is_stored_as_bytes()
    {
        // Just under Server:MaxRequestBytes (20 MiB), as a document of the DMP may be.
        var content = new byte[20 * 1024 * 1024 - 1024];
        new Random(68).NextBytes(content);
        var expected = SHA256.HashData(content);
        var id = NewId();

        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        using (var put = Raw(HttpMethod.Put, $"/Binary/{id}", content, "application/pdf"))
        {
            put.Headers.Accept.ParseAdd("application/fhir+json");
            using var created = await Client.SendAsync(put, HttpCompletionOption.ResponseHeadersRead);
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            // The answer is the Binary with its data in base64, read here as it comes, not kept.
            await (await created.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        }
        var written = GC.GetTotalAllocatedBytes(precise: true) - before;

        before = GC.GetTotalAllocatedBytes(precise: true);
        byte[] hash;
        using (var get = new HttpRequestMessage(HttpMethod.Get, $"/Binary/{id}"))
        {
            get.Headers.Accept.ParseAdd("*/*");
            using var read = await Client.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(read.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/pdf"));
            Assert.That(read.Content.Headers.ContentLength, Is.EqualTo(content.Length));
            hash = await SHA256.HashDataAsync(await read.Content.ReadAsStreamAsync());
        }
        var readBytes = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.That(hash, Is.EqualTo(expected), "the bytes read are the bytes written");

        var (bodyHasData, size, kept) = await Stored(id);
        Assert.That(bodyHasData, Is.False, "the body has no base64 data");
        Assert.That(size, Is.EqualTo(content.Length));
        Assert.That(kept, Is.EqualTo(content.Length));

        // Client and server share this process: the figures count both (the client's copy of the body it sends included).
        TestContext.Out.WriteLine($"{Store}: 20 MB document: PUT raw allocated {written / 1e6:F1} MB, GET raw {readBytes / 1e6:F1} MB " +
                                  $"(content {content.Length / 1e6:F1} MB)");
    }

    [Test]
    public async Task The_fhir_form_carries_the_data_as_base64_and_the_raw_form_the_security_context()
    {
        var content = "%PDF-1.4 compte rendu"u8.ToArray();
        using var post = Raw(HttpMethod.Post, "/Binary", content, "application/pdf");
        post.Headers.Add("X-Security-Context", "Patient/fr-patient-123");
        using var created = await Client.SendAsync(post);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var id = created.Headers.Location!.ToString().Split('/')[^3];
        using (var answer = JsonDocument.Parse(await created.Content.ReadAsStringAsync()))
            Assert.That(answer.RootElement.GetProperty("data").GetBytesFromBase64(), Is.EqualTo(content), "the create's answer");

        foreach (var (accept, format) in new[] { ("application/fhir+json", ""), ("application/pdf", "?_format=json"), ("application/fhir+json", "?_pretty=true") })
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, $"/Binary/{id}{format}");
            get.Headers.Accept.ParseAdd(accept);
            using var fhir = await Client.SendAsync(get);
            Assert.That(fhir.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+json"), accept + format);
            using var doc = JsonDocument.Parse(await fhir.Content.ReadAsStringAsync());
            Assert.That(doc.RootElement.GetProperty("data").GetBytesFromBase64(), Is.EqualTo(content), accept + format);
            Assert.That(doc.RootElement.GetProperty("securityContext").GetProperty("reference").GetString(), Is.EqualTo("Patient/fr-patient-123"));
        }
        using (var xml = await Client.GetAsync($"/Binary/{id}?_format=xml"))
            Assert.That(await xml.Content.ReadAsStringAsync(), Does.Contain($"<data value=\"{Convert.ToBase64String(content)}\" />"));

        foreach (var accept in new[] { "*/*", "application/pdf" })
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, $"/Binary/{id}");
            get.Headers.Accept.ParseAdd(accept);
            using var raw = await Client.SendAsync(get);
            Assert.That(raw.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/pdf"), accept);
            Assert.That(raw.Headers.GetValues("X-Security-Context").Single(), Is.EqualTo("Patient/fr-patient-123"), accept);
            Assert.That(await raw.Content.ReadAsByteArrayAsync(), Is.EqualTo(content), accept);
        }
        Assert.That((await Stored(id)).Content, Is.EqualTo(content.Length));
    }

    [Test]
    public async Task A_binary_of_a_transaction_is_stored_apart_and_its_versions_keep_their_content()
    {
        var first = "<ClinicalDocument>v1</ClinicalDocument>"u8.ToArray();
        var (status, bundle) = await LimitRequests.Send(Client, HttpMethod.Post, "/", $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:4a0c7a39-3bb4-4b9e-9c3d-5d1c2f1e9a01",
               "resource":{"resourceType":"Binary","contentType":"text/xml","data":"{{{Convert.ToBase64String(first)}}}"},
               "request":{"method":"POST","url":"Binary"}}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        var id = bundle.GetProperty("entry")[0].GetProperty("response").GetProperty("location").GetString()!.Split('/')[1];
        Assert.That(await Stored(id), Is.EqualTo((false, (long?)first.Length, (long?)first.Length)));

        var second = "<ClinicalDocument>v2</ClinicalDocument>"u8.ToArray();
        // A raw XML document is content of a Binary (R4 binary.html#rest), as any non-FHIR media type.
        using (var put = Raw(HttpMethod.Put, $"/Binary/{id}", second, "text/xml"))
            Assert.That((await Client.SendAsync(put)).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        Assert.That(await (await Client.GetAsync($"/Binary/{id}")).Content.ReadAsByteArrayAsync(), Is.EqualTo(second), "current, raw");
        Assert.That(await (await Client.GetAsync($"/Binary/{id}/_history/1")).Content.ReadAsByteArrayAsync(), Is.EqualTo(first), "vread, raw");
        var (_, vread) = await LimitRequests.Send(Client, HttpMethod.Get, $"/Binary/{id}/_history/1");
        Assert.That(vread.GetProperty("data").GetBytesFromBase64(), Is.EqualTo(first), "vread, FHIR");
        var (_, history) = await LimitRequests.Send(Client, HttpMethod.Get, $"/Binary/{id}/_history");
        Assert.That(history.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("data").GetBytesFromBase64()),
            Is.EqualTo(new[] { second, first }), "history");
        var (_, searchset) = await LimitRequests.Send(Client, HttpMethod.Get, $"/Binary?_id={id}");
        Assert.That(searchset.GetProperty("entry")[0].GetProperty("resource").GetProperty("data").GetBytesFromBase64(), Is.EqualTo(second), "search");
        var (_, batch) = await LimitRequests.Send(Client, HttpMethod.Post, "/", $$$"""
            {"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Binary/{{{id}}}"}}]}
            """);
        Assert.That(batch.GetProperty("entry")[0].GetProperty("resource").GetProperty("data").GetBytesFromBase64(), Is.EqualTo(second), "batch read");
    }

    [Test]
    public async Task Documents_of_an_iti65_bundle_round_trip_byte_exact_whatever_their_padding()
    {
        // ITI-65 sends each document as base64 inside the Bundle; its decode is sized from the padding ("==", "=",
        // none: lengths of 3n + 1, 3n + 2, 3n bytes), so each length is written, stored and read back.
        var random = new Random(65);
        var documents = new[] { 10 * 1024 * 1024 + 1, 1024 * 1024 + 2, 1024 * 1024 + 3 }.Select(n =>
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }).ToList();
        var entries = string.Join(",", documents.Select((d, i) => $$$"""
            {"fullUrl":"urn:uuid:4a0c7a39-3bb4-4b9e-9c3d-5d1c2f1e9b0{{{i}}}",
             "resource":{"resourceType":"Binary","contentType":"application/pdf","data":"{{{Convert.ToBase64String(d)}}}"},
             "request":{"method":"POST","url":"Binary"}}
            """));
        var (status, bundle) = await LimitRequests.Send(Client, HttpMethod.Post, "/", $$"""{"resourceType":"Bundle","type":"transaction","entry":[{{entries}}]}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        for (var i = 0; i < documents.Count; i++)
        {
            var id = bundle.GetProperty("entry")[i].GetProperty("response").GetProperty("location").GetString()!.Split('/')[1];
            Assert.That(await Stored(id), Is.EqualTo((false, (long?)documents[i].Length, (long?)documents[i].Length)), $"document {i}");
            using var get = new HttpRequestMessage(HttpMethod.Get, $"/Binary/{id}");
            get.Headers.Accept.ParseAdd("application/pdf");
            using var raw = await Client.SendAsync(get);
            Assert.That(raw.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/pdf"));
            Assert.That(SHA256.HashData(await raw.Content.ReadAsByteArrayAsync()), Is.EqualTo(SHA256.HashData(documents[i])), $"document {i}, raw");
        }
    }

    [Test]
    public async Task A_binary_stored_with_its_base64_in_the_body_is_still_served()
    {
        // As every version was stored before the data was kept apart: written to the store as it is, body and all.
        var id = NewId();
        var content = "bonjour"u8.ToArray();
        var body = Encoding.UTF8.GetBytes($$$"""{"resourceType":"Binary","id":"{{{id}}}","meta":{"versionId":"1","lastUpdated":"2025-01-01T00:00:00.000Z"},"contentType":"text/plain","data":"{{{Convert.ToBase64String(content)}}}"}""");
        var resources = Factory.Services.GetRequiredService<SqlResourceStore>();
        await using (var session = await resources.BeginAsync(write: true))
        {
            await session.InsertAsync(new StoredVersion("Binary", id, 1, DateTimeOffset.UtcNow, VersionMethod.Create, body));
            await session.CommitAsync();
        }
        Assert.That((await Stored(id)).Content, Is.Null);

        using var raw = await Client.GetAsync($"/Binary/{id}");
        Assert.That(raw.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/plain"));
        Assert.That(await raw.Content.ReadAsByteArrayAsync(), Is.EqualTo(content));
        var (_, fhir) = await LimitRequests.Send(Client, HttpMethod.Get, $"/Binary/{id}");
        Assert.That(fhir.GetProperty("data").GetBytesFromBase64(), Is.EqualTo(content));
    }
}
