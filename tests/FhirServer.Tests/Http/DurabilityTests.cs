using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// The server process is killed (SIGKILL) while it writes a large transaction; after a restart on the same store the
/// transaction is entirely absent or entirely present, never in part.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
[NonParallelizable]
public class DurabilityTests(string store)
{
    private const int Entries = 10_000;
    private ProcessStore _store = null!;

    [SetUp]
    public void CreateStore() => _store = new ProcessStore(store, "durability");

    [TearDown]
    public void DeleteStore() => _store.Dispose();

    [Test]
    public async Task A_transaction_cut_by_sigkill_is_absent_after_restart()
    {
        var marker = Guid.NewGuid().ToString("N");
        var bundle = new StringBuilder("""{"resourceType":"Bundle","type":"transaction","entry":[""");
        for (var i = 0; i < Entries; i++)
        {
            if (i > 0) bundle.Append(',');
            bundle.Append($$$"""{"resource":{"resourceType":"Patient","identifier":[{"system":"urn:test:durability","value":"{{{marker}}}"}],"name":[{"family":"N{{{i}}}"}]},"request":{"method":"POST","url":"Patient"}}""");
        }
        bundle.Append("]}");

        var (server, baseUrl) = await StartServer();
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
        var post = client.PostAsync("/", new StringContent(bundle.ToString(), Encoding.UTF8, "application/fhir+json"));
        var started = await Task.WhenAny(server.WaitForLine($"Transaction of {Entries} entries started", TimeSpan.FromMinutes(2)), post);
        if (started == post) Assert.Fail($"The transaction was answered before it could be cut: {(await post).StatusCode} {await (await post).Content.ReadAsStringAsync()}");
        Assert.That(await (Task<bool>)started, Is.True, $"the server logs the start of the transaction: {server.Output}");
        await Task.Delay(150);
        await server.KillAsync();
        HttpResponseMessage? answered = null;
        try { answered = await post; }
        catch (HttpRequestException) { }
        catch (TaskCanceledException) { }
        Assert.That(answered, Is.Null, "the process died before answering: the kill came in the middle of the transaction");

        var (restarted, restartedUrl) = await StartServer();
        try
        {
            using var after = new HttpClient { BaseAddress = new Uri(restartedUrl) };
            var count = await CountMarked(after, marker);
            Assert.That(count, Is.EqualTo(0), $"the cut transaction left {count} of its {Entries} resources");

            // The store still works and the same transaction, uncut, is entirely present.
            var response = await after.PostAsync("/", new StringContent(bundle.ToString(), Encoding.UTF8, "application/fhir+json"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await CountMarked(after, marker), Is.EqualTo(Entries));
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }

    private static async Task<int> CountMarked(HttpClient client, string marker)
    {
        var count = 0;
        string? url = "/Patient/_history?_count=1000";
        while (url is not null)
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync(url));
            if (doc.RootElement.TryGetProperty("entry", out var entries))
                count += entries.EnumerateArray().Count(e => e.TryGetProperty("resource", out var r) && r.GetRawText().Contains(marker, StringComparison.Ordinal));
            url = doc.RootElement.GetProperty("link").EnumerateArray()
                .Where(l => l.GetProperty("relation").GetString() == "next")
                .Select(l => new Uri(l.GetProperty("url").GetString()!).PathAndQuery).FirstOrDefault();
        }
        return count;
    }

    private async Task<(ServerProcess Server, string BaseUrl)> StartServer()
    {
        var server = await ServerProcess.StartAsync(["--Logging:LogLevel:FhirServer.Rest.BundleProcessor=Debug", .. _store.Arguments]);
        return (server, server.BaseUrl);
    }
}
