using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// What a 20 MB document costs the server's memory (ITI-65 / ITI-68): the server in a process of its own, its resident
/// memory read from /proc before, and its peak (VmHWM) after a raw round trip (PUT, then GET three times), then after
/// 14 MB of it as FHIR JSON (base64 in and out; 20 MB of base64 would pass the request limit). The figures are printed, for docs/french-flows.md; the bytes
/// read back are checked. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BinaryMemoryTests(string store)
{
    private static (long Rss, long Peak) Memory(int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        long Kb(string key) => long.Parse(status.Single(l => l.StartsWith(key + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return (Kb("VmRSS") * 1024, Kb("VmHWM") * 1024);
    }

    private const int JsonBytes = 14 * 1024 * 1024;

    [Test]
    public async Task A_20_MB_round_trip_is_measured()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("reads /proc");
        using var processStore = new ProcessStore(store, "binary-memory");
        await using var server = await ServerProcess.StartAsync(processStore.Arguments);
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        var content = new byte[20 * 1024 * 1024 - 1024];
        new Random(68).NextBytes(content);
        var expected = SHA256.HashData(content);

        // Warm: a small document, so that start-up work is not counted.
        using (var warm = new HttpRequestMessage(HttpMethod.Put, "/Binary/warm") { Content = new ByteArrayContent("warm"u8.ToArray()) })
        {
            warm.Content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            Assert.That((await client.SendAsync(warm)).IsSuccessStatusCode, Is.True);
        }
        var start = Memory(server.Process.Id);

        using (var put = new HttpRequestMessage(HttpMethod.Put, "/Binary/doc") { Content = new ByteArrayContent(content) })
        {
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            put.Headers.Add("Prefer", "return=minimal");
            Assert.That((await client.SendAsync(put)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        for (var i = 0; i < 3; i++)
        {
            using var read = await client.GetAsync("/Binary/doc", HttpCompletionOption.ResponseHeadersRead);
            Assert.That(await SHA256.HashDataAsync(await read.Content.ReadAsStreamAsync()), Is.EqualTo(expected));
        }
        var raw = Memory(server.Process.Id);

        // As base64 the document would pass the request limit: the FHIR JSON round trip is of its first 14 MB (19 MB of JSON).
        var json = Encoding.UTF8.GetBytes($$"""{"resourceType":"Binary","id":"doc-json","contentType":"application/pdf","data":"{{Convert.ToBase64String(content.AsSpan(0, JsonBytes))}}"}""");
        using (var put = new HttpRequestMessage(HttpMethod.Put, "/Binary/doc-json") { Content = new ByteArrayContent(json) })
        {
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
            put.Headers.Add("Prefer", "return=minimal");
            Assert.That((await client.SendAsync(put)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
        for (var i = 0; i < 3; i++)
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, "/Binary/doc-json");
            get.Headers.Accept.ParseAdd("application/fhir+json");
            using var read = await client.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);
            await (await read.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        }
        var fhir = Memory(server.Process.Id);

        const double Mb = 1024 * 1024;
        TestContext.Out.WriteLine($"{store}: 20 MB document, server resident memory {start.Rss / Mb:F0} MB before; " +
                                  $"raw PUT + 3 GET: peak +{(raw.Peak - start.Rss) / Mb:F0} MB, after {raw.Rss / Mb:F0} MB; " +
                                  $"then 14 MB as FHIR JSON, PUT + 3 GET: peak +{(fhir.Peak - start.Rss) / Mb:F0} MB, after {fhir.Rss / Mb:F0} MB");
    }
}
