using System.Net;
using System.Text;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Many searches at once with <c>_total=accurate</c>, sorts, includes and cursors of every kind (their own, another
/// search's, edited, garbage), clients that go away in the middle of a search, and writes alongside: every answer is
/// a 200 or a 400, never a 500 or 503, and the store answers correctly afterwards. A connection left in the middle of
/// a statement (a cancelled command, a reader left open, two commands at once on one connection) would show as a
/// protocol error of the driver ("unexpected backend message") on a later request that reuses it.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SearchStressTests(string store) : ServerTests(store, new() { ["Server:MaintainedCountFrom"] = "40" })
{
    private const int Observations = 120;
    private const int Clients = 16;
    private const int RequestsPerClient = 60;
    private static readonly string[] Codes = ["1111-1", "2222-2", "3333-3"];

    protected override async Task Seed()
    {
        var entries = new List<string>();
        for (var p = 0; p < 6; p++)
            entries.Add($$$"""{"resource":{"resourceType":"Patient","id":"sp{{{p}}}","name":[{"family":"Stress{{{p}}}"}]},"request":{"method":"PUT","url":"Patient/sp{{{p}}}"}}""");
        for (var i = 0; i < Observations; i++) entries.Add(ObservationEntry(i));
        var response = await Client.PostAsync("/", RestTests.Json($$"""{"resourceType":"Bundle","type":"transaction","entry":[{{string.Join(",", entries)}}]}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    private static string ObservationEntry(int i)
    {
        var observation = $$$"""
            {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"{{{Codes[i % 3]}}}"}]},
             "subject":{"reference":"Patient/sp{{{i % 6}}}"},"effectiveDateTime":"2020-01-{{{1 + i % 28:00}}}","valueQuantity":{"value":{{{i}}}}}
            """;
        return $$$"""{"resource":{{{observation}}},"request":{"method":"POST","url":"Observation"}}""";
    }

    private static readonly string[] Searches =
    [
        "/Observation?code=http://loinc.org|1111-1&_total=accurate&_count=3",
        "/Observation?code=2222-2&_total=accurate&_count=4&_sort=date",
        "/Observation?subject=Patient/sp1&_total=accurate&_count=2&_include=Observation:subject",
        "/Observation?_total=accurate&_count=5&_sort=-value-quantity",
        "/Observation?code=3333-3&date=ge2020-01-10&_total=accurate&_count=3",
        "/Patient?_has:Observation:subject:code=1111-1&_total=accurate&_count=2&_revinclude=Observation:subject",
        "/Observation?_total=estimate&_count=7&_sort=subject,-date",
        "/Observation?_list=none&_total=accurate&_count=2",
        "/StructureDefinition?_total=accurate&_count=2&type=Patient",
        "/?_type=Observation,Patient&_total=accurate&_count=3",
    ];

    [Test]
    public async Task Concurrent_searches_with_totals_foreign_cursors_and_clients_that_go_away_never_fail()
    {
        var cursors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var answered = 0;
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            for (var r = 0; r < RequestsPerClient; r++)
            {
                var url = Searches[random.Next(Searches.Length)];
                // A cursor of this search, of another one, edited, or garbage: each must be a 200 or a 400.
                var cursorKind = random.Next(4);
                var known = cursors.ToArray();
                if (cursorKind == 1 && known.Length > 0) url += "&_cursor=" + known[random.Next(known.Length)];
                else if (cursorKind == 2 && known.Length > 0) url += "&_cursor=" + known[random.Next(known.Length)][..^2] + "AA";
                else if (cursorKind == 3) url += "&_cursor=" + Convert.ToBase64String(Encoding.UTF8.GetBytes($"[\"n\",\"x\",{random.Next()}]"));
                if (c % 4 == 3 && r % 10 == 0)
                {
                    await Write(random);
                    continue;
                }
                // One request in three is abandoned after a moment, in the middle of its search or its answer.
                using var abandon = new CancellationTokenSource();
                if (random.Next(3) == 0) abandon.CancelAfter(random.Next(0, 15));
                try
                {
                    using var response = await Client.GetAsync(url, abandon.Token);
                    var body = await response.Content.ReadAsStringAsync(abandon.Token);
                    Interlocked.Increment(ref answered);
                    if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.BadRequest))
                        failures.Add($"{(int)response.StatusCode} {url}: {body}");
                    else if (response.StatusCode == HttpStatusCode.OK) KeepNext(body, cursors);
                }
                catch (OperationCanceledException) when (abandon.IsCancellationRequested)
                {
                    // The client went away; the server's answer, if any, is not read.
                }
            }
        })).ToList();
        await Task.WhenAll(clients);

        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(5)));
        Assert.That(answered, Is.GreaterThan(Clients * RequestsPerClient / 3), "most requests were answered");
        // Afterwards every connection the searches left is sound: the totals are right.
        var written = await Count("/Observation?_total=accurate&_count=0");
        for (var i = 0; i < 20; i++)
        {
            Assert.That(await Count("/Observation?_total=accurate&_count=1&_sort=date"), Is.EqualTo(written));
            Assert.That(await Count("/Observation?code=1111-1&_total=accurate&_count=1"), Is.EqualTo(await Count("/Observation?code=1111-1&_total=accurate&_count=0")));
        }
    }

    private async Task Write(Random random)
    {
        var response = await Client.PostAsync("/", RestTests.Json($$"""{"resourceType":"Bundle","type":"batch","entry":[{{ObservationEntry(random.Next(Observations))}}]}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    private async Task<int> Count(string url)
    {
        var response = await Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return JsonDocument.Parse(body).RootElement.GetProperty("total").GetInt32();
    }

    private static void KeepNext(string body, System.Collections.Concurrent.ConcurrentBag<string> cursors)
    {
        using var bundle = JsonDocument.Parse(body);
        if (!bundle.RootElement.TryGetProperty("link", out var links)) return;
        foreach (var link in links.EnumerateArray())
        {
            var url = link.GetProperty("url").GetString()!;
            var at = url.IndexOf("_cursor=", StringComparison.Ordinal);
            if (link.GetProperty("relation").GetString() == "next" && at >= 0) cursors.Add(Uri.UnescapeDataString(url[(at + 8)..].Split('&')[0]));
        }
    }
}
