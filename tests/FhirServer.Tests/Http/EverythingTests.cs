using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// <c>Patient/{id}/$everything</c> (R4 patient-operation-everything.html) on each store: the patient's compartment
/// whole and only it, paged with next links, <c>_type</c>, <c>_since</c>, <c>start</c>/<c>end</c>, the POST
/// form, and the refusals.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class EverythingTests(string store) : ServerTests(store)
{
    private FrenchFlowClient Fhir => new(Client);
    private readonly List<string> _compartment = [];

    protected override async Task Seed()
    {
        await Fhir.Put("""{"resourceType":"Patient","id":"ev-1","name":[{"family":"Roux"}]}""");
        await Fhir.Put("""{"resourceType":"Patient","id":"ev-2","name":[{"family":"Blanc"}]}""");
        await Fhir.Put("""{"resourceType":"Medication","id":"ev-med","code":{"text":"paracétamol"}}""");
        _compartment.Add("Patient/ev-1");
        var entries = new List<string>();
        for (var i = 0; i < 17; i++) entries.Add(Observation("ev-1", i));
        for (var i = 0; i < 4; i++) entries.Add(Immunization("ev-1"));
        for (var i = 0; i < 3; i++)
            entries.Add("""{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"Medication/ev-med"},"subject":{"reference":"Patient/ev-1"}}""");
        entries.Add("""{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/ev-1"}}""");
        var (status, response) = await Fhir.Send(HttpMethod.Post, "/", Transaction(entries));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        _compartment.AddRange(response.GetProperty("entry").EnumerateArray()
            .Select(e => string.Join('/', e.GetProperty("response").GetProperty("location").GetString()!.Split('/').Take(2))));
        for (var i = 0; i < 5; i++) await Fhir.Create(Observation("ev-2", i));
        await Fhir.Create(Immunization("ev-2"));
    }

    private static string Transaction(IEnumerable<string> resources) =>
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + string.Join(",", resources.Select(Entry)) + "]}";

    private static string Entry(string resource) =>
        $$$"""{"resource":{{{resource}}},"request":{"method":"POST","url":"{{{JsonDocument.Parse(resource).RootElement.GetProperty("resourceType").GetString()}}}"}}""";

    internal static string Observation(string patient, int i) =>
        $$$"""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"subject":{"reference":"Patient/{{{patient}}}"},"valueQuantity":{"value":{{{70 + i}}},"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}""";

    internal static string Immunization(string patient) =>
        $$$"""{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://www.whocc.no/atc","code":"J07BB02"}]},"patient":{"reference":"Patient/{{{patient}}}"},"occurrenceDateTime":"2025-10-15"}""";

    /// <summary>Every page from <paramref name="url"/> by its next links, the matches in order, and the number of pages.</summary>
    private async Task<(List<string> Matches, int Pages)> Walk(string url)
    {
        var matches = new List<string>();
        var pages = 0;
        for (string? next = url; next is not null; pages++)
        {
            var (status, page) = await Fhir.Get(next);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), page.ToString());
            Assert.That(page.GetProperty("type").GetString(), Is.EqualTo("searchset"));
            matches.AddRange(FrenchFlowClient.Entries(page));
            next = FrenchFlowClient.Link(page, "next") is { } link ? FrenchFlowClient.Relative(link) : null;
        }
        return (matches, pages);
    }

    [Test]
    public async Task The_whole_compartment_comes_page_by_page_and_only_it()
    {
        var (matches, pages) = await Walk("/Patient/ev-1/$everything?_count=4");
        Assert.That(matches, Is.EquivalentTo(_compartment), "each resource of the compartment once, nothing of ev-2 nor the Medication");
        Assert.That(matches[0], Is.EqualTo("Patient/ev-1"));
        Assert.That(pages, Is.EqualTo((_compartment.Count + 3) / 4));
        var (all, single) = await Walk("/Patient/ev-1/$everything?_count=100");
        Assert.That(all, Is.EqualTo(matches));
        Assert.That(single, Is.EqualTo(1));
    }

    [Test]
    public async Task Type_restricts_the_compartment()
    {
        var (matches, _) = await Walk("/Patient/ev-1/$everything?_type=Immunization,MedicationRequest&_count=3");
        Assert.That(matches, Is.EquivalentTo(_compartment.Where(m => m.StartsWith("Immunization/") || m.StartsWith("MedicationRequest/"))));
        var (patient, _) = await Walk("/Patient/ev-2/$everything?_type=Patient");
        Assert.That(patient, Is.EqualTo(new[] { "Patient/ev-2" }));
    }

    [Test]
    public async Task Since_keeps_what_changed_after_the_instant()
    {
        await Fhir.Put("""{"resourceType":"Patient","id":"ev-since","name":[{"family":"Petit"}]}""");
        await Fhir.Create(Observation("ev-since", 1));
        await Task.Delay(20);
        var newer = await Fhir.Create(Immunization("ev-since"));
        var (_, created) = await Fhir.Get("/Immunization/" + newer);
        var since = created.GetProperty("meta").GetProperty("lastUpdated").GetString()!;
        var (matches, _) = await Walk("/Patient/ev-since/$everything?_since=" + Uri.EscapeDataString(since));
        Assert.That(matches, Is.EqualTo(new[] { "Immunization/" + newer }));
        var (everything, _) = await Walk("/Patient/ev-since/$everything");
        Assert.That(everything, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Refusals_name_what_is_wrong()
    {
        foreach (var (url, expected, expression) in new[]
                 {
                     ("/Patient/ev-none/$everything", HttpStatusCode.NotFound, ""),
                     ("/Patient/ev-1/$everything?_type=Medication", HttpStatusCode.BadRequest, "_type"),
                     ("/Patient/ev-1/$everything?_type=NoSuchType", HttpStatusCode.BadRequest, "_type"),
                     ("/Patient/ev-1/$everything?_since=yesterday", HttpStatusCode.BadRequest, "_since"),
                     ("/Patient/ev-1/$everything?code=29463-7", HttpStatusCode.BadRequest, "code"),
                     ("/Patient/ev-1/$everything?_cursor=bogus", HttpStatusCode.BadRequest, "_cursor"),
                 })
        {
            var (status, outcome) = await Fhir.Get(url);
            Assert.That(status, Is.EqualTo(expected), url + "\n" + outcome);
            Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
            if (expression.Length > 0) Assert.That(FrenchFlowClient.Issues(outcome), Does.EndWith("@ " + expression), url);
        }
        foreach (var (url, expression) in new[]
                 {
                     ("/Patient/ev-1/$everything?start=yesterday", "start"),
                     ("/Patient/ev-1/$everything?start=2025-01-01&start=2024-01-01", "start"),
                     ("/Patient/ev-1/$everything?start=2025-01-01&end=2024-12-31", "end"),
                 })
        {
            var (status, outcome) = await Fhir.Get(url);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), url + "\n" + outcome);
            Assert.That(FrenchFlowClient.Issues(outcome), Does.EndWith("@ " + expression), url);
        }
        foreach (var (body, expression) in new[]
                 {
                     ("""{"resourceType":"Patient"}""", "Patient"),
                     ("""{"resourceType":"Parameters","parameter":[{"name":"code","valueCode":"x"}]}""", "code"),
                     ("""{"resourceType":"Parameters","parameter":[{"name":"start","valueString":"2025-13-01"}]}""", "start"),
                 })
        {
            var (status, outcome) = await Fhir.Send(HttpMethod.Post, "/Patient/ev-1/$everything", body);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body + "\n" + outcome);
            Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain(expression), body);
        }
    }

    // ev-3: care dates in different elements per type, and resources without one.
    private async Task<Dictionary<string, string>> CareDated()
    {
        if ((await Fhir.Get("/Patient/ev-3")).Status != HttpStatusCode.OK)
        {
            await Fhir.Put("""{"resourceType":"Patient","id":"ev-3","name":[{"family":"Vert"}]}""");
            static string Dated(string id, string? date) => Observation("ev-3", 0)
                .Replace("{\"resourceType\":\"Observation\",", $"{{\"resourceType\":\"Observation\",\"id\":\"{id}\"," + (date is null ? "" : $"\"effectiveDateTime\":\"{date}\","));
            await Fhir.Put(Dated("ev3-o2024", "2024-03-01"));
            await Fhir.Put(Dated("ev3-o2025", "2025-06-01T10:00:00Z"));
            await Fhir.Put(Dated("ev3-onone", null));
            await Fhir.Put(Immunization("ev-3").Replace("{\"resourceType\":\"Immunization\",", "{\"resourceType\":\"Immunization\",\"id\":\"ev3-imm\","));
            await Fhir.Put("""{"resourceType":"MedicationRequest","id":"ev3-mr","status":"active","intent":"order","medicationCodeableConcept":{"text":"x"},"subject":{"reference":"Patient/ev-3"},"authoredOn":"2023-01-10"}""");
        }
        return new() { ["o2024"] = "Observation/ev3-o2024", ["o2025"] = "Observation/ev3-o2025", ["onone"] = "Observation/ev3-onone",
            ["imm"] = "Immunization/ev3-imm", ["mr"] = "MedicationRequest/ev3-mr" };
    }

    [Test]
    public async Task Start_and_end_bound_the_care_dates_and_keep_what_has_none()
    {
        var r = await CareDated();
        var (from2025, _) = await Walk("/Patient/ev-3/$everything?start=2025-01-01&_count=2");
        Assert.That(from2025, Is.EquivalentTo(new[] { "Patient/ev-3", r["o2025"], r["onone"], r["imm"] }), "the Patient, the care from 2025, the Observation without a date");
        var (until2024, _) = await Walk("/Patient/ev-3/$everything?end=2024-12-31");
        Assert.That(until2024, Is.EquivalentTo(new[] { "Patient/ev-3", r["o2024"], r["onone"], r["mr"] }), "authoredOn is a prescription's care date");
        var (in2024, _) = await Walk("/Patient/ev-3/$everything?start=2024-01-01&end=2024-12-31");
        Assert.That(in2024, Is.EquivalentTo(new[] { "Patient/ev-3", r["o2024"], r["onone"] }));
        // A day's care: the Observation of 2025-06-01T10:00Z lies within it.
        var (day, _) = await Walk("/Patient/ev-3/$everything?start=2025-06-01&end=2025-06-01&_type=Observation");
        Assert.That(day, Is.EquivalentTo(new[] { r["o2025"], r["onone"] }));
    }

    [Test]
    public async Task The_POST_form_takes_a_Parameters_body()
    {
        var r = await CareDated();
        var (status, page) = await Fhir.Send(HttpMethod.Post, "/Patient/ev-3/$everything", """
            {"resourceType":"Parameters","parameter":[{"name":"start","valueDate":"2025-01-01"},{"name":"_type","valueCode":"Observation,Immunization"},
             {"name":"_count","valueInteger":2}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), page.ToString());
        var matches = FrenchFlowClient.Entries(page);
        Assert.That(FrenchFlowClient.Link(page, "next"), Is.Not.Null, "two per page");
        var (rest, _) = await Walk(FrenchFlowClient.Relative(FrenchFlowClient.Link(page, "next")!));
        Assert.That(matches.Concat(rest), Is.EquivalentTo(new[] { r["o2025"], r["onone"], r["imm"] }));
        // An empty body is the GET.
        var (empty, all) = await Fhir.Send(HttpMethod.Post, "/Patient/ev-3/$everything?_type=MedicationRequest");
        Assert.That(empty, Is.EqualTo(HttpStatusCode.OK), all.ToString());
        Assert.That(FrenchFlowClient.Entries(all), Is.EqualTo(new[] { r["mr"] }));
    }

    private static string Bundle(string type, params string[] urls) =>
        $$$"""{"resourceType":"Bundle","type":"{{{type}}}","entry":[""" +
        string.Join(",", urls.Select(u => $$$"""{"request":{"method":"GET","url":"{{{u}}}"}}""")) + "]}";

    private static List<JsonElement> Answers(JsonElement bundle) => [.. bundle.GetProperty("entry").EnumerateArray()];

    private static string Status(JsonElement entry) => entry.GetProperty("response").GetProperty("status").GetString()!;

    [Test]
    public async Task A_batch_or_transaction_entry_answers_as_the_operation_does()
    {
        const string url = "Patient/ev-1/$everything?_type=Observation,Immunization&_count=5";
        var (_, direct) = await Fhir.Get("/" + url);
        foreach (var type in new[] { "batch", "transaction" })
        {
            var (status, response) = await Fhir.Send(HttpMethod.Post, "/", Bundle(type, url));
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
            var entry = Answers(response)[0];
            Assert.That(Status(entry), Does.StartWith("200"), entry.ToString());
            var page = entry.GetProperty("resource");
            Assert.That(page.GetProperty("type").GetString(), Is.EqualTo("searchset"));
            Assert.That(FrenchFlowClient.Entries(page), Is.EqualTo(FrenchFlowClient.Entries(direct)), type);
            Assert.That(FrenchFlowClient.Link(page, "self"), Is.EqualTo(FrenchFlowClient.Link(direct, "self")), type);
            // Its next link is the operation's own: walked by REST it gives the rest of the compartment's types asked for.
            var next = FrenchFlowClient.Link(page, "next");
            Assert.That(next, Is.EqualTo(FrenchFlowClient.Link(direct, "next")), type);
            var (rest, _) = await Walk(FrenchFlowClient.Relative(next!));
            Assert.That(FrenchFlowClient.Entries(page).Concat(rest).Count(), Is.EqualTo(17 + 4), type);
        }
    }

    [Test]
    public async Task A_bad_everything_entry_fails_its_entry_in_a_batch_and_the_whole_transaction()
    {
        var (status, response) = await Fhir.Send(HttpMethod.Post, "/", Bundle("batch",
            "Patient/ev-none/$everything", "Patient/ev-1/$everything?_type=Medication", "Patient/ev-1/$everything?start=yesterday",
            "Patient/ev-1/$everything?_count=2"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var entries = Answers(response);
        Assert.That(entries.Select(Status).Select(s => s[..3]), Is.EqualTo(new[] { "404", "400", "400", "200" }), response.ToString());
        Assert.That(entries[1].GetProperty("response").GetProperty("outcome").GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));

        (status, var outcome) = await Fhir.Send(HttpMethod.Post, "/", """
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","name":[{"family":"Jamais"}]},"request":{"method":"POST","url":"Patient"}},
              {"request":{"method":"GET","url":"Patient/ev-1/$everything?_since=yesterday"}}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), outcome.ToString());
        Assert.That(FrenchFlowClient.Issues(outcome), Does.Contain("_since"));
        Assert.That((await Fhir.Get("/Patient?family=jamais")).Body.TryGetProperty("entry", out _), Is.False, "nothing written");
    }

    [Test]
    public async Task The_CapabilityStatement_names_the_operation()
    {
        var (_, statement) = await Fhir.Get("/metadata");
        var resources = statement.GetProperty("rest")[0].GetProperty("resource").EnumerateArray().ToList();
        var patient = resources.Single(r => r.GetProperty("type").GetString() == "Patient");
        Assert.That(patient.GetProperty("operation").EnumerateArray().Select(o => (o.GetProperty("name").GetString(), o.GetProperty("definition").GetString())),
            Does.Contain(("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything")));
        var observation = resources.Single(r => r.GetProperty("type").GetString() == "Observation");
        Assert.That(observation.GetProperty("operation").EnumerateArray().Select(o => o.GetProperty("name").GetString()), Does.Not.Contain("everything"));
    }
}
