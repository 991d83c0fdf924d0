using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Server:MaxBundleSearchRows bounds the rows the search and history entries of one Bundle may read in all (here 30),
/// kept or refused: with Server:MaxBundleResponseResources at 5, an entry whose _revinclude brings 10 Observations is
/// refused after it ran, and without the bound every next entry fitted again and ran as far. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BundleSearchRowsTests(string store)
    : ServerTests(store, new() { ["Server:MaxBundleSearchRows"] = "30", ["Server:MaxBundleResponseResources"] = "5" })
{
    private string _patient = "";

    protected override async Task Seed()
    {
        var patient = await Client.PostAsync("/Patient", RestTests.Json("""{"resourceType":"Patient","name":[{"family":"Rows"}]}"""));
        _patient = patient.Headers.Location!.ToString().Split('/')[^3];
        for (var i = 0; i < 10; i++)
        {
            var created = await Client.PostAsync("/Observation", RestTests.Json($$$"""
                {"resourceType":"Observation","status":"final","code":{"text":"rows"},"subject":{"reference":"Patient/{{{_patient}}}"}}
                """));
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        }
    }

    private async Task<JsonElement> Batch(int entries, string url)
    {
        var entry = $$$"""{"request":{"method":"GET","url":"{{{url}}}"}}""";
        var response = await Client.PostAsync("/", RestTests.Json($$"""{"resourceType":"Bundle","type":"batch","entry":[{{string.Join(',', Enumerable.Repeat(entry, entries))}}]}"""));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static JsonElement Response(JsonElement bundle, int i) => bundle.GetProperty("entry")[i].GetProperty("response");

    [Test]
    public async Task Entries_refused_for_their_includes_still_count_and_those_past_the_rows_are_not_run()
    {
        // Each entry reads its patient (1 row) and the 10 references to it: 11 rows, 11 resources, over the 5 it may answer.
        var bundle = await Batch(6, $"Patient?_id={_patient}&_count=1&_revinclude=Observation:subject");
        var diagnostics = Enumerable.Range(0, 6)
            .Select(i => Response(bundle, i).GetProperty("outcome").GetProperty("issue")[0].GetProperty("diagnostics").GetString()!).ToList();
        Assert.That(Enumerable.Range(0, 6).Select(i => Response(bundle, i).GetProperty("status").GetString()![..3]), Is.All.EqualTo("422"));
        // 11, 22, 33 rows read: the fourth entry on are refused without running.
        Assert.That(diagnostics.Take(3), Is.All.Contain("Server:MaxBundleResponseResources"));
        Assert.That(diagnostics.Skip(3), Is.All.Contain("Server:MaxBundleSearchRows").And.All.Contain("30"));
        Assert.That(Response(bundle, 3).GetProperty("outcome").GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("too-costly"));
    }

    [Test]
    public async Task Counts_are_not_rows_read_and_reads_under_the_bound_are_answered()
    {
        // Ten Observations counted by each entry: 400 counted in all, none read.
        var counts = await Batch(40, "Observation?_summary=count");
        Assert.That(Enumerable.Range(0, 40).Select(i => Response(counts, i).GetProperty("status").GetString()![..3]), Is.All.EqualTo("200"));
        // One row each (the patient), under the 30.
        var bundle = await Batch(2, $"Patient?_id={_patient}&_count=1");
        Assert.That(Response(bundle, 1).GetProperty("status").GetString(), Does.StartWith("200"));
    }
}
