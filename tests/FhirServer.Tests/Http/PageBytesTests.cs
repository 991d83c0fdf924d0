using System.Net;
using System.Text.Json;
using static FhirServer.Tests.Http.LimitRequests;

namespace FhirServer.Tests.Http;

/// <summary>
/// Server:MaxPageBytes bounds a history or search page by the bytes of the bodies it carries (here 3,000, about two
/// of the 1,300-byte resources stored): a page stops early, always carries one resource at least, and its links go on
/// without losing or repeating one; includes past it are left out and the searchset says so. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class PageBytesTests(string store) : ServerTests(store, new() { ["Server:MaxPageBytes"] = "3000" })
{
    private readonly string _run = "p" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> _observations = [], _middle = [];
    private string _patient = "", _small = "";

    private static string Padding(int length) => new('x', length);

    protected override async Task Seed()
    {
        _patient = "pat-" + _run;
        // Eight versions of about 1,300 bytes, then one of 5,000, past the budget on its own.
        for (var v = 1; v <= 9; v++)
        {
            var text = Padding(v == 9 ? 5000 : 1100);
            var (status, body) = await Send(Client, HttpMethod.Put, $"/Patient/{_patient}",
                $$"""{"resourceType":"Patient","id":"{{_patient}}","name":[{"family":"V{{v}}","text":"{{text}}"}]}""");
            Assert.That(status, Is.EqualTo(v == 1 ? HttpStatusCode.Created : HttpStatusCode.OK), body.ToString());
        }
        for (var i = 0; i < 3; i++)
        {
            _middle.Add($"mid{i}-{_run}");
            await Send(Client, HttpMethod.Put, $"/Patient/{_middle[^1]}", $$"""{"resourceType":"Patient","id":"{{_middle[^1]}}","name":[{"text":"{{Padding(500)}}"}]}""");
        }
        _small = "small-" + _run;
        await Send(Client, HttpMethod.Put, $"/Patient/{_small}", $$"""{"resourceType":"Patient","id":"{{_small}}"}""");
        for (var i = 0; i < 7; i++)
        {
            var (status, body) = await Send(Client, HttpMethod.Post, "/Observation",
                $$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:test","code":"{{_run}}"}]},"subject":{"reference":"Patient/{{_small}}"},"valueString":"{{Padding(1100)}}"}""");
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ToString());
            _observations.Add(body.GetProperty("id").GetString()!);
        }
    }

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray().Where(l => l.GetProperty("relation").GetString() == relation)
            .Select(l => new Uri(l.GetProperty("url").GetString()!).PathAndQuery).FirstOrDefault();

    private static IEnumerable<JsonElement> Entries(JsonElement bundle, string? mode = null) =>
        (bundle.TryGetProperty("entry", out var entries) ? entries.EnumerateArray() : default)
        .Where(e => mode is null || e.GetProperty("search").GetProperty("mode").GetString() == mode);

    /// <summary>Follows <paramref name="relation"/> links from <paramref name="url"/>: each page's entries of <paramref name="select"/>.</summary>
    private async Task<List<List<string>>> Pages(string url, string relation, Func<JsonElement, IEnumerable<string>> select)
    {
        var pages = new List<List<string>>();
        for (string? next = url; next is not null && pages.Count < 50;)
        {
            var (status, bundle) = await Send(Client, HttpMethod.Get, next);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
            pages.Add([.. select(bundle)]);
            next = Link(bundle, relation);
        }
        return pages;
    }

    private static IEnumerable<string> VersionIds(JsonElement bundle) =>
        Entries(bundle).Select(e => e.GetProperty("resource").GetProperty("meta").GetProperty("versionId").GetString()!);

    private static IEnumerable<string> MatchIds(JsonElement bundle) =>
        Entries(bundle, "match").Select(e => e.GetProperty("resource").GetProperty("id").GetString()!);

    [Test]
    public async Task A_history_page_stops_at_the_byte_budget_and_its_next_links_reach_every_version_once()
    {
        var pages = await Pages($"/Patient/{_patient}/_history?_count=1000", "next", VersionIds);
        // The newest version alone passes the budget: a page of its own. Then two of about 1,300 bytes a page.
        Assert.That(pages.Select(p => p.Count), Is.EqualTo(new[] { 1, 2, 2, 2, 2 }), string.Join(",", pages.Select(p => string.Join("/", p))));
        Assert.That(pages.SelectMany(p => p), Is.EqualTo(Enumerable.Range(1, 9).Reverse().Select(v => v.ToString())));
    }

    [Test]
    public async Task A_search_page_stops_at_the_byte_budget_and_its_links_reach_every_match_once_both_ways()
    {
        var pages = await Pages($"/Observation?code=urn:test|{_run}&_count=1000", "next", MatchIds);
        Assert.That(pages.Select(p => p.Count), Is.EqualTo(new[] { 2, 2, 2, 1 }));
        Assert.That(pages.SelectMany(p => p), Is.EquivalentTo(_observations));

        // Back from the last page: the previous links keep the end of their page, nearest the cursor.
        var (_, first) = await Send(Client, HttpMethod.Get, $"/Observation?code=urn:test|{_run}&_count=1000");
        var last = first;
        for (var next = Link(first, "next"); next is not null; next = Link(last, "next")) (_, last) = await Send(Client, HttpMethod.Get, next);
        var back = await Pages(Link(last, "previous")!, "previous", MatchIds);
        Assert.That(back.Select(p => p.Count), Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(back.SelectMany(p => p).Concat(MatchIds(last)), Is.EquivalentTo(_observations));
    }

    [Test]
    public async Task A_search_across_types_shares_one_byte_budget()
    {
        var ids = string.Join(',', _observations.Concat(_middle));
        var pages = await Pages($"/?_type=Observation,Patient&_id={ids}&_count=1000", "next", MatchIds);
        // The last Observation (about 1,300 bytes) leaves room for two of the three Patients of about 650.
        Assert.That(pages.Select(p => p.Count), Is.EqualTo(new[] { 2, 2, 2, 3, 1 }));
        Assert.That(pages.SelectMany(p => p), Is.EquivalentTo(_observations.Concat(_middle)));
    }

    [Test]
    public async Task Includes_past_the_byte_budget_are_left_out_and_the_searchset_says_so()
    {
        var (status, bundle) = await Send(Client, HttpMethod.Get, $"/Patient?_id={_small}&_revinclude=Observation:subject&_count=2147483647");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        Assert.That(Entries(bundle, "match").Count(), Is.EqualTo(1));
        // A small patient and two of its seven Observations of about 1,300 bytes fit in 3,000 bytes.
        Assert.That(Entries(bundle, "include").Count(), Is.EqualTo(2));
        var outcome = Entries(bundle, "outcome").Single().GetProperty("resource");
        Assert.That(Diagnostics(outcome), Does.Contain("Server:MaxPageBytes").And.Contain("3,000"));

        // Across types, posted, iterating, with the largest _count: the same bound.
        var (posted, across) = await Send(Client, HttpMethod.Post, "/_search",
            $"_type=Patient&_id={_small}&_revinclude:iterate=Observation:subject&_count=2147483647", "application/x-www-form-urlencoded");
        Assert.That(posted, Is.EqualTo(HttpStatusCode.OK), across.ToString());
        Assert.That(Entries(across, "include").Count(), Is.EqualTo(2));
        Assert.That(Diagnostics(Entries(across, "outcome").Single().GetProperty("resource")), Does.Contain("Server:MaxPageBytes"));
    }
}
