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

    private static string Bundle(string type, string run, IEnumerable<int> order, int client, int round)
    {
        var entries = order.Select(i =>
            $$$"""{"resource":{"resourceType":"Basic","id":"{{{run}}}-{{{i}}}","code":{"text":"c{{{client}}}-r{{{round}}}"}},"request":{"method":"PUT","url":"Basic/{{{run}}}-{{{i}}}"}}""");
        return $$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{string.Join(',', entries)}}]}""";
    }

    [TestCase("transaction")]
    [TestCase("batch")]
    public async Task Bundles_updating_the_same_resources_in_different_orders_all_complete_with_consecutive_versions(string type)
    {
        var run = "c" + Guid.NewGuid().ToString("N")[..12];
        // Every resource exists first, so that each of its versions after 1 comes from one of the Bundles.
        var created = await Client.PostAsync("/", RestTests.Json(Bundle("transaction", run, Enumerable.Range(0, Resources), -1, -1)));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.OK), await created.Content.ReadAsStringAsync());

        var failures = new List<string>();
        var versions = new Dictionary<string, List<int>>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            for (var round = 0; round < BundlesPerClient; round++)
            {
                var order = Enumerable.Range(0, Resources).OrderBy(_ => random.Next()).ToList();
                var response = await Client.PostAsync("/", RestTests.Json(Bundle(type, run, order, client, round)));
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
                    for (var i = 0; i < order.Count; i++)
                    {
                        var entry = entries[i].GetProperty("response");
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
            Assert.That(versions[id].Order(), Is.EqualTo(Enumerable.Range(2, Clients * BundlesPerClient)), id);
            using var current = JsonDocument.Parse(await Client.GetStringAsync($"/Basic/{id}"));
            Assert.That(current.RootElement.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo($"{1 + Clients * BundlesPerClient}"), id);
        }
    }

    private static int Version(JsonElement response) => int.Parse(response.GetProperty("etag").GetString()!.Trim('W', '/', '"'));
}
