using System.Net;
using System.Text.Json;
using FhirServer.Search;
using FhirServer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Http;

/// <summary>
/// Maintained counts (docs/search.md), on each store, with the threshold lowered to 3: an accurate total of one token
/// or reference value that reaches it is stored, then kept exact by every write — creates, updates that add or drop
/// the value, a resource with the value twice, deletions, a transaction that fails — and by writes racing the first
/// count.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class MaintainedCountTests(string store) : ServerTests(store, new() { ["Server:MaintainedCountFrom"] = "3" })
{
    private const string S = "http://terminology.hl7.org/CodeSystem/observation-category";
    private const string T = "http://example.org/other-categories";

    private static string Observation(string subject, params (string System, string Code)[] categories) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["resourceType"] = "Observation",
            ["status"] = "final",
            ["category"] = categories.Select(c => new { coding = new[] { new { system = c.System, code = c.Code } } }).ToArray(),
            ["code"] = new { text = "test" },
            ["subject"] = new { reference = subject },
        });

    private async Task<string> Create(string json)
    {
        var response = await Client.PostAsync("/Observation", RestTests.Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString().Split('/')[^3];
    }

    private async Task Update(string id, string json)
    {
        var withId = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        withId["id"] = JsonSerializer.SerializeToElement(id);
        var response = await Client.PutAsync($"/Observation/{id}", RestTests.Json(JsonSerializer.Serialize(withId)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    /// <summary>The total of a search, and the matches it lists (all on one page): two independent answers.</summary>
    private async Task<(int Total, int Listed)> Total(string query)
    {
        var response = await Client.GetAsync($"/Observation?{query}&_total=accurate&_count=500");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var doc = JsonDocument.Parse(text);
        var listed = doc.RootElement.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Count(e => e.GetProperty("search").GetProperty("mode").GetString() == "match")
            : 0;
        return (doc.RootElement.GetProperty("total").GetInt32(), listed);
    }

    /// <summary>The counts kept for one value of a parameter (any qualifier).</summary>
    private Task<long> StoredCounts(string param, string value) =>
        Scalar("SELECT count(*) FROM search_count WHERE type = 'Observation' AND param = @p AND value = @v", ("p", param), ("v", value));

    private Task<long> Deltas(string value) => Scalar("SELECT count(*) FROM search_count_delta WHERE value = @v", ("v", value));

    private async Task<long> Scalar(string sql, params (string Name, object Value)[] args)
    {
        await using var connection = await Factory.Services.GetRequiredService<SqlResourceStore>().Dialect.OpenAsync(default);
        await using var command = SqlResourceStore.Command(connection, null, sql, args);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task Expect(string query, int expected, string step)
    {
        var (total, listed) = await Total(query);
        Assert.That((total, listed), Is.EqualTo((expected, expected)), $"{query} {step}");
    }

    [Test]
    public async Task Counts_follow_every_write()
    {
        var vs = (S, "vital-signs");
        var o1 = await Create(Observation("Patient/pa", vs));
        var o2 = await Create(Observation("Patient/pa", vs, vs, (T, "vital-signs")));
        var o3 = await Create(Observation("Patient/pa", vs));
        await Create(Observation("Patient/pb", (S, "laboratory")));
        await Create(Observation("Patient/pb", (T, "vital-signs")));
        var bySystem = $"category={Uri.EscapeDataString(S)}|vital-signs";
        const string byCode = "category=vital-signs", bySubject = "subject=Patient/pa", byId = "subject=pa";

        Assert.That(await StoredCounts("category", "vital-signs"), Is.Zero);
        await Expect(bySystem, 3, "first count");
        await Expect(byCode, 4, "first count, any system");
        await Expect(bySubject, 3, "first count");
        await Expect(byId, 3, "first count, any type");
        await Expect("category=laboratory", 1, "below the threshold");
        Assert.That(await StoredCounts("category", "vital-signs"), Is.EqualTo(2), "by system and by code");
        Assert.That(await StoredCounts("category", "laboratory"), Is.Zero, "below the threshold");
        Assert.That(await StoredCounts("subject", "pa"), Is.EqualTo(2), "by type and id and by id");

        await Create(Observation("Patient/pa", vs, vs));
        await Expect(bySystem, 4, "after a create with the value twice");
        await Expect(byCode, 5, "after a create with the value twice");
        await Expect(bySubject, 4, "after a create");

        await Update(o1, Observation("Patient/pa", (S, "laboratory")));
        await Expect(bySystem, 3, "after an update that drops the value");
        await Expect(byCode, 4, "after an update that drops the value");
        await Expect(bySubject, 4, "after an update that keeps the subject");

        await Update(o2, Observation("Patient/pb", vs, vs));
        await Expect(bySystem, 3, "after an update that drops one of three rows of the value");
        await Expect(byCode, 4, "after an update that drops one of three rows of the value");
        await Expect(bySubject, 3, "after an update that moves the subject");
        await Expect(byId, 3, "after an update that moves the subject");

        Assert.That((await Client.DeleteAsync($"/Observation/{o3}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent).Or.EqualTo(HttpStatusCode.OK));
        await Expect(bySystem, 2, "after a deletion");
        await Expect(byCode, 3, "after a deletion");
        await Expect(bySubject, 2, "after a deletion");

        // A transaction that fails on its second entry (a version that does not exist) leaves the counts as they were.
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Observation("Patient/pa", vs)}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{{{Observation("Patient/pa", vs)}}},"request":{"method":"PUT","url":"Observation/{{{o1}}}","ifMatch":"W/\"9\""}}]}
            """;
        var failed = await Client.PostAsync("/", RestTests.Json(bundle));
        Assert.That((int)failed.StatusCode, Is.InRange(400, 499), await failed.Content.ReadAsStringAsync());
        await Expect(bySystem, 2, "after a failed transaction");
        await Expect(bySubject, 2, "after a failed transaction");

        // The code in 120 systems: 120 token rows with that code, more than one multi-row insert on PostgreSQL (112 token
        // rows each), still one resource for the count by code.
        await Create(Observation("Patient/pa", [vs, .. Enumerable.Range(0, 119).Select(i => ($"http://example.org/cs{i}", "vital-signs"))]));
        await Expect(bySystem, 3, "after a create with the code in 120 rows");
        await Expect(byCode, 4, "after a create with the code in 120 rows");

        // Rebuilding the index deletes and writes every resource's rows again: the counts come out the same.
        Assert.That(await Factory.Services.GetRequiredService<Reindexer>().RunAsync(force: true), Is.GreaterThan(0));
        await Expect(bySystem, 3, "after a reindex");
        await Expect(byCode, 4, "after a reindex");
        await Expect(bySubject, 3, "after a reindex");
    }

    [Test]
    public async Task Many_writes_after_the_first_count()
    {
        const string subject = "Patient/many";
        for (var i = 0; i < 3; i++) await Create(Observation(subject, (S, "exam")));
        await Expect($"subject={subject}", 3, "first count");
        // 100 creates in one transaction: written together, on PostgreSQL one delta of 100.
        await PostBundle("transaction", 100, subject);
        Assert.That((await Total($"subject={subject}")).Total, Is.EqualTo(103), "after a transaction of creates");
        // 1,000 creates by update (client ids) in a batch: on PostgreSQL parts of one transaction, one delta each, past
        // the 1,000 after which a read folds them.
        await PostBundle("batch", 1000, subject, put: true);
        Assert.That((await Total($"subject={subject}")).Total, Is.EqualTo(1103), "deltas added up");
        Assert.That((await Total($"subject={subject}")).Total, Is.EqualTo(1103), "after the fold");
        Assert.That(await Deltas("many"), Is.Zero, "folded (SQLite keeps none)");
    }

    /// <summary>A Bundle of <paramref name="creates"/> Observations of the subject: POSTs, or PUTs to new ids.</summary>
    private async Task PostBundle(string type, int creates, string subject, bool put = false)
    {
        var entries = string.Join(",", Enumerable.Range(0, creates).Select(_ =>
        {
            var resource = System.Text.Json.Nodes.JsonNode.Parse(Observation(subject, (S, "exam")))!;
            if (!put) return $$$"""{"resource":{{{resource.ToJsonString()}}},"request":{"method":"POST","url":"Observation"}}""";
            var id = "o" + Guid.NewGuid().ToString("N");
            resource["id"] = id;
            return $$$"""{"resource":{{{resource.ToJsonString()}}},"request":{"method":"PUT","url":"Observation/{{{id}}}"}}""";
        }));
        var response = await Client.PostAsync("/", RestTests.Json($$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{entries}}]}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(System.Text.RegularExpressions.Regex.Count(body, "\"status\":\"201"), Is.EqualTo(creates), body);
    }

    [Test]
    public async Task Writes_racing_the_first_count_are_counted()
    {
        const string subject = "Patient/racing";
        for (var i = 0; i < 5; i++) await Create(Observation(subject, (S, "survey")));
        // Forty creates in flight while the count is first taken and stored, then one more count: every create is in
        // the stored count or added by its own write, never both, never neither.
        var creates = Enumerable.Range(0, 40).Select(_ => Create(Observation(subject, (S, "survey")))).ToList();
        var first = Total($"subject={subject}");
        await Task.WhenAll(creates);
        var (total, _) = await first;
        Assert.That(total, Is.InRange(5, 45));
        await Expect($"subject={subject}", 45, "after the racing creates");
        Assert.That(await StoredCounts("subject", "racing"), Is.EqualTo(1));
    }
}
