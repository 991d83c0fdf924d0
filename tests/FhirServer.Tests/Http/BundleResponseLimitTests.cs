using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Server:MaxBundleResponseResources bounds what the search and history entries of one Bundle may answer with in all
/// (here 10): a batch entry past it fails alone with 422 too-costly, a transaction asking for more is refused whole
/// before it writes. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BundleResponseLimitTests(string store) : ServerTests(store, new() { ["Server:MaxBundleResponseResources"] = "10" })
{
    private readonly string _run = "b" + Guid.NewGuid().ToString("N")[..12];
    private string _patient = "";

    protected override async Task Seed()
    {
        var patient = await Client.PostAsync("/Patient", RestTests.Json("""{"resourceType":"Patient","name":[{"family":"Budget"}]}"""));
        _patient = patient.Headers.Location!.ToString().Split('/')[^3];
        for (var i = 0; i < 8; i++)
        {
            var created = await Client.PostAsync("/Observation", RestTests.Json($$$"""
                {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:test","code":"{{{_run}}}"}]},"subject":{"reference":"Patient/{{{_patient}}}"}}
                """));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
    }

    private static string Get(string url) => $$$"""{"request":{"method":"GET","url":"{{{url}}}"}}""";

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string type, params string[] entries)
    {
        var response = await Client.PostAsync("/", RestTests.Json($$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{string.Join(',', entries)}}]}"""));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string Status(JsonElement bundle, int i) => bundle.GetProperty("entry")[i].GetProperty("response").GetProperty("status").GetString()!;

    [Test]
    public async Task Batch_entries_past_the_limit_fail_alone_and_the_others_are_answered()
    {
        var search = $"Observation?code=urn:test|{_run}";
        var (status, bundle) = await Post("batch",
            Get(search + "&_count=4"), // 4
            Get(search + "&_count=4"), // 8
            Get(search + "&_count=4"), // 12: refused, without running
            Get($"Patient/{_patient}"), // one resource read: not counted
            Get(search + "&_count=2"), // 10
            Get("Observation/_history?_count=1"), // 11: refused
            Get(search + "&_summary=count")); // no resources
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        Assert.That(Enumerable.Range(0, 7).Select(i => Status(bundle, i)[..3]), Is.EqualTo(new[] { "200", "200", "422", "200", "200", "422", "200" }));
        var refused = bundle.GetProperty("entry")[2].GetProperty("response").GetProperty("outcome").GetProperty("issue")[0];
        Assert.That(refused.GetProperty("code").GetString(), Is.EqualTo("too-costly"));
        Assert.That(refused.GetProperty("diagnostics").GetString(), Does.Contain("Server:MaxBundleResponseResources").And.Contain("10 resources"));
        Assert.That(bundle.GetProperty("entry")[2].TryGetProperty("resource", out _), Is.False);
        Assert.That(bundle.GetProperty("entry")[4].GetProperty("resource").GetProperty("entry").GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public async Task Included_resources_count_too()
    {
        var search = $"Observation?code=urn:test|{_run}";
        // 2, then a page of 8 that fits (10) but brings its patient along (11): that entry is refused after it ran.
        var (_, bundle) = await Post("batch", Get(search + "&_count=2"), Get(search + "&_count=8&_include=Observation:subject"));
        Assert.That(Status(bundle, 0), Does.StartWith("200"));
        Assert.That(Status(bundle, 1), Does.StartWith("422"));
        // Alone, the same search is answered: 8 matches and the patient.
        var (_, alone) = await Post("batch", Get(search + "&_count=8&_include=Observation:subject"));
        Assert.That(alone.GetProperty("entry")[0].GetProperty("resource").GetProperty("entry").GetArrayLength(), Is.EqualTo(9));
    }

    [Test]
    public async Task A_transaction_asking_for_more_is_refused_whole_before_it_writes()
    {
        var id = "budget-" + _run;
        var search = $"Observation?code=urn:test|{_run}";
        var (status, outcome) = await Post("transaction",
            $$$"""{"resource":{"resourceType":"Basic","id":"{{{id}}}","code":{"text":"x"}},"request":{"method":"PUT","url":"Basic/{{{id}}}"}}""",
            Get(search + "&_count=6"), Get(search + "&_count=6"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("Bundle.entry[2]").And.Contain("Server:MaxBundleResponseResources"));
        Assert.That((await Client.GetAsync($"/Basic/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nothing written");

        var (fits, answered) = await Post("transaction", Get(search + "&_count=6"), Get(search + "&_count=4"));
        Assert.That(fits, Is.EqualTo(HttpStatusCode.OK), answered.ToString());
    }
}
