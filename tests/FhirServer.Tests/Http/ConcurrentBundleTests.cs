using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Transaction and batch Bundles that change the same resources at the same time, each listing them in its own order:
/// every one completes (no "deadlock detected" 503), and each resource's versions follow one another without a gap
/// or a repeat. On PostgreSQL each Bundle takes its resources' locks in one global order before its first write.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ConcurrentBundleTests(string store) : ServerTests(store)
{
    private const int Clients = 8;
    private const int BundlesPerClient = 25;
    private const int Resources = 10;
    private const int Read = 3;

    /// <summary>A PUT of each resource in <paramref name="writes"/> and a read of each in <paramref name="reads"/>, in the order given.</summary>
    private static string Bundle(string type, string run, IEnumerable<int> writes, IEnumerable<int> reads, int client, int round)
    {
        var entries = writes.Select(i =>
            $$$"""{"resource":{"resourceType":"Basic","id":"{{{run}}}-{{{i}}}","code":{"text":"c{{{client}}}-r{{{round}}}"}},"request":{"method":"PUT","url":"Basic/{{{run}}}-{{{i}}}"}}""")
            .Concat(reads.Select(i => $$$"""{"request":{"method":"GET","url":"Basic/{{{run}}}-{{{i}}}"}}"""));
        return $$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{string.Join(',', entries)}}]}""";
    }

    [TestCase("transaction")]
    [TestCase("batch")]
    public async Task Bundles_updating_the_same_resources_in_different_orders_all_complete_with_consecutive_versions(string type)
    {
        var run = "c" + Guid.NewGuid().ToString("N")[..12];
        // Every resource exists first, so that each of its versions after 1 comes from one of the Bundles.
        var created = await Client.PostAsync("/", RestTests.Json(Bundle("transaction", run, Enumerable.Range(0, Resources), [], -1, -1)));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.OK), await created.Content.ReadAsStringAsync());

        var failures = new List<string>();
        var versions = new Dictionary<string, List<int>>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            for (var round = 0; round < BundlesPerClient; round++)
            {
                // Most resources written, a few read (a read in a transaction locks what it reads, too), each Bundle in its own order.
                var order = Enumerable.Range(0, Resources).OrderBy(_ => random.Next()).ToList();
                var reads = order.Skip(Resources - Read).ToList();
                order = order.Take(Resources - Read).ToList();
                var response = await Client.PostAsync("/", RestTests.Json(Bundle(type, run, order, reads, client, round)));
                var text = await response.Content.ReadAsStringAsync();
                lock (failures)
                {
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{(int)response.StatusCode}: {text}");
                        continue;
                    }
                    using var answer = JsonDocument.Parse(text);
                    var entries = answer.RootElement.GetProperty("entry");
                    for (var i = 0; i < order.Count + reads.Count; i++)
                    {
                        var entry = entries[i].GetProperty("response");
                        if (i >= order.Count)
                        {
                            if (!entry.GetProperty("status").GetString()!.StartsWith("200", StringComparison.Ordinal)) failures.Add($"read {i}: {entry}");
                            continue;
                        }
                        var status = entry.GetProperty("status").GetString()!;
                        if (!status.StartsWith("200", StringComparison.Ordinal)) failures.Add($"entry {i}: {status}");
                        else if (!versions.TryAdd($"{run}-{order[i]}", [Version(entry)])) versions[$"{run}-{order[i]}"].Add(Version(entry));
                    }
                }
            }
        })));

        Assert.That(failures, Is.Empty);
        foreach (var i in Enumerable.Range(0, Resources))
        {
            var id = $"{run}-{i}";
            var written = versions[id].Count;
            Assert.That(versions[id].Order(), Is.EqualTo(Enumerable.Range(2, written)), id);
            using var current = JsonDocument.Parse(await Client.GetStringAsync($"/Basic/{id}"));
            Assert.That(current.RootElement.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo($"{1 + written}"), id);
        }
    }

    private static int Version(JsonElement response) => int.Parse(response.GetProperty("etag").GetString()!.Trim('W', '/', '"'));
}
