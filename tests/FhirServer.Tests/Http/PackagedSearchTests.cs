using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Search;
using FhirServer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Http;

/// <summary>
/// The loaded packages' conformance resources found by search, merged with the clients' own, on each store. The
/// clients' StructureDefinitions here are bare (no differential nor snapshot: sdf-6), so validation on write is off.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class PackagedSearchTests(string store) : ServerTests(store, new() { ["Validation:OnWrite"] = "off" })
{
    private const string InsProfile = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins";

    private async Task<(HttpStatusCode Status, JsonElement Body)> Get(string url)
    {
        var response = await Client.GetAsync(url);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task<List<string>> Ids(string url)
    {
        var (status, bundle) = await Get(url);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        return Matches(bundle);
    }

    private static List<string> Matches(JsonElement bundle) => bundle.TryGetProperty("entry", out var entries)
        ? [.. entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match")
            .Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)]
        : [];

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray().FirstOrDefault(l => l.GetProperty("relation").GetString() == relation) is { ValueKind: JsonValueKind.Object } l
            ? l.GetProperty("url").GetString() : null;

    private async Task<string> Post(string json)
    {
        var response = await Client.PostAsync("/" + JsonDocument.Parse(json).RootElement.GetProperty("resourceType").GetString(),
            new StringContent(json, Encoding.UTF8, "application/fhir+json"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    [Test]
    public async Task Each_parameter_finds_the_packaged_resource()
    {
        var read = (await Get("/StructureDefinition/fr-core-patient-ins")).Body;
        var version = read.GetProperty("version").GetString();
        foreach (var query in new[]
                 {
                     "url=" + InsProfile, "name=FRCorePatientINS", "name:exact=FRCorePatientINSProfile", "name:contains=patientins",
                     "type=Patient", "base=https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient", "version=" + version, "status=active",
                     "_id=fr-core-patient-ins", "url:below=https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient",
                 })
            Assert.That(await Ids("/StructureDefinition?_count=1000&" + query), Does.Contain("fr-core-patient-ins"), query);
        Assert.That(await Ids("/StructureDefinition?_count=1000&type=Practitioner"), Does.Not.Contain("fr-core-patient-ins"));
        Assert.That(await Ids("/StructureDefinition?_count=1000&status:not=active"), Does.Not.Contain("fr-core-patient-ins"));
        Assert.That(await Ids("/StructureDefinition?_id=fr-core-patient-ins&url:missing=true"), Is.Empty);
        Assert.That(await Ids("/ValueSet?url=http://hl7.org/fhir/ValueSet/administrative-gender"), Is.EqualTo(new[] { "administrative-gender" }));
        Assert.That(await Ids("/CodeSystem?url=http://hl7.org/fhir/administrative-gender"), Does.Contain("administrative-gender"));
        Assert.That(await Ids("/SearchParameter?base=Patient&code=gender&_count=100"), Does.Contain("individual-gender"));
    }

    [Test]
    public async Task Views_sort_and_total_apply_to_packaged_resources()
    {
        var (_, bundle) = await Get("/StructureDefinition?type=Patient&_elements=url&_sort=-url&_total=accurate&_count=1000");
        var urls = bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("url").GetString()!).ToList();
        Assert.That(urls, Is.EqualTo(urls.OrderByDescending(u => u, StringComparer.Ordinal).ToList()));
        Assert.That(bundle.GetProperty("total").GetInt32(), Is.EqualTo(urls.Count));
        Assert.That(bundle.GetProperty("entry")[0].GetProperty("resource").TryGetProperty("snapshot", out _), Is.False, "_elements applies");
        var (_, summary) = await Get("/ValueSet?url=http://hl7.org/fhir/ValueSet/administrative-gender&_summary=true");
        Assert.That(summary.GetProperty("entry")[0].GetProperty("resource").TryGetProperty("compose", out _), Is.False, "_summary applies");
    }

    [Test]
    public async Task A_stored_resource_merges_in_counts_and_pages_after_the_packaged_ones()
    {
        var (_, before) = await Get("/StructureDefinition?_summary=count&type=Patient");
        var packagedCount = before.GetProperty("total").GetInt32();
        Assert.That(packagedCount, Is.GreaterThan(2));
        var own = await Post("""{"resourceType":"StructureDefinition","url":"http://example.org/sd/merged","name":"Merged","status":"draft","kind":"resource","abstract":false,"type":"Patient"}""");
        var (_, after) = await Get("/StructureDefinition?_summary=count&type=Patient");
        Assert.That(after.GetProperty("total").GetInt32(), Is.EqualTo(packagedCount + 1));
        Assert.That(await Ids("/StructureDefinition?url=http://example.org/sd/merged"), Is.EqualTo(new[] { own }));

        // Pages of 2 (the boundary inside a page when the count is odd) give each match once, packaged first, then back.
        var all = await Ids("/StructureDefinition?type=Patient&_count=1000");
        Assert.That(all, Has.Count.EqualTo(packagedCount + 1));
        Assert.That(all[^1], Is.EqualTo(own));
        var walked = new List<string>();
        var pages = new List<string>();
        for (var url = "/StructureDefinition?type=Patient&_count=2"; url is not null;)
        {
            var (status, page) = await Get(url);
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), page.ToString());
            walked.AddRange(Matches(page));
            pages.Add(url);
            url = Link(page, "next");
        }
        Assert.That(walked, Is.EqualTo(all));
        var (_, last) = await Get(pages[^1]);
        var previous = Link(last, "previous");
        Assert.That(previous, Is.Not.Null);
        var back = await Ids(previous!);
        Assert.That(back, Is.Not.Empty);
        Assert.That(all.IndexOf(back[^1]), Is.LessThan(all.IndexOf(Matches(last)[0])));
    }

    [Test]
    public async Task A_stored_resource_with_a_packaged_id_hides_it()
    {
        var services = Factory.Services;
        var body = """{"resourceType":"StructureDefinition","id":"fr-core-practitioner","url":"http://example.org/sd/own-practitioner","name":"Own","status":"draft","kind":"resource","abstract":false,"type":"Practitioner"}""";
        var node = services.GetRequiredService<ConformanceContext>().Json.Parse(Encoding.UTF8.GetBytes(body)).Resource!;
        var rows = services.GetRequiredService<IResourceIndexer>().Extract(node, LocalBases.Parse(services.GetRequiredService<ServerSettings>()));
        await using (var session = await services.GetRequiredService<IResourceStore>().BeginAsync(write: true))
        {
            await session.InsertAsync(new StoredVersion("StructureDefinition", "fr-core-practitioner", 1, DateTimeOffset.UtcNow, VersionMethod.Create, Encoding.UTF8.GetBytes(body)), rows);
            await session.CommitAsync();
        }
        Assert.That(await Ids("/StructureDefinition?url=https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner"), Is.Empty);
        var (_, found) = await Get("/StructureDefinition?_id=fr-core-practitioner");
        Assert.That(Matches(found), Is.EqualTo(new[] { "fr-core-practitioner" }));
        Assert.That(found.GetProperty("entry")[0].GetProperty("resource").GetProperty("url").GetString(), Is.EqualTo("http://example.org/sd/own-practitioner"));
    }

    [Test]
    public async Task A_parameter_the_in_memory_search_cannot_answer_is_refused()
    {
        foreach (var (query, parameter) in new[]
                 {
                     ("status:text=active", "status:text"), ("_lastUpdated=gt2020", "_lastUpdated"),
                     ("_include=StructureDefinition:valueset", "_include"), ("_sort=_lastUpdated", "_sort"),
                 })
        {
            var (status, outcome) = await Get("/StructureDefinition?" + query);
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), query);
            Assert.That(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.StartWith(parameter + ":"), query);
        }
        // Lists ship in the packages as examples: List is no conformance type, its search keeps all the store offers.
        var (list, listBundle) = await Get("/List?_include=List:item&subject.name=x");
        Assert.That(list, Is.EqualTo(HttpStatusCode.OK), listBundle.ToString());
    }
}
