using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Server:MaxBundleResponseBytes bounds the bytes the entries of one Bundle may answer with in all (here 5,000, some
/// four Observations of this fixture): a search page is cut to what is left, and once nothing is left a batch's reads
/// fail alone with 422 too-costly, a transaction's read of one resource fails the transaction whole. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BundleResponseBytesTests(string store) : ServerTests(store, new() { ["Server:MaxBundleResponseBytes"] = Limit.ToString() })
{
    private const int Limit = 5_000;
    private readonly string _run = "y" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> _observations = [];
    private int _size;

    protected override async Task Seed()
    {
        var note = new string('n', 1_000);
        for (var i = 0; i < 8; i++)
        {
            var created = await Client.PostAsync("/Observation", RestTests.Json($$$"""
                {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:test","code":"{{{_run}}}"}]},"note":[{"text":"{{{note}}}"}]}
                """));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            _observations.Add(created.Headers.Location!.ToString().Split('/')[^3]);
        }
        // The stored bytes of one: a plain JSON read answers with them.
        _size = (await Client.GetByteArrayAsync($"/Observation/{_observations[0]}")).Length;
    }

    private static string Get(string url) => $$$"""{"request":{"method":"GET","url":"{{{url}}}"}}""";

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string type, params string[] entries)
    {
        var response = await Client.PostAsync("/", RestTests.Json($$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{string.Join(',', entries)}}]}"""));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static JsonElement Entry(JsonElement bundle, int i) => bundle.GetProperty("entry")[i];

    private static string Status(JsonElement bundle, int i) => Entry(bundle, i).GetProperty("response").GetProperty("status").GetString()![..3];

    private static void AssertSpent(JsonElement entry)
    {
        var issue = entry.GetProperty("response").GetProperty("outcome").GetProperty("issue")[0];
        Assert.That(issue.GetProperty("code").GetString(), Is.EqualTo("too-costly"));
        Assert.That(issue.GetProperty("diagnostics").GetString(), Does.Contain("Server:MaxBundleResponseBytes").And.Contain("5,000 bytes"));
        Assert.That(entry.TryGetProperty("resource", out _), Is.False);
    }

    [Test]
    public async Task A_page_is_cut_to_what_is_left_and_the_entries_after_the_limit_fail_alone()
    {
        var search = $"Observation?code=urn:test|{_run}";
        var (status, bundle) = await Post("batch",
            Get(search + "&_count=8"),
            Get($"Observation/{_observations[1]}"),
            Get(search + "&_count=1"),
            Get("Observation/_history?_count=1"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        Assert.That(Enumerable.Range(0, 4).Select(i => Status(bundle, i)), Is.EqualTo(new[] { "200", "422", "422", "422" }));

        // The first page stops where its bodies would pass the limit, and its next link goes on from there.
        var page = Entry(bundle, 0).GetProperty("resource");
        Assert.That(page.GetProperty("entry").GetArrayLength(), Is.EqualTo(Limit / _size));
        Assert.That(page.GetProperty("link").EnumerateArray().Select(l => l.GetProperty("relation").GetString()), Does.Contain("next"));
        for (var i = 1; i < 4; i++) AssertSpent(Entry(bundle, i));
    }

    [Test]
    public async Task Reads_of_one_resource_count_and_the_answer_passes_the_limit_by_one_resource_at_most()
    {
        var (status, bundle) = await Post("batch", [.. _observations.Select(id => Get($"Observation/{id}"))]);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        // A read runs while the answer is below the limit.
        var answered = (Limit + _size - 1) / _size;
        Assert.That(Enumerable.Range(0, _observations.Count).Select(i => Status(bundle, i)),
            Is.EqualTo(Enumerable.Range(0, _observations.Count).Select(i => i < answered ? "200" : "422")));
        AssertSpent(Entry(bundle, answered));
    }

    [Test]
    public async Task A_transaction_whose_reads_pass_the_limit_is_refused_whole()
    {
        var id = "bytes-" + _run;
        var (status, outcome) = await Post("transaction",
            [$$$"""{"resource":{"resourceType":"Basic","id":"{{{id}}}","code":{"text":"x"}},"request":{"method":"PUT","url":"Basic/{{{id}}}"}}""",
                .. _observations.Select(o => Get($"Observation/{o}"))]);
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("Server:MaxBundleResponseBytes"));
        Assert.That((await Client.GetAsync($"/Basic/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nothing written");

        var (fits, answered) = await Post("transaction", Get($"Observation/{_observations[0]}"), Get($"Observation/{_observations[1]}"));
        Assert.That(fits, Is.EqualTo(HttpStatusCode.OK), answered.ToString());
    }
}
