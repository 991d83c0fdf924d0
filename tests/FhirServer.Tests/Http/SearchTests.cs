using System.Net;
using System.Text.Json;
using FhirServer.Search;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Http;

/// <summary>
/// Search (R4 search.html) end to end: one fixture per parameter type and the result parameters, on each store. The
/// patients' identifiers use the INS-NIR system with made-up values, so the NIR rule is off here.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SearchTests(string store) : ServerTests(store, new() { ["Validation:IdentifierRules:NIR"] = "off" })
{
    private readonly string _run = "r" + Guid.NewGuid().ToString("N")[..10];
    private readonly Dictionary<string, string> _ids = [];

    protected override async Task Seed()
    {
        // A small French data set; every resource carries the run's identifier system so counts are exact.
        await Create("helene", $$$"""{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"{{{_run}}}-1"}],"name":[{"family":"Dupont","given":["Hélène"]}],"gender":"female","birthDate":"1970-03-15","active":true}""");
        await Create("jean", $$$"""{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"{{{_run}}}-2","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"NI"}]}}],"name":[{"family":"Dupond","given":["Jean"]}],"gender":"male","birthDate":"1985"}""");
        await Create("zoe", $$$"""{"resourceType":"Patient","identifier":[{"system":"urn:test:{{{_run}}}","value":"3"}],"name":[{"family":"Lefèvre","given":["Zoé"]}],"gender":"female","birthDate":"2001-12-01"}""");
        await Create("obs1", $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}]},"subject":{"reference":"Patient/{{{_ids["helene"]}}}"},"effectiveDateTime":"2024-05-02T10:00:00Z","valueQuantity":{"value":62.5,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}""");
        await Create("obs2", $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}],"text":"Taille"},"subject":{"reference":"Patient/{{{_ids["jean"]}}}"},"effectivePeriod":{"start":"2023-01-01","end":"2023-01-31"},"valueQuantity":{"value":180,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}}""");
        await Create("enc", """{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"subject":{"identifier":{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"RUN-1"}}}""".Replace("RUN", _run));
        await Create("risk", $$$"""{"resourceType":"RiskAssessment","status":"final","subject":{"reference":"Patient/{{{_ids["zoe"]}}}"},"prediction":[{"probabilityDecimal":0.85}]}""");
    }

    private async Task Create(string key, string json)
    {
        var type = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("resourceType").GetString();
        var response = await Client.PostAsync("/" + type, RestTests.Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        _ids[key] = response.Headers.Location!.ToString().Split('/')[^3];
    }

    private async Task<JsonElement> Bundle(string url, HttpStatusCode expected = HttpStatusCode.OK, string? prefer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (prefer is not null) request.Headers.Add("Prefer", prefer);
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The keys (from the data set) of the matches, in order.</summary>
    private async Task<List<string>> Matches(string url)
    {
        var bundle = await Bundle(url);
        Assert.That(bundle.GetProperty("type").GetString(), Is.EqualTo("searchset"));
        return Entries(bundle, "match");
    }

    private List<string> Entries(JsonElement bundle, string mode) =>
        !bundle.TryGetProperty("entry", out var entries) ? [] :
        entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == mode)
            .Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)
            .Select(id => _ids.FirstOrDefault(kv => kv.Value == id).Key ?? id).ToList();

    private string Mine => $"identifier={Uri.EscapeDataString($"urn:oid:1.2.250.1.213.1.4.8|{_run}-1,urn:oid:1.2.250.1.213.1.4.8|{_run}-2,urn:test:{_run}|3")}";

    [Test]
    public async Task String_is_starts_with_case_and_accent_insensitive_with_exact_and_contains()
    {
        Assert.That(await Matches($"/Patient?{Mine}&given=helene"), Is.EqualTo(new[] { "helene" }));
        Assert.That(await Matches($"/Patient?{Mine}&family=DUP&_sort=given"), Is.EqualTo(new[] { "helene", "jean" }));
        Assert.That(await Matches($"/Patient?{Mine}&family=lefevre"), Is.EqualTo(new[] { "zoe" }));
        Assert.That(await Matches($"/Patient?{Mine}&family:exact=Dupont"), Is.EqualTo(new[] { "helene" }));
        Assert.That(await Matches($"/Patient?{Mine}&family:exact=dupont"), Is.Empty);
        Assert.That(await Matches($"/Patient?{Mine}&family:contains=fev"), Is.EqualTo(new[] { "zoe" }));
        Assert.That(await Matches($"/Patient?{Mine}&name=jean"), Is.EqualTo(new[] { "jean" }));
    }

    [Test]
    public async Task Token_forms_and_modifiers()
    {
        Assert.That(await Matches($"/Patient?{Mine}&gender=female&_sort=birthdate"), Is.EqualTo(new[] { "helene", "zoe" }));
        Assert.That(await Matches($"/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|{_run}-2"), Is.EqualTo(new[] { "jean" }));
        Assert.That(await Matches($"/Patient?identifier={_run}-1"), Is.EqualTo(new[] { "helene" }));
        Assert.That(await Matches($"/Patient?identifier=urn:test:{_run}|"), Is.EqualTo(new[] { "zoe" }));
        Assert.That(await Matches($"/Patient?{Mine}&gender:not=female"), Is.EqualTo(new[] { "jean" }));
        Assert.That(await Matches($"/Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NI|{_run}-2"), Is.EqualTo(new[] { "jean" }));
        Assert.That(await Matches($"/Observation?subject={_ids["jean"]}&code:text=taille"), Is.EqualTo(new[] { "obs2" }));
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&code=http://loinc.org|29463-7"), Is.EqualTo(new[] { "obs1" }));
        Assert.That(await Matches($"/Patient?{Mine}&active=true"), Is.EqualTo(new[] { "helene" }));
        Assert.That(await Matches($"/Patient?{Mine}&active:missing=true&_sort=birthdate"), Is.EqualTo(new[] { "jean", "zoe" }));
    }

    [Test]
    public async Task Reference_chain_and_reverse_chain()
    {
        Assert.That(await Matches($"/Observation?subject=Patient/{_ids["helene"]}"), Is.EqualTo(new[] { "obs1" }));
        Assert.That(await Matches($"/Observation?patient={_ids["jean"]}"), Is.EqualTo(new[] { "obs2" }));
        Assert.That(await Matches($"/Observation?subject:Patient={_ids["jean"]}"), Is.EqualTo(new[] { "obs2" }));
        Assert.That(await Matches($"/Observation?subject:Patient.identifier={_run}-1"), Is.EqualTo(new[] { "obs1" }));
        Assert.That(await Matches($"/Observation?patient.family=dupond"), Is.EqualTo(new[] { "obs2" }));
        Assert.That(await Matches($"/Encounter?subject:identifier=urn:oid:1.2.250.1.213.1.4.8|{_run}-1"), Is.EqualTo(new[] { "enc" }));
        Assert.That(await Matches($"/Patient?{Mine}&_has:Observation:patient:code=8302-2"), Is.EqualTo(new[] { "jean" }));
        Assert.That(await Matches($"/Patient?{Mine}&_has:RiskAssessment:subject:probability=0.85"), Is.EqualTo(new[] { "zoe" }));
    }

    [Test]
    public async Task Chain_on_a_parameter_of_several_target_types_is_the_union_of_each_target()
    {
        // Observation.subject points at Patient, Group, Device and Location (R4): identifier is defined on all of them,
        // name on Patient (a HumanName) and Location (a string) but not on Group, whose subjects a name never matches.
        await Create("group", $$$"""{"resourceType":"Group","type":"person","actual":true,"name":"Dupont family","identifier":[{"system":"urn:test:{{{_run}}}","value":"g"}]}""");
        await Create("location", $$$"""{"resourceType":"Location","name":"Dupuytren ward","identifier":[{"system":"urn:test:{{{_run}}}","value":"l"}]}""");
        await Create("obsGroup", $$$"""{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Group/{{{_ids["group"]}}}"}}""");
        await Create("obsLocation", $$$"""{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Location/{{{_ids["location"]}}}"}}""");
        await Create("doc", $$$"""{"resourceType":"DocumentReference","status":"current","content":[{"attachment":{"contentType":"application/pdf"}}],"subject":{"reference":"Patient/{{{_ids["helene"]}}}"}}""");

        Assert.That(await Matches($"/Observation?subject.identifier=urn:test:{_run}|g,urn:test:{_run}|l,urn:oid:1.2.250.1.213.1.4.8|{_run}-1&_sort=_id"),
            Is.EquivalentTo(new[] { "obs1", "obsGroup", "obsLocation" }));
        Assert.That(await Matches($"/Observation?subject.name=dup&subject.identifier=urn:test:{_run}|,urn:oid:1.2.250.1.213.1.4.8|"),
            Is.EquivalentTo(new[] { "obs1", "obs2", "obsLocation" }));
        Assert.That(await Matches($"/Observation?subject:Group.identifier=urn:test:{_run}|g,urn:test:{_run}|l,urn:oid:1.2.250.1.213.1.4.8|{_run}-1"),
            Is.EqualTo(new[] { "obsGroup" }), ":Type narrows the chain to one target");
        Assert.That(await Matches($"/DocumentReference?patient.identifier=urn:oid:1.2.250.1.213.1.4.8|{_run}-1&status=current"), Is.EqualTo(new[] { "doc" }));
        Assert.That(await Matches($"/DocumentReference?subject.identifier=urn:oid:1.2.250.1.213.1.4.8|{_run}-1&status=current"), Is.EqualTo(new[] { "doc" }));
        var unknown = await Bundle("/Observation?subject.no-such-parameter=x", HttpStatusCode.BadRequest, "handling=strict");
        Assert.That(unknown.ToString(), Does.Contain("no-such-parameter"));
    }

    [Test]
    public async Task Phonetic_matches_names_that_sound_alike()
    {
        // Their own identifier system: the fixture's other tests count the patients of urn:test.
        await Create("strohman", $$$"""{"resourceType":"Patient","identifier":[{"system":"urn:phonetic:{{{_run}}}","value":"s"}],"name":[{"family":"Strohman","given":["Philippe"]}]}""");
        await Create("lefebvre", $$$"""{"resourceType":"Practitioner","identifier":[{"system":"urn:phonetic:{{{_run}}}","value":"l"}],"name":[{"family":"Lefebvre","given":["Jean-Pierre"]}]}""");
        var patients = $"identifier=urn:phonetic:{_run}|,urn:oid:1.2.250.1.213.1.4.8|,urn:test:{_run}|3";
        Assert.That(await Matches($"/Patient?{patients}&phonetic=Stroman"), Is.EqualTo(new[] { "strohman" }));
        Assert.That(await Matches($"/Patient?{patients}&phonetic=Filipe"), Is.EqualTo(new[] { "strohman" }));
        Assert.That(await Matches($"/Patient?{patients}&phonetic=Dupond&_sort=given"), Is.EqualTo(new[] { "helene", "jean" }));
        Assert.That(await Matches($"/Patient?{patients}&phonetic=lefevre"), Is.EqualTo(new[] { "zoe" }));
        Assert.That(await Matches($"/Patient?{patients}&phonetic=Elene"), Is.EqualTo(new[] { "helene" }));
        Assert.That(await Matches($"/Patient?{patients}&phonetic=Dup"), Is.Empty, "a part of a name is not its sound");
        Assert.That(await Matches($"/Patient?{patients}&phonetic:exact=Strohman"), Is.EqualTo(new[] { "strohman" }));
        Assert.That(await Matches($"/Practitioner?identifier=urn:phonetic:{_run}|&phonetic=Lefèvre"), Is.EqualTo(new[] { "lefebvre" }));
        Assert.That(await Matches($"/Practitioner?identifier=urn:phonetic:{_run}|&phonetic=Pierre"), Is.EqualTo(new[] { "lefebvre" }));
        Assert.That(await Matches($"/Practitioner?identifier=urn:phonetic:{_run}|&phonetic=Jean Pierre"), Is.EqualTo(new[] { "lefebvre" }));

        // An index an earlier version built (phonetic rows holding the plain name) is rebuilt at start.
        await ExecuteSql($"UPDATE search_string SET value = 'strohman' WHERE type = 'Patient' AND id = '{_ids["strohman"]}' AND param = 'phonetic' AND exact = 'Strohman'");
        await ExecuteSql($"UPDATE search_state SET value = '{Factory.Services.GetRequiredService<PackageSearch>().Registry.Fingerprint}+index2' WHERE name = 'fingerprint'");
        Assert.That(await Matches($"/Patient?{patients}&phonetic=Stroman"), Is.Empty, "the index as written before");
        Assert.That(await Factory.Services.GetRequiredService<Reindexer>().RunAsync(force: false), Is.GreaterThan(0));
        Assert.That(await Matches($"/Patient?{patients}&phonetic=Stroman"), Is.EqualTo(new[] { "strohman" }));
    }

    [Test]
    public async Task Dates_by_precision_and_prefix()
    {
        Assert.That(await Matches($"/Patient?{Mine}&birthdate=1970"), Is.EqualTo(new[] { "helene" }));
        Assert.That(await Matches($"/Patient?{Mine}&birthdate=1970-03"), Is.EqualTo(new[] { "helene" }));
        Assert.That(await Matches($"/Patient?{Mine}&birthdate=1970-04"), Is.Empty);
        Assert.That(await Matches($"/Patient?{Mine}&birthdate=ge1985&_sort=birthdate"), Is.EqualTo(new[] { "jean", "zoe" }));
        Assert.That(await Matches($"/Patient?{Mine}&birthdate=lt1985-06-01&_sort=birthdate"), Is.EqualTo(new[] { "helene", "jean" }), "1985 starts before June 1985");
        Assert.That(await Matches($"/Patient?{Mine}&birthdate=gt1970&birthdate=lt2000"), Is.EqualTo(new[] { "jean" }));
        Assert.That(await Matches($"/Observation?subject={_ids["jean"]}&date=2023-01-15"), Is.Empty, "a period of a month is not within one day");
        Assert.That(await Matches($"/Observation?subject={_ids["jean"]}&date=2023-01"), Is.EqualTo(new[] { "obs2" }));
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&date=sa2024-01-01"), Is.EqualTo(new[] { "obs1" }));
        await Bundle($"/Patient?birthdate=soon", HttpStatusCode.BadRequest);
        // Each prefix alone (the filter form), then with a gender, where the date's few rows drive the page (a range of
        // one of the date indexes, sorted by id).
        foreach (var (date, expected) in new[]
                 {
                     ("le1985", new[] { "helene", "jean" }), ("le1985-06", new[] { "helene", "jean" }), ("ge1985-06", new[] { "jean", "zoe" }),
                     ("eb1985", new[] { "helene" }), ("eq1970-03-15", new[] { "helene" }), ("1985-03", []), ("sa1985", new[] { "zoe" }),
                     ("ne1985", new[] { "helene", "zoe" }), ("gt1985", new[] { "zoe" }), ("lt1985", new[] { "helene" }),
                 })
        {
            Assert.That(await Matches($"/Patient?{Mine}&birthdate={date}&_sort=birthdate"), Is.EqualTo(expected), date);
            foreach (var gender in new[] { "female", "male" })
            {
                var ofGender = expected.Where(k => (k == "jean") == (gender == "male")).OrderBy(k => _ids[k], StringComparer.Ordinal);
                Assert.That(await Matches($"/Patient?gender={gender}&birthdate={date}&{Mine}"), Is.EqualTo(ofGender), $"{gender}, {date}");
            }
        }
    }

    [Test]
    public async Task Numbers_and_quantities()
    {
        Assert.That(await Matches($"/RiskAssessment?subject={_ids["zoe"]}&probability=0.85"), Is.EqualTo(new[] { "risk" }));
        Assert.That(await Matches($"/RiskAssessment?subject={_ids["zoe"]}&probability=gt0.9"), Is.Empty);
        Assert.That(await Matches($"/RiskAssessment?subject={_ids["zoe"]}&probability=0.8"), Is.Empty, "0.8 means [0.75, 0.85)");
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&value-quantity=62.5|http://unitsofmeasure.org|kg"), Is.EqualTo(new[] { "obs1" }));
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&value-quantity=gt60||kg"), Is.EqualTo(new[] { "obs1" }));
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&value-quantity=lt60"), Is.Empty);
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&value-quantity=62500|http://unitsofmeasure.org|g"), Is.EqualTo(new[] { "obs1" }), "62.5 kg in grams");
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&code-value-quantity=http://loinc.org|29463-7$gt60"), Is.EqualTo(new[] { "obs1" }), "composite");
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&code-value-quantity=http://loinc.org|29463-7$lt60"), Is.Empty);
        Assert.That(await Matches($"/Observation?subject={_ids["helene"]}&code-value-quantity=http://loinc.org|8302-2$gt60"), Is.Empty, "the code and the value come from the same item");
        Assert.That(await Matches($"/Observation?subject={_ids["jean"]}&value-quantity=gt1.5|http://unitsofmeasure.org|m"), Is.EqualTo(new[] { "obs2" }), "180 cm > 1.5 m");
    }

    [Test]
    public async Task Id_last_updated_and_common_parameters()
    {
        Assert.That(await Matches($"/Patient?_id={_ids["zoe"]},{_ids["jean"]}&_sort=birthdate"), Is.EqualTo(new[] { "jean", "zoe" }));
        Assert.That(await Matches($"/Patient?{Mine}&_lastUpdated=gt2000-01-01&_sort=birthdate"), Is.EqualTo(new[] { "helene", "jean", "zoe" }));
        Assert.That(await Matches($"/Patient?{Mine}&_lastUpdated=lt2000-01-01"), Is.Empty);
        var list = await Client.PostAsync("/List", RestTests.Json($$$"""{"resourceType":"List","status":"current","mode":"working","entry":[{"item":{"reference":"Patient/{{{_ids["zoe"]}}}"}},{"item":{"reference":"Observation/{{{_ids["obs1"]}}}"}}]}"""));
        var listId = list.Headers.Location!.ToString().Split('/')[^3];
        Assert.That(await Matches($"/Patient?_list={listId}"), Is.EqualTo(new[] { "zoe" }));
        Assert.That(await Matches($"/Patient?_list=no-such-list"), Is.Empty);
        // A value that is no id (here a NUL byte, which PostgreSQL refuses in text) names no List: empty, not 500.
        Assert.That(await Matches($"/Patient?_list=%00"), Is.Empty);
    }

    [Test]
    public async Task Sorting_and_keyset_paging_walk_every_match_once_both_ways()
    {
        var first = await Bundle($"/Patient?{Mine}&_sort=-birthdate&_count=2&_total=accurate");
        Assert.That(first.GetProperty("total").GetInt32(), Is.EqualTo(3));
        Assert.That(Entries(first, "match"), Is.EqualTo(new[] { "zoe", "jean" }));
        var next = Link(first, "next")!;
        Assert.That(Link(first, "previous"), Is.Null);
        var second = await Bundle(next);
        Assert.That(Entries(second, "match"), Is.EqualTo(new[] { "helene" }));
        Assert.That(Link(second, "next"), Is.Null);
        var back = await Bundle(Link(second, "previous")!);
        Assert.That(Entries(back, "match"), Is.EqualTo(new[] { "zoe", "jean" }));
        await Bundle($"/Patient?_cursor=not-a-cursor", HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Reverse_chain_over_a_large_set_is_checked_per_candidate_with_the_same_answer()
    {
        // Three patients of their own (the fixture's are counted by other tests). One Observation of the first carries
        // 2,001 codings of this run's system: more index rows than the search builds as a set for _has
        // (SqlSearch.HasSetCap), so `code=system|` is checked per candidate patient. The second has one Observation
        // with one of those codes, the third one with another system.
        var system = $"urn:test:{_run}:many";
        var mine = $"identifier={Uri.EscapeDataString($"urn:test:{_run}:has|")}";
        foreach (var key in new[] { "has1", "has2", "has3" })
            await Create(key, $$$"""{"resourceType":"Patient","identifier":[{"system":"urn:test:{{{_run}}}:has","value":"{{{key}}}"}]}""");
        var codings = string.Join(",", Enumerable.Range(0, 2001).Select(i => $$"""{"system":"{{system}}","code":"m{{i}}"}"""));
        await Create("many", $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{{{codings}}}]},"subject":{"reference":"Patient/{{{_ids["has1"]}}}"}}""");
        await Create("one", $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"{{{system}}}","code":"m7"}]},"subject":{"reference":"Patient/{{{_ids["has2"]}}}"}}""");
        await Create("other", $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:test:{{{_run}}}:other","code":"m7"}]},"subject":{"reference":"Patient/{{{_ids["has3"]}}}"}}""");
        var expected = new[] { "has1", "has2" }.OrderBy(k => _ids[k], StringComparer.Ordinal).ToArray();

        var large = $"_has:Observation:patient:code={Uri.EscapeDataString(system + "|")}";
        Assert.That(await Matches($"/Patient?{mine}&{large}"), Is.EqualTo(expected), "per candidate (2,002 inner rows)");
        Assert.That(await Matches($"/Patient?{large}"), Is.EqualTo(expected), "per candidate, no other clause");
        Assert.That(await Matches($"/Patient?{large}&_has:Observation:subject:status=final"), Is.EqualTo(expected), "two _has clauses, each counted");
        Assert.That(await Matches($"/Patient?{mine}&_has:Observation:patient:code={Uri.EscapeDataString(system + "|m7")}"), Is.EqualTo(expected), "as a set (2 inner rows)");
        var total = await Bundle($"/Patient?{large}&_total=accurate&_count=1");
        Assert.That(total.GetProperty("total").GetInt32(), Is.EqualTo(2));
        Assert.That(Entries(await Bundle(Link(total, "next")!), "match"), Is.EqualTo(expected.Skip(1)));
    }

    [Test]
    public async Task A_page_walked_along_one_clause_matches_the_filtered_walk()
    {
        // 23 Observations with this run's code, one of them with the code twice; every third is "amended", and the
        // dates run from 2024-01-01 on. All are in the category wide|k0, which one more Observation (another code)
        // fills with 2,001 codings, more than a small clause may have to drive the page (SqlSearch.ChooseDriver). A
        // 24th Observation that matches everything is deleted: its index rows must go with it.
        // A token value drives the page along its index in id order (SqlSearch.Driven), or a clause with few rows
        // drives it, sorted; the same query sorted by _id takes the filter shape. Every walk must give exactly the
        // matches the data says, once each, and _total must count them.
        var system = $"urn:test:{_run}:codes";
        var wide = $"urn:test:{_run}:wide";
        var all = new List<string>();
        var expected = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var status = i % 3 == 0 ? "amended" : "final";
            var coding = $$"""{"system":"{{system}}","code":"c"}""";
            var codings = i == 4 ? coding + "," + coding : coding;
            await Create($"walk{i}", $$"""{"resourceType":"Observation","status":"{{status}}","category":[{"coding":[{"system":"{{wide}}","code":"k0"}]}],"code":{"coding":[{{codings}}]},"effectiveDateTime":"2024-01-{{i + 1:00}}"}""");
            if (i == 23) break; // final, 2024-01-24: a match, deleted below
            all.Add($"walk{i}");
            if (status == "final" && i + 1 >= 5) expected.Add($"walk{i}");
        }
        var deleted = await Client.DeleteAsync($"/Observation/{_ids["walk23"]}");
        Assert.That(deleted.IsSuccessStatusCode, Is.True);
        var categories = string.Join(",", Enumerable.Range(0, 2001).Select(i => $$"""{"system":"{{wide}}","code":"k{{i}}"}"""));
        await Create("wide", $$"""{"resourceType":"Observation","status":"final","category":[{"coding":[{{categories}}]}],"code":{"coding":[{"system":"{{system}}","code":"other"}]},"effectiveDateTime":"2024-01-10"}""");
        expected.Sort((a, b) => string.CompareOrdinal(_ids[a], _ids[b]));
        all.Sort((a, b) => string.CompareOrdinal(_ids[a], _ids[b]));
        var code = $"code={Uri.EscapeDataString(system + "|c")}";

        async Task<(List<string> Forward, List<string> Backward)> Walk(string url)
        {
            var forward = new List<string>();
            var pages = new List<JsonElement>();
            for (var page = await Bundle(url); ; page = await Bundle(Link(page, "next")!))
            {
                pages.Add(page);
                forward.AddRange(Entries(page, "match"));
                if (Link(page, "next") is null) break;
                Assert.That(pages, Has.Count.LessThan(10), "the walk does not end");
            }
            var backward = new List<string>();
            for (var page = pages[^1]; Link(page, "previous") is { } previous;)
            {
                page = await Bundle(previous);
                backward.InsertRange(0, Entries(page, "match"));
            }
            return (forward, backward);
        }

        async Task Check(string query, List<string> matches, int lastPage)
        {
            var driven = await Walk(query);
            Assert.That(driven.Forward, Is.EqualTo(matches), query);
            Assert.That(driven.Backward, Is.EqualTo(matches.SkipLast(lastPage)), "from the last page back to the first: " + query);
            var filtered = await Walk(query + "&_sort=_id");
            Assert.That(filtered.Forward, Is.EqualTo(matches), query + "&_sort=_id");
            var total = await Bundle(query + "&_total=accurate&_summary=count");
            Assert.That(total.GetProperty("total").GetInt32(), Is.EqualTo(matches.Count), "_total of " + query);
        }

        Assert.That(expected, Has.Count.EqualTo(13), "days 5 to 23, less the amended ones");
        // Status and date have few rows: one of them drives, sorted.
        await Check($"/Observation?{code}&status=final&date=ge2024-01-05&_count=4", expected, 1);
        // The category (system only) has 2,023 rows: the code drives, in id order; the category is probed.
        Assert.That(all, Has.Count.EqualTo(23));
        await Check($"/Observation?{code}&category={Uri.EscapeDataString(wide + "|")}&_count=4", all, 3);
        await Check($"/Observation?category={Uri.EscapeDataString(wide + "|k0")}&{code}&_count=4", all, 3);
    }

    [Test]
    public async Task A_name_of_one_indexed_value_drives_the_page_and_finds_what_the_prefix_finds()
    {
        // Five Patients named <run>Noël (one deleted: its rows must go with it), three <run>Noëlle, one of them male.
        // A prefix whose range holds one indexed value (<run>noelle, <run>NOËLL) is read as that value, in id order
        // (SqlSearch.SingleIndexedValueAsync, Driven); one that holds two (<run>noel, <run>noë) takes the filter form.
        // Both must give the prefix's matches, once each, forward and back, and count them.
        var noel = new List<string>();
        var noelle = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var family = i < 5 ? $"{_run}Noël" : $"{_run}Noëlle";
            var gender = i == 7 ? "male" : "female";
            await Create($"noel{i}", $$"""{"resourceType":"Patient","name":[{"family":"{{family}}","given":["Anaïs"]}],"gender":"{{gender}}"}""");
            if (i == 0) continue;
            (i < 5 ? noel : noelle).Add($"noel{i}");
        }
        Assert.That((await Client.DeleteAsync($"/Patient/{_ids["noel0"]}")).IsSuccessStatusCode, Is.True);
        int ById(string a, string b) => string.CompareOrdinal(_ids[a], _ids[b]);
        noel.Sort(ById);
        noelle.Sort(ById);
        var both = noel.Concat(noelle).ToList();
        both.Sort(ById);

        // Forward along next, then back along previous from the last page (which the back walk does not repeat).
        async Task<(List<string> Forward, List<string> Backward)> Walk(string url)
        {
            var forward = new List<string>();
            var pages = new List<JsonElement>();
            for (var page = await Bundle(url); ; page = await Bundle(Link(page, "next")!))
            {
                pages.Add(page);
                forward.AddRange(Entries(page, "match"));
                if (Link(page, "next") is null) break;
                Assert.That(pages, Has.Count.LessThan(10), "the walk does not end");
            }
            var backward = new List<string>();
            for (var page = pages[^1]; Link(page, "previous") is { } previous;)
            {
                page = await Bundle(previous);
                backward.InsertRange(0, Entries(page, "match"));
            }
            return (forward, backward.Concat(Entries(pages[^1], "match")).ToList());
        }

        var parser = Factory.Services.GetRequiredService<SearchQueryParser>();
        var search = Factory.Services.GetRequiredService<SqlSearch>();
        async Task Check(string parameter, string value, List<string> matches, bool driven)
        {
            var query = $"/Patient?{parameter}={Uri.EscapeDataString(value)}&_count=2";
            var walk = await Walk(query);
            Assert.That(walk.Forward, Is.EqualTo(matches), query);
            Assert.That(walk.Backward, Is.EqualTo(matches), "from the last page back to the first: " + query);
            Assert.That((await Walk(query + "&_sort=_id")).Forward, Is.EqualTo(matches), query + "&_sort=_id");
            var total = await Bundle(query + "&_total=accurate&_summary=count");
            Assert.That(total.GetProperty("total").GetInt32(), Is.EqualTo(matches.Count), "_total of " + query);
            var female = matches.Where(m => m != "noel7").ToList();
            Assert.That((await Walk(query + "&gender=female")).Forward, Is.EqualTo(female), query + "&gender=female");
            var parsed = parser.Parse("Patient", [new(parameter, value), new("_count", "2")], strict: true);
            var page = await search.RunAsync(parsed, null, "http://localhost/", CancellationToken.None);
            Assert.That(page.DrivenBy, Is.EqualTo(driven ? parameter : null), "the page of " + query);
        }

        await Check("family", $"{_run}noelle", noelle, driven: true);
        await Check("family", $"{_run.ToUpperInvariant()}NOËLL", noelle, driven: true);
        await Check("name", $"{_run}Noëlle", noelle, driven: true);
        await Check("family", $"{_run}noel", both, driven: false);
        await Check("family", $"{_run}NOË", both, driven: false);
        await Check("family", $"{_run}noelz", [], driven: false);
    }

    [Test]
    public async Task Exact_strings_are_read_by_their_value_and_drive_the_page()
    {
        // Same folded value (<run>exnoel), three exact texts; the phonetic rows of one sound (nl), two exact texts.
        // :exact finds its rows among those of its value (SqlSearch.ExactCondition): the same matches as the exact
        // text compared alone, read by a seek and in id order, so the clause drives the page like a token.
        var f = _run + "ex"; // not the names of the fixture's other tests
        var expected = new Dictionary<string, List<string>>();
        string[] families = [$"{f}Noël", $"{f}NOEL", $"{f}Noël", $"{f}noel", $"{f}Noël"];
        for (var i = 0; i < families.Length; i++)
        {
            await Create($"exact{i}", $$"""{"resourceType":"Patient","name":[{"family":"{{families[i]}}","given":["Léa"]},{"family":"{{families[i]}}"}]}""");
            (expected.TryGetValue(families[i], out var list) ? list : expected[families[i]] = []).Add($"exact{i}");
        }
        Assert.That((await Client.DeleteAsync($"/Patient/{_ids["exact4"]}")).IsSuccessStatusCode, Is.True);
        expected[$"{f}Noël"].Remove("exact4");
        foreach (var list in expected.Values) list.Sort((a, b) => string.CompareOrdinal(_ids[a], _ids[b]));

        var parser = Factory.Services.GetRequiredService<SearchQueryParser>();
        var search = Factory.Services.GetRequiredService<SqlSearch>();
        foreach (var (family, matches) in expected)
        {
            var query = $"/Patient?family:exact={Uri.EscapeDataString(family)}&_count=1";
            var found = new List<string>();
            for (var page = await Bundle(query); ; page = await Bundle(Link(page, "next")!))
            {
                found.AddRange(Entries(page, "match"));
                if (Link(page, "next") is null) break;
                Assert.That(found, Has.Count.LessThan(10), "the walk does not end");
            }
            Assert.That(found, Is.EqualTo(matches), query);
            var total = await Bundle($"/Patient?family:exact={Uri.EscapeDataString(family)}&_total=accurate&_summary=count");
            Assert.That(total.GetProperty("total").GetInt32(), Is.EqualTo(matches.Count), "_total of " + query);
            var parsed = parser.Parse("Patient", [new("family:exact", family), new("_count", "1")], strict: true);
            var page1 = await search.RunAsync(parsed, null, "http://localhost/", CancellationToken.None);
            Assert.That(page1.DrivenBy, Is.EqualTo("family"), "the page of " + query);
        }
        Assert.That(await Matches($"/Patient?family:exact={f}Noel"), Is.Empty, "the accent is part of the exact text");
        Assert.That(await Matches($"/Patient?name={f}NOEL&given:exact=L%C3%A9a&_count=50"), Has.Count.EqualTo(4), "a probed :exact clause");
        Assert.That(await Matches($"/Patient?phonetic:exact={f}NOEL"), Is.EqualTo(expected[$"{f}NOEL"]), "phonetic rows hold the exact text too");
    }

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray().Where(l => l.GetProperty("relation").GetString() == relation)
            .Select(l => new Uri(l.GetProperty("url").GetString()!).PathAndQuery).FirstOrDefault();

    [Test]
    public async Task Search_across_types()
    {
        var ids = string.Join(",", new[] { "helene", "obs1", "obs2" }.Select(k => _ids[k]));
        var observations = new[] { "obs1", "obs2" }.OrderBy(k => _ids[k], StringComparer.Ordinal);
        var expected = observations.Append("helene").ToList(); // type by type in name order, each by id

        var walked = new List<string>();
        var pages = 0;
        var first = await Bundle($"/?_type=Patient,Observation&_id={ids}&_count=2&_total=accurate");
        Assert.That(first.GetProperty("total").GetInt32(), Is.EqualTo(3));
        for (var page = first; ; page = await Bundle(Link(page, "next")!))
        {
            walked.AddRange(Entries(page, "match"));
            Assert.That(++pages, Is.LessThan(5), "the walk does not end");
            if (Link(page, "next") is null) break;
        }
        Assert.That(walked, Is.EqualTo(expected));
        Assert.That(await Matches($"/?_id={ids}"), Is.EqualTo(expected), "without _type: every type that has resources");
        Assert.That(await Matches($"/?_type=Patient&family=dupont&{Mine}"), Is.EqualTo(new[] { "helene" }));
        Assert.That((await Bundle($"/?_type=Patient,Observation&_id={ids}&_summary=count")).GetProperty("total").GetInt32(), Is.EqualTo(3));

        using (var form = new FormUrlEncodedContent([new("_type", "Observation,Patient"), new("_id", ids)]))
        {
            var response = await Client.PostAsync("/_search", form);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.That(Entries(doc.RootElement.Clone(), "match"), Is.EqualTo(expected));
        }

        // A parameter some of the types lack would select everything in those: refused, strict or not.
        await Bundle($"/?_type=Patient,Observation&family=dupont", HttpStatusCode.BadRequest);
        var lenient = await Bundle($"/?_type=Patient,Observation&_id={ids}&shoe-size=42");
        Assert.That(Entries(lenient, "match"), Is.EqualTo(expected), "a parameter no type knows is ignored, as in a type search");
        Assert.That(lenient.GetProperty("entry").EnumerateArray().Count(e => e.GetProperty("search").GetProperty("mode").GetString() == "outcome"), Is.EqualTo(1));
        await Bundle($"/?_type=Patient,Observation&_id={ids}&shoe-size=42", HttpStatusCode.BadRequest, "handling=strict");
        await Bundle("/?_type=Patient&_sort=_id", HttpStatusCode.BadRequest);
        await Bundle("/?_type=NoSuchType", HttpStatusCode.BadRequest);
        await Bundle("/?_type=Patient&_cursor=garbage", HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Total_summary_count_include_and_revinclude()
    {
        var count = await Bundle($"/Patient?{Mine}&_summary=count");
        Assert.That(count.GetProperty("total").GetInt32(), Is.EqualTo(3));
        Assert.That(count.TryGetProperty("entry", out _), Is.False);
        Assert.That((await Bundle($"/Patient?{Mine}")).TryGetProperty("total", out _), Is.False, "no total unless asked");

        var included = await Bundle($"/Observation?subject={_ids["helene"]}&_include=Observation:subject");
        Assert.That(Entries(included, "match"), Is.EqualTo(new[] { "obs1" }));
        Assert.That(Entries(included, "include"), Is.EqualTo(new[] { "helene" }));
        var reverse = await Bundle($"/Patient?_id={_ids["jean"]}&_revinclude=Observation:subject");
        Assert.That(Entries(reverse, "include"), Is.EqualTo(new[] { "obs2" }));
        await Bundle("/Patient?_include=Patient:nothing", HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Unknown_parameters_are_reported_or_refused()
    {
        var lenient = await Bundle($"/Patient?{Mine}&shoe-size=42&_sort=birthdate");
        Assert.That(Entries(lenient, "match"), Is.EqualTo(new[] { "helene", "jean", "zoe" }));
        var outcome = lenient.GetProperty("entry").EnumerateArray().Single(e => e.GetProperty("search").GetProperty("mode").GetString() == "outcome");
        Assert.That(outcome.GetProperty("resource").GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("shoe-size"));
        Assert.That(Link(lenient, "self"), Does.Not.Contain("shoe-size"));
        // _content and _text are SearchParameters of the core package, without an expression: nothing indexes them, so a
        // search on them is reported as ignored rather than answered with no match.
        var content = await Bundle($"/Patient?{Mine}&_content=dupont&_text=dupont");
        Assert.That(Entries(content, "match"), Has.Count.EqualTo(3));
        var ignored = content.GetProperty("entry").EnumerateArray().Single(e => e.GetProperty("search").GetProperty("mode").GetString() == "outcome");
        Assert.That(ignored.GetProperty("resource").GetProperty("issue").EnumerateArray().Select(i => i.GetProperty("diagnostics").GetString()),
            Has.Some.Contains("_content").And.Some.Contains("_text"));
        await Bundle($"/Patient?_content=dupont", HttpStatusCode.BadRequest, "handling=strict");
        var strict = await Bundle($"/Patient?shoe-size=42", HttpStatusCode.BadRequest, "handling=strict");
        Assert.That(strict.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("shoe-size"));
        await Bundle("/Patient?gender:in=http://x", HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Compartment_and_post_search()
    {
        var compartment = await Bundle($"/Patient/{_ids["helene"]}/Observation");
        Assert.That(Entries(compartment, "match"), Is.EqualTo(new[] { "obs1" }));
        var form = new FormUrlEncodedContent([new("identifier", $"urn:oid:1.2.250.1.213.1.4.8|{_run}-2")]);
        var response = await Client.PostAsync("/Patient/_search", form);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(Entries(doc.RootElement, "match"), Is.EqualTo(new[] { "jean" }));
    }

    [Test]
    public async Task Conditional_create_update_and_delete()
    {
        var criteria = Uri.EscapeDataString($"urn:test:cond|{_run}");
        var body = $$$"""{"resourceType":"Organization","identifier":[{"system":"urn:test:cond","value":"{{{_run}}}"}],"name":"CHU"}""";
        async Task<HttpResponseMessage> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/Organization") { Content = RestTests.Json(body) };
            request.Headers.Add("If-None-Exist", $"identifier={criteria}");
            return await Client.SendAsync(request);
        }
        var created = await Post();
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var again = await Post();
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the match is returned, nothing created");
        Assert.That(again.Headers.Location, Is.EqualTo(created.Headers.Location), "the match's Location, as for the create");
        Assert.That(again.Headers.ETag!.ToString(), Is.EqualTo("W/\"1\""));

        var update = await Client.PutAsync($"/Organization?identifier={criteria}", RestTests.Json(body.Replace("CHU", "CHU de Lyon")));
        Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using (var doc = JsonDocument.Parse(await update.Content.ReadAsStringAsync()))
            Assert.That(doc.RootElement.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));

        // A second organization with the same identifier makes the criteria ambiguous: 412.
        Assert.That((await Client.PostAsync("/Organization", RestTests.Json(body))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await Post()).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That((await Client.DeleteAsync($"/Organization?identifier={criteria}")).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That((await Client.DeleteAsync($"/Organization?identifier={criteria}&name:exact=CHU%20de%20Lyon")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Matches($"/Organization?identifier={criteria}"), Has.Count.EqualTo(1));
        Assert.That((await Client.DeleteAsync("/Organization?unknown-param=1")).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Concurrent_conditional_creates_and_updates_with_the_same_criteria_create_once()
    {
        var system = $"urn:test:race-{_run}";
        var body = $$$"""{"resourceType":"Organization","identifier":[{"system":"{{{system}}}","value":"1"}],"name":"CH de Rennes"}""";
        async Task<HttpStatusCode> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/Organization") { Content = RestTests.Json(body) };
            request.Headers.Add("If-None-Exist", $"identifier={Uri.EscapeDataString(system + "|1")}");
            using var response = await Client.SendAsync(request);
            return response.StatusCode;
        }
        async Task<HttpStatusCode> Transaction()
        {
            var bundle = $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{{{body}}},"request":{"method":"POST","url":"Organization","ifNoneExist":"identifier={{{system}}}|1"}}]}""";
            using var response = await Client.PostAsync("/", RestTests.Json(bundle));
            return response.StatusCode;
        }
        // A conditional update that matches nothing creates (http.html#cond-update): the same race.
        async Task<HttpStatusCode> Put()
        {
            using var response = await Client.PutAsync($"/Organization?identifier={Uri.EscapeDataString(system + "|1")}", RestTests.Json(body));
            return response.StatusCode;
        }
        async Task<HttpStatusCode> TransactionPut()
        {
            var bundle = $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{{{body}}},"request":{"method":"PUT","url":"Organization?identifier={{{system}}}|1"}}]}""";
            using var response = await Client.PostAsync("/", RestTests.Json(bundle));
            return response.StatusCode;
        }
        var answers = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => (i % 4) switch { 0 => Transaction(), 1 => Put(), 2 => TransactionPut(), _ => Post() }));
        Assert.That(answers, Is.All.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.OK), string.Join(", ", answers));
        Assert.That(await Matches($"/Organization?identifier={Uri.EscapeDataString(system + "|1")}"), Has.Count.EqualTo(1),
            "one organization, however the creates interleaved");
    }

    [Test]
    public async Task Many_concurrent_conditional_creates_with_different_criteria_all_complete()
    {
        // More than the store's connection pool (100 on PostgreSQL): holding criteria must not take every connection.
        var system = $"urn:test:many-{_run}";
        async Task<HttpStatusCode> Post(int i)
        {
            var body = $$$"""{"resourceType":"Organization","identifier":[{"system":"{{{system}}}","value":"{{{i}}}"}]}""";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/Organization") { Content = RestTests.Json(body) };
            request.Headers.Add("If-None-Exist", $"identifier={Uri.EscapeDataString($"{system}|{i}")}");
            using var response = await Client.SendAsync(request);
            return response.StatusCode;
        }
        var answers = await Task.WhenAll(Enumerable.Range(0, 160).Select(Post)).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.That(answers, Is.All.EqualTo(HttpStatusCode.Created), string.Join(", ", answers.Distinct()));
    }

    [Test]
    public async Task Conditional_patch_patches_the_one_match()
    {
        // Resources of this test only: the seeded ones are shared by the fixture's tests.
        var system = $"urn:test:cpatch-{_run}";
        await Create("cpatch1", $$$"""{"resourceType":"Patient","identifier":[{"system":"{{{system}}}","value":"1"}],"birthDate":"1990-01-01"}""");
        await Create("cpatch2", $$$"""{"resourceType":"Patient","identifier":[{"system":"{{{system}}}","value":"2"}],"birthDate":"1990-01-01"}""");
        async Task<HttpResponseMessage> Patch(string query)
        {
            using var request = new HttpRequestMessage(HttpMethod.Patch, "/Patient" + query)
            {
                Content = RestTests.Json("""[{"op":"replace","path":"/birthDate","value":"1990-01-02"}]""", "application/json-patch+json"),
            };
            return await Client.SendAsync(request);
        }
        var patched = await Patch($"?identifier={Uri.EscapeDataString(system + "|1")}");
        Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK), await patched.Content.ReadAsStringAsync());
        using (var doc = JsonDocument.Parse(await Client.GetStringAsync($"/Patient/{_ids["cpatch1"]}")))
        {
            Assert.That(doc.RootElement.GetProperty("birthDate").GetString(), Is.EqualTo("1990-01-02"));
            Assert.That(doc.RootElement.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));
        }
        Assert.That((await Patch($"?identifier={Uri.EscapeDataString(system + "|3")}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "no match");
        Assert.That((await Patch($"?identifier={Uri.EscapeDataString(system + "|")}")).StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed), "both match");
        Assert.That((await Patch("")).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "no criteria");
        Assert.That(await Matches($"/Patient?identifier={Uri.EscapeDataString(system + "|")}&birthdate=1990-01-02"), Is.EqualTo(new[] { "cpatch1" }),
            "only the one match was patched, and the refused patches wrote nothing");
    }

    [Test]
    public async Task Bundle_entries_search_and_patch_conditionally()
    {
        var system = $"urn:test:bpatch-{_run}";
        await Create("bpatch", $$$"""{"resourceType":"Patient","identifier":[{"system":"{{{system}}}","value":"1"}],"name":[{"family":"Roux"}],"gender":"male"}""");
        var identifier = system + "|1";
        var patch = Convert.ToBase64String("""[{"op":"add","path":"/active","value":false}]"""u8.ToArray());
        var response = await Client.PostAsync("/", RestTests.Json($$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"GET","url":"Patient?identifier={{{Uri.EscapeDataString(identifier)}}}&_elements=name"}},
              {"request":{"method":"GET","url":"Patient?birthdate=not-a-date"}},
              {"request":{"method":"HEAD","url":"Patient?identifier={{{identifier}}}"}},
              {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{{patch}}}"},"request":{"method":"PATCH","url":"Patient?identifier={{{identifier}}}"}},
              {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{{patch}}}"},"request":{"method":"PATCH","url":"Patient?identifier={{{system}}}|2"}}
            ]}
            """));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var entries = JsonDocument.Parse(text).RootElement.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("response").GetProperty("status").GetString()),
            Is.EqualTo(new[] { "200 OK", "400 Bad Request", "200 OK", "200 OK", "404 Not Found" }), text);
        // Batch reads run after its writes: the search sees the patch of entry 3 (version 2).
        var searchset = entries[0].GetProperty("resource");
        Assert.That(searchset.GetProperty("type").GetString(), Is.EqualTo("searchset"));
        var match = searchset.GetProperty("entry").EnumerateArray().Single().GetProperty("resource");
        Assert.That(match.GetProperty("id").GetString(), Is.EqualTo(_ids["bpatch"]));
        Assert.That(match.TryGetProperty("gender", out _), Is.False, "_elements=name applies");
        Assert.That(match.GetProperty("name")[0].GetProperty("family").GetString(), Is.EqualTo("Roux"));
        Assert.That(entries[1].GetProperty("response").GetProperty("outcome").GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("not a date"));
        Assert.That(entries[2].TryGetProperty("resource", out _), Is.False, "HEAD answers no resource");
        Assert.That(entries[3].GetProperty("response").GetProperty("location").GetString(), Is.EqualTo($"Patient/{_ids["bpatch"]}/_history/2"));
        Assert.That(await Matches($"/Patient?active=false&identifier={Uri.EscapeDataString(identifier)}"), Is.EqualTo(new[] { "bpatch" }));
    }

    [Test]
    public async Task Bundle_entries_search_in_compartments()
    {
        var response = await Client.PostAsync("/", RestTests.Json($$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"GET","url":"Patient/{{{_ids["helene"]}}}/Observation"}},
              {"request":{"method":"GET","url":"Patient/{{{_ids["helene"]}}}/Observation?code=http://loinc.org|8302-2"}},
              {"request":{"method":"GET","url":"Patient/{{{_ids["jean"]}}}/Observation?code=http://loinc.org|8302-2"}},
              {"request":{"method":"GET","url":"Organization/x/Patient"}}
            ]}
            """));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var entries = JsonDocument.Parse(text).RootElement.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("response").GetProperty("status").GetString()),
            Is.EqualTo(new[] { "200 OK", "200 OK", "200 OK", "400 Bad Request" }), text);
        Assert.That(Entries(entries[0].GetProperty("resource"), "match"), Is.EqualTo(new[] { "obs1" }));
        Assert.That(Entries(entries[1].GetProperty("resource"), "match"), Is.Empty, "helene's observation is a weight");
        Assert.That(Entries(entries[2].GetProperty("resource"), "match"), Is.EqualTo(new[] { "obs2" }));
        Assert.That(entries[0].GetProperty("resource").GetProperty("link")[0].GetProperty("url").GetString(),
            Does.EndWith($"/Patient/{_ids["helene"]}/Observation"));
    }

    [Test]
    public async Task A_search_in_a_transaction_finds_what_the_transaction_wrote_and_a_bad_one_fails_it_before_writing()
    {
        var identifier = $"urn:test:tx|{_run}";
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"request":{"method":"GET","url":"Organization?identifier={{{identifier}}}"}},
              {"resource":{"resourceType":"Organization","identifier":[{"system":"urn:test:tx","value":"{{{_run}}}"}],"name":"Clinique"},"request":{"method":"POST","url":"Organization"}}
            ]}
            """;
        var response = await Client.PostAsync("/", RestTests.Json(bundle));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var entries = JsonDocument.Parse(text).RootElement.GetProperty("entry");
        var created = entries[1].GetProperty("response").GetProperty("location").GetString()!.Split('/')[1];
        // GET runs after POST (R4 order), so the search of entry 0 finds the organization of entry 1.
        Assert.That(entries[0].GetProperty("resource").GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()),
            Is.EqualTo(new[] { created }));

        var bad = await Client.PostAsync("/", RestTests.Json(bundle.Replace($"identifier={identifier}", "_lastUpdated=yesterday")));
        var badText = await bad.Content.ReadAsStringAsync();
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), badText);
        Assert.That(badText, Does.Contain("Bundle.entry[0]"));
        foreach (var query in new[] { "_has:PractitionerRole:organization:date=not-a-date", "_summary=sometimes" })
        {
            var refused = await Client.PostAsync("/", RestTests.Json(bundle.Replace($"identifier={identifier}", query)));
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), $"{query}: {await refused.Content.ReadAsStringAsync()}");
        }
        Assert.That(await Matches($"/Organization?identifier={Uri.EscapeDataString(identifier)}"), Has.Count.EqualTo(1), "the failed transactions wrote nothing");
    }

    [Test]
    public async Task Transactions_resolve_if_none_exist_and_conditional_references()
    {
        var npi = $"npi-{_run}";
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:7d4f2b10-0000-4000-8000-000000000001","resource":{"resourceType":"Practitioner","identifier":[{"system":"urn:test:npi","value":"{{{npi}}}"}]},
               "request":{"method":"POST","url":"Practitioner","ifNoneExist":"identifier=urn:test:npi|{{{npi}}}"}},
              {"resource":{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},"participant":[{"individual":{"reference":"Practitioner?identifier=urn:test:npi|{{{npi}}}"}}]},
               "request":{"method":"POST","url":"Encounter"}}
            ]}
            """;
        async Task<JsonElement> Post()
        {
            var response = await Client.PostAsync("/", RestTests.Json(bundle));
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        var first = await Post();
        var practitioner = first.GetProperty("entry")[0].GetProperty("response").GetProperty("location").GetString()!.Split('/')[1];
        var encounter = first.GetProperty("entry")[1].GetProperty("response").GetProperty("location").GetString()!;
        var (_, stored) = (0, JsonDocument.Parse(await Client.GetStringAsync("/" + encounter)).RootElement);
        Assert.That(stored.GetProperty("participant")[0].GetProperty("individual").GetProperty("reference").GetString(), Is.EqualTo($"Practitioner/{practitioner}"));

        var second = await Post();
        Assert.That(second.GetProperty("entry")[0].GetProperty("response").GetProperty("status").GetString(), Is.EqualTo("200 OK"), "the practitioner exists now");
        Assert.That(second.GetProperty("entry")[0].GetProperty("response").GetProperty("location").GetString(), Does.Contain(practitioner));
        Assert.That(await Matches($"/Practitioner?identifier=urn:test:npi|{npi}"), Has.Count.EqualTo(1));
    }
}
