using System.Net;
using System.Text.Json;
using static FhirServer.Tests.Http.LimitRequests;

namespace FhirServer.Tests.Http;

/// <summary>
/// The nesting limits of search, on each store: chain and <c>_has</c> links (Server:MaxChainDepth), the number of
/// <c>_include</c>/<c>_revinclude</c> (Server:MaxIncludes), and rounds of <c>:iterate</c> (Server:MaxIncludeIterations).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SearchLimitTests(string store) : ServerTests(store)
{
    private readonly List<string> _organizations = [];

    protected override async Task Seed()
    {
        // org0 is part of org1, which is part of org2 … up to org5.
        var ids = Enumerable.Range(0, 6).Select(_ => "org-" + Guid.NewGuid().ToString("N")[..12]).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            var partOf = i + 1 < ids.Count ? $$""","partOf":{"reference":"Organization/{{ids[i + 1]}}"}""" : "";
            var (status, body) = await Send(Client, HttpMethod.Put, $"/Organization/{ids[i]}", $$"""{"resourceType":"Organization","id":"{{ids[i]}}","name":"Level {{i}}"{{partOf}}}""");
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        }
        _organizations.AddRange(ids);
    }

    private static List<string> Ids(JsonElement bundle, string mode) =>
        !bundle.TryGetProperty("entry", out var entries) ? [] :
        [.. entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == mode)
            .Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)];

    private static string Outcome(JsonElement bundle) =>
        string.Join(" | ", (bundle.TryGetProperty("entry", out var entries) ? entries.EnumerateArray() : default)
            .Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "outcome").Select(e => Diagnostics(e.GetProperty("resource"))));

    [Test]
    public async Task Chains_of_four_links_are_searched_and_five_are_refused()
    {
        Assert.That((await Send(Client, HttpMethod.Get, "/Observation?subject:Patient.organization.partof.partof.name=x")).Status, Is.EqualTo(HttpStatusCode.OK));
        var diagnostics = BadRequest(await Send(Client, HttpMethod.Get, "/Observation?subject:Patient.organization.partof.partof.partof.name=x"));
        Assert.That(diagnostics, Does.Contain("at most 4 levels").And.Contain("Server:MaxChainDepth"));
    }

    [Test]
    public async Task Reverse_chains_nest_four_deep_and_no_deeper()
    {
        string Has(int levels) => "/Patient?_has:Observation:patient:" + string.Concat(Enumerable.Repeat("_has:Observation:has-member:", levels - 1)) + "code=x";
        Assert.That((await Send(Client, HttpMethod.Get, Has(4))).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(BadRequest(await Send(Client, HttpMethod.Get, Has(5))), Does.Contain("Server:MaxChainDepth"));
        Assert.That(BadRequest(await Send(Client, HttpMethod.Post, "/_search", Has(10)[1..].Replace("Patient?", "_type=Patient&"),
            "application/x-www-form-urlencoded")), Does.Contain("Server:MaxChainDepth"));
    }

    [Test]
    public async Task Twenty_includes_are_searched_and_the_twenty_first_is_refused()
    {
        string Includes(int n) => "/Organization?_id=x&" + string.Join('&', Enumerable.Range(0, n).Select(i => i % 2 == 0 ? "_include=Organization:partof" : "_revinclude=Organization:partof"));
        Assert.That((await Send(Client, HttpMethod.Get, Includes(20))).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(BadRequest(await Send(Client, HttpMethod.Get, Includes(21))), Does.Contain("at most 20").And.Contain("Server:MaxIncludes"));
    }

    [Test]
    public async Task Iterated_includes_stop_after_the_configured_rounds_and_say_so()
    {
        // From org0: the first round and three more reach org1 … org4; org5 would take a fifth.
        var (status, cut) = await Send(Client, HttpMethod.Get, $"/Organization?_id={_organizations[0]}&_include:iterate=Organization:partof");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Ids(cut, "include"), Is.EquivalentTo(_organizations[1..5]));
        Assert.That(Outcome(cut), Does.Contain("Server:MaxIncludeIterations"));

        // From org2 every level is reached within the rounds: nothing to say.
        var (_, whole) = await Send(Client, HttpMethod.Get, $"/Organization?_id={_organizations[2]}&_include:iterate=Organization:partof");
        Assert.That(Ids(whole, "include"), Is.EquivalentTo(_organizations[3..]));
        Assert.That(Outcome(whole), Is.Empty);
    }
}
