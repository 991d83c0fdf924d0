using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirServer.Tests.Http;

/// <summary>
/// <c>_sort</c> (R4 search.html#sort) on each store, by each kind of parameter, both directions, several keys, with and
/// without filters: every page walked forward and back must give the order the data implies — a resource sorts by its
/// lowest value ascending and its highest descending, ties by id (in the first key's direction), resources without a
/// value last — whether the page walks the sort index or filters first. Cursors are checked as client input.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SortTests(string store) : ServerTests(store)
{
    private readonly string _run = "s" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<Person> _people = [];
    private readonly List<Risk> _risks = [];

    /// <summary>A patient of the data set: its names (family and given, lower case ASCII), gender, birth date and practitioner.</summary>
    private sealed record Person(string Id, string[] Names, string? Gender, string? BirthDate, string? Practitioner);

    /// <summary>A RiskAssessment with its probabilities (number) and an Observation with a weight (quantity) of the same key.</summary>
    private sealed record Risk(string Id, decimal[] Probabilities, string ObservationId, decimal? Weight);

    protected override async Task Seed()
    {
        var data = new (string[] Family, string[] Given, string? Gender, string? Birth, string? Practitioner)[]
        {
            (["martin"], ["zoe"], "female", "1980-05-01", "pr-c"),
            (["bernard", "yvon"], ["alice"], "male", "1975-01-20", "pr-a"),
            (["dubois"], ["claire", "anne"], "female", null, null),
            (["thomas"], ["bruno"], null, "1990-11-11", "pr-b"),
            (["robert"], ["xavier"], "male", "1980-05-01", "pr-c"),
            (["richard"], ["emma"], "female", "2001-02-03", "pr-a"),
            (["petit"], ["louis"], "male", "1962-07-14", null),
            (["durand"], ["camille"], "female", "1999-09-09", "pr-b"),
            (["leroy"], ["hugo"], "other", "1975-01-20", "pr-d"),
            (["moreau", "abel"], ["nina"], "female", "1985-12-31", "pr-a"),
            (["simon"], ["yves"], "male", "1970-03-03", "pr-c"),
        };
        foreach (var (family, given, gender, birth, practitioner) in data)
        {
            var resource = new JsonObject
            {
                ["resourceType"] = "Patient",
                // The first patient has 2,000 more identifiers of the wide system: a filter on it has more rows than a
                // sort finds first and sorts (SqlSearch.FilterFirstAsync), so the sort index is walked and the filter probed.
                ["identifier"] = new JsonArray([
                    new JsonObject { ["system"] = $"urn:test:{_run}", ["value"] = family[0] },
                    .. Enumerable.Range(0, _people.Count == 0 ? 2001 : 1).Select(i => (JsonNode)new JsonObject { ["system"] = $"urn:test:{_run}:wide", ["value"] = $"{family[0]}{i}" }),
                ]),
                ["name"] = new JsonArray([.. family.Select((f, i) => (JsonNode)(i == 0
                    ? new JsonObject { ["family"] = f, ["given"] = new JsonArray([.. given.Select(g => (JsonNode)g)]) }
                    : new JsonObject { ["family"] = f }))]),
            };
            if (gender is not null) resource["gender"] = gender;
            if (birth is not null) resource["birthDate"] = birth;
            if (practitioner is not null) resource["generalPractitioner"] = new JsonArray(new JsonObject { ["reference"] = $"Practitioner/{_run}{practitioner}" });
            var id = await Create(resource.ToJsonString());
            _people.Add(new Person(id, [.. family, .. given], gender, birth, practitioner is null ? null : _run + practitioner));
        }
        var risks = new (decimal[] Probabilities, decimal? Weight)[] { ([0.5m, 0.1m], 70m), ([0.3m], null), ([0.9m, 0.2m], 55.5m), ([0.3m, 0.95m], 80m), ([], 60m) };
        foreach (var (probabilities, weight) in risks)
        {
            var predictions = probabilities.Length == 0 ? "" : $$""","prediction":[{{string.Join(",", probabilities.Select(p => $$"""{"probabilityDecimal":{{p}}}"""))}}]""";
            var risk = await Create($$"""{"resourceType":"RiskAssessment","status":"final","identifier":[{"system":"urn:test:{{_run}}","value":"r"}],"subject":{"reference":"Patient/{{_people[0].Id}}"}{{predictions}}}""");
            var value = weight is null ? "" : $$""","valueQuantity":{"value":{{weight}},"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}""";
            var observation = await Create($$"""{"resourceType":"Observation","status":"final","identifier":[{"system":"urn:test:{{_run}}","value":"o"}],"code":{"text":"poids"}{{value}}}""");
            _risks.Add(new Risk(risk, probabilities, observation, weight));
        }
    }

    private async Task<string> Create(string json)
    {
        var type = JsonDocument.Parse(json).RootElement.GetProperty("resourceType").GetString();
        var response = await Client.PostAsync("/" + type, RestTests.Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString().Split('/')[^3];
    }

    private async Task<JsonElement> Bundle(string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), url + "\n" + text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static List<string> Ids(JsonElement bundle) =>
        !bundle.TryGetProperty("entry", out var entries) ? [] :
        [.. entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match")
            .Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)];

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray().Where(l => l.GetProperty("relation").GetString() == relation)
            .Select(l => new Uri(l.GetProperty("url").GetString()!).PathAndQuery).FirstOrDefault();

    /// <summary>Every page forward, then back from the last one to the first: both must be <paramref name="expected"/>.</summary>
    private async Task Walk(string url, IReadOnlyList<string> expected)
    {
        var pages = new List<JsonElement>();
        var forward = new List<string>();
        for (var page = await Bundle(url); ; page = await Bundle(Link(page, "next")!))
        {
            pages.Add(page);
            forward.AddRange(Ids(page));
            if (Link(page, "next") is null) break;
            Assert.That(pages, Has.Count.LessThan(20), "the walk does not end: " + url);
        }
        Assert.That(forward, Is.EqualTo(expected), "forward: " + url);
        var backward = Ids(pages[^1]);
        for (var page = pages[^1]; Link(page, "previous") is { } previous;)
        {
            page = await Bundle(previous);
            backward.InsertRange(0, Ids(page));
        }
        Assert.That(backward, Is.EqualTo(expected), "backward: " + url);
    }

    /// <summary>
    /// The order of <paramref name="items"/> by one key each, lowest value ascending or highest descending (null: no
    /// value, last either way), then the id in the first key's direction.
    /// </summary>
    private static List<string> Expected<T>(IEnumerable<T> items, Func<T, string> id, params (Func<T, IEnumerable<IComparable>> Values, bool Descending)[] keys)
    {
        IComparable? Key(T item, int k)
        {
            var values = keys[k].Values(item).ToList();
            return values.Count == 0 ? null : keys[k].Descending ? values.Max() : values.Min();
        }
        int Compare(T a, T b)
        {
            for (var k = 0; k < keys.Length; k++)
            {
                var (x, y) = (Key(a, k), Key(b, k));
                var order = x is null ? y is null ? 0 : 1 : y is null ? -1 : (keys[k].Descending ? -1 : 1) * (x is string s ? string.CompareOrdinal(s, (string)y) : x.CompareTo(y));
                if (order != 0) return order;
            }
            return (keys[0].Descending ? -1 : 1) * string.CompareOrdinal(id(a), id(b));
        }
        var list = items.ToList();
        list.Sort(Compare);
        return [.. list.Select(id)];
    }

    /// <summary>The run's patients by a clause of few rows: found first, then sorted.</summary>
    private string Mine => $"identifier={Uri.EscapeDataString($"urn:test:{_run}|")}";

    /// <summary>The run's patients by a clause of many rows: probed on each resource of the sort index's walk.</summary>
    private string Wide => $"identifier={Uri.EscapeDataString($"urn:test:{_run}:wide|")}";

    private static IEnumerable<IComparable> None => [];

    [Test]
    public async Task Every_kind_of_parameter_sorts_both_ways_page_by_page()
    {
        var names = (Func<Person, IEnumerable<IComparable>>)(p => p.Names);
        var gender = (Func<Person, IEnumerable<IComparable>>)(p => p.Gender is null ? None : [p.Gender]);
        var birth = (Func<Person, IEnumerable<IComparable>>)(p => p.BirthDate is null ? None : [p.BirthDate]);
        var practitioner = (Func<Person, IEnumerable<IComparable>>)(p => p.Practitioner is null ? None : [p.Practitioner]);
        // No filter: the walk of the sort index alone (this fixture's store holds only its own Patients, RiskAssessments
        // and Observations).
        foreach (var descending in new[] { false, true })
        {
            var d = descending ? "-" : "";
            await Walk($"/Patient?_sort={d}name&_count=3", Expected(_people, p => p.Id, (names, descending)));
            await Walk($"/Patient?_sort={d}gender&_count=4", Expected(_people, p => p.Id, (gender, descending)));
            await Walk($"/Patient?_sort={d}birthdate&_count=3", Expected(_people, p => p.Id, (birth, descending)));
            await Walk($"/Patient?_sort={d}general-practitioner&_count=2", Expected(_people, p => p.Id, (practitioner, descending)));
            await Walk($"/RiskAssessment?_sort={d}probability&_count=2", Expected(_risks, r => r.Id, (r => r.Probabilities.Cast<IComparable>(), descending)));
            await Walk($"/Observation?_sort={d}value-quantity&_count=2", Expected(_risks, r => r.ObservationId, (r => r.Weight is { } w ? [w] : None, descending)));
        }
    }

    [Test]
    public async Task Several_keys_and_filters_on_the_walk_and_filtered_first()
    {
        var gender = (Func<Person, IEnumerable<IComparable>>)(p => p.Gender is null ? None : [p.Gender]);
        var birth = (Func<Person, IEnumerable<IComparable>>)(p => p.BirthDate is null ? None : [p.BirthDate]);
        var names = (Func<Person, IEnumerable<IComparable>>)(p => p.Names);
        foreach (var filter in new[] { Wide, Mine })
        {
            await Walk($"/Patient?{filter}&_sort=gender,-birthdate&_count=3", Expected(_people, p => p.Id, (gender, false), (birth, true)));
            await Walk($"/Patient?{filter}&_sort=-birthdate,name&_count=3", Expected(_people, p => p.Id, (birth, true), (names, false)));
            await Walk($"/Patient?{filter}&_sort=birthdate,_id&_count=5", Expected(_people, p => p.Id, (birth, false), (p => [p.Id], false)));
            await Walk($"/Patient?{filter}&_sort=-name,-_lastUpdated&_count=4", Expected(_people, p => p.Id, (names, true)));
            await Walk($"/Patient?{filter}&gender:not=male&_sort=name&_count=2", Expected(_people.Where(p => p.Gender != "male"), p => p.Id, (names, false)));
        }

        // gender=female has few rows: those are found first and sorted.
        var women = _people.Where(p => p.Gender == "female").ToList();
        await Walk($"/Patient?{Wide}&gender=female&_sort=-name&_count=2", Expected(women, p => p.Id, (names, true)));
        await Walk($"/Patient?gender=female&{Wide}&birthdate=ge1981&_sort=birthdate&_count=2",
            Expected(women.Where(p => string.CompareOrdinal(p.BirthDate, "1981") >= 0), p => p.Id, (birth, false)));
        var ids = string.Join(",", _people.Take(6).Select(p => p.Id));
        await Walk($"/Patient?_id={ids}&_sort=name&_count=4", Expected(_people.Take(6), p => p.Id, (names, false)));
        Assert.That(Ids(await Bundle($"/Patient?{Wide}&family=nobody&_sort=name")), Is.Empty);
    }

    [Test]
    public async Task A_long_value_cut_for_sorting_keeps_its_surrogate_pairs_whole()
    {
        // The sort value keeps the first 200 characters: here the 200th is the first half of an emoji.
        var name = new string('a', 199) + "\U0001F600" + "b";
        var id = await Create($$"""{"resourceType":"Organization","identifier":[{"system":"urn:test:{{_run}}:emoji","value":"1"}],"name":"{{name}}"}""");
        var mine = $"identifier={Uri.EscapeDataString($"urn:test:{_run}:emoji|")}";
        Assert.That(Ids(await Bundle($"/Organization?{mine}&_sort=name")), Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task A_new_version_and_a_deletion_change_the_sort_values()
    {
        var id = await Create($$"""{"resourceType":"Practitioner","identifier":[{"system":"urn:test:{{_run}}:v","value":"1"}],"name":[{"family":"aaa"}]}""");
        var other = await Create($$"""{"resourceType":"Practitioner","identifier":[{"system":"urn:test:{{_run}}:v","value":"2"}],"name":[{"family":"mmm"}]}""");
        var mine = $"identifier={Uri.EscapeDataString($"urn:test:{_run}:v|")}";
        Assert.That(Ids(await Bundle($"/Practitioner?{mine}&_sort=name")), Is.EqualTo(new[] { id, other }));
        var update = await Client.PutAsync($"/Practitioner/{id}", RestTests.Json($$"""{"resourceType":"Practitioner","id":"{{id}}","identifier":[{"system":"urn:test:{{_run}}:v","value":"1"}],"name":[{"family":"zzz"}]}"""));
        Assert.That(update.IsSuccessStatusCode, Is.True);
        Assert.That(Ids(await Bundle("/Practitioner?_sort=name")), Is.EqualTo(new[] { other, id }), "the walk: this fixture's only Practitioners");
        Assert.That((await Client.DeleteAsync($"/Practitioner/{other}")).IsSuccessStatusCode, Is.True);
        Assert.That(Ids(await Bundle("/Practitioner?_sort=-name")), Is.EqualTo(new[] { id }));
        Assert.That(Ids(await Bundle($"/Practitioner?{mine}&_sort=name")), Is.EqualTo(new[] { id }));
    }

    [Test]
    public async Task Forged_truncated_or_foreign_cursors_are_refused()
    {
        var first = await Bundle($"/Patient?{Mine}&_sort=-_lastUpdated&_count=2");
        var next = Link(first, "next")!;
        var cursor = Uri.UnescapeDataString(next.Split("_cursor=")[1].Split('&')[0]);
        var items = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(cursor))!.AsArray();
        string Forge(Action<JsonArray> change)
        {
            var copy = JsonNode.Parse(items.ToJsonString())!.AsArray();
            change(copy);
            return System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(copy.ToJsonString()));
        }
        string With(string c) => $"/Patient?{Mine}&_sort=-_lastUpdated&_count=2&_cursor={Uri.EscapeDataString(c)}";

        await Bundle(With(cursor));
        foreach (var forged in new[]
                 {
                     cursor[..(cursor.Length / 2)], "not a cursor", "", new string('A', 10_000),
                     Forge(a => a[2] = "yesterday"), Forge(a => a[2] = JsonValue.Create(1e300)), Forge(a => a[2] = JsonNode.Parse("123456789012345678901234567890")),
                     Forge(a => a[3] = "../../etc"), Forge(a => a[3] = 42), Forge(a => a[0] = "x"), Forge(a => a[1] = "AAAAAAAAAAAA"),
                     Forge(a => a.RemoveAt(2)), Forge(a => a.Add("more")),
                 })
        {
            var refused = await Bundle(With(forged), HttpStatusCode.BadRequest);
            Assert.That(refused.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        }
        // Another search's cursor: another sort, other filters, another type.
        await Bundle($"/Patient?{Mine}&_sort=_lastUpdated&_count=2&_cursor={Uri.EscapeDataString(cursor)}", HttpStatusCode.BadRequest);
        await Bundle($"/Patient?{Mine}&gender=male&_sort=-_lastUpdated&_count=2&_cursor={Uri.EscapeDataString(cursor)}", HttpStatusCode.BadRequest);
        await Bundle($"/Observation?_sort=-_lastUpdated&_count=2&_cursor={Uri.EscapeDataString(cursor)}", HttpStatusCode.BadRequest);
        // The same search with another page size or _total keeps its cursor.
        await Bundle($"/Patient?{Mine}&_sort=-_lastUpdated&_count=5&_total=accurate&_cursor={Uri.EscapeDataString(cursor)}");
    }
}
