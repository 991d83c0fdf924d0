using System.Net;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Http.Terminology;
using FhirServer.Rest;
using FhirServer.Storage;
using FhirServer.Terminology.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirServer.Tests.Http;

/// <summary>
/// CodeSystems and ValueSets written in the store are terminology sources for type-level operations from the moment
/// their write commits, and stop being found once deleted, whether written alone or in a Bundle.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class StoredTerminologyTests(string store) : ServerTests(store)
{
    private static string Planets(string id, string version, params string[] codes) => $$"""
        {"resourceType":"CodeSystem","id":"{{id}}","url":"http://example.org/cs/{{id}}","version":"{{version}}","status":"active","content":"complete",
         "concept":[{{string.Join(",", codes.Select(c => $$"""{"code":"{{c}}","display":"Planet {{c}}"}"""))}}]}
        """;

    private static string AllOf(string id, string system) => $$$"""
        {"resourceType":"ValueSet","id":"{{{id}}}","url":"http://example.org/vs/{{{id}}}","status":"active","compose":{"include":[{"system":"{{{system}}}"}]}}
        """;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Get(string url)
    {
        var response = await Client.GetAsync(url);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private async Task Put(string type, string id, string json)
    {
        var response = await Client.PutAsync($"/{type}/{id}", RestTests.Json(json));
        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
    }

    private static string? Display(JsonElement parameters) =>
        parameters.GetProperty("parameter").EnumerateArray().First(p => p.GetProperty("name").GetString() == "display").GetProperty("valueString").GetString();

    private static bool Result(JsonElement parameters) =>
        parameters.GetProperty("parameter").EnumerateArray().First(p => p.GetProperty("name").GetString() == "result").GetProperty("valueBoolean").GetBoolean();

    [Test]
    public async Task Created_updated_and_deleted_code_systems_and_value_sets_are_found_then_not()
    {
        Assert.That((await Get("/CodeSystem/$lookup?system=http://example.org/cs/planets&code=mars")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        await Put("CodeSystem", "planets", Planets("planets", "1", "mars", "venus"));
        await Put("ValueSet", "planets-all", AllOf("planets-all", "http://example.org/cs/planets"));

        var (status, body) = await Get("/CodeSystem/$lookup?system=http://example.org/cs/planets&code=mars");
        Assert.That((status, Display(body)), Is.EqualTo((HttpStatusCode.OK, "Planet mars")), body.ToString());
        (status, body) = await Get("/ValueSet/$expand?url=http://example.org/vs/planets-all");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("expansion").GetProperty("total").GetInt32(), Is.EqualTo(2));
        (_, body) = await Get("/ValueSet/$validate-code?url=http://example.org/vs/planets-all&system=http://example.org/cs/planets&code=pluto");
        Assert.That(Result(body), Is.False);

        // An update is seen by the next request: the new code is in the system and in the value set over it.
        await Put("CodeSystem", "planets", Planets("planets", "1", "mars", "venus", "pluto"));
        (_, body) = await Get("/ValueSet/$validate-code?url=http://example.org/vs/planets-all&system=http://example.org/cs/planets&code=pluto");
        Assert.That(Result(body), Is.True, body.ToString());
        (_, body) = await Get("/ValueSet/$expand?url=http://example.org/vs/planets-all");
        Assert.That(body.GetProperty("expansion").GetProperty("total").GetInt32(), Is.EqualTo(3), "the expansion kept before the update is not answered");

        Assert.That((await Client.DeleteAsync("/ValueSet/planets-all")).IsSuccessStatusCode, Is.True);
        Assert.That((await Get("/ValueSet/$expand?url=http://example.org/vs/planets-all")).Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Client.DeleteAsync("/CodeSystem/planets")).IsSuccessStatusCode, Is.True);
        Assert.That((await Get("/CodeSystem/$lookup?system=http://example.org/cs/planets&code=mars")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Resources_written_by_a_transaction_bundle_are_found()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Planets("moons", "2", "io", "europa")}}},"request":{"method":"PUT","url":"CodeSystem/moons"}},
              {"resource":{{{AllOf("moons-all", "http://example.org/cs/moons")}}},"request":{"method":"POST","url":"ValueSet"}}]}
            """;
        var response = await Client.PostAsync("/", RestTests.Json(bundle));
        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
        var (status, body) = await Get("/ValueSet/$expand?url=http://example.org/vs/moons-all");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("expansion").GetProperty("contains").EnumerateArray().Select(c => c.GetProperty("code").GetString()),
            Is.EqualTo(new[] { "io", "europa" }));
    }

    [Test]
    public async Task A_transaction_that_fails_after_its_write_leaves_nothing_behind()
    {
        var service = Factory.Services.GetRequiredService<ResourceService>();
        var comets = Factory.Services.GetRequiredService<ConformanceContext>().Json.Parse(Planets("comets", "1", "halley")).Resource!;
        Assert.ThrowsAsync<InvalidOperationException>(() => service.InTransactionAsync<bool>(async session =>
        {
            await service.CreateAsync(session, comets, "comets");
            throw new InvalidOperationException("a later entry failed");
        }, CancellationToken.None));
        Assert.That((await Get("/CodeSystem/$lookup?system=http://example.org/cs/comets&code=halley")).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Stored_resources_are_read_back_at_start()
    {
        await Put("CodeSystem", "stars", Planets("stars", "1", "sun"));
        var stored = new StoredResources();
        new StoredTerminology(stored, Factory.Services.GetRequiredService<IResourceStore>(), Factory.Services.GetRequiredService<ConformanceContext>(),
            NullLogger<StoredTerminology>.Instance).StartLoading(CancellationToken.None);
        Assert.That(stored.Find("CodeSystem", "http://example.org/cs/stars").Select(r => r.Child("version")?.Value), Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public async Task A_translate_that_names_no_map_looks_through_the_stored_ones()
    {
        const string Translate = "/ConceptMap/$translate?system=http://example.org/cs/moons&code=io&source=http://example.org/vs/moons&target=http://example.org/vs/planets";
        Assert.That(Result((await Get(Translate)).Body), Is.False);
        await Put("ConceptMap", "moon-planets", """
            {"resourceType":"ConceptMap","id":"moon-planets","url":"http://example.org/cm/moon-planets","status":"active",
             "sourceUri":"http://example.org/vs/moons","targetUri":"http://example.org/vs/planets",
             "group":[{"source":"http://example.org/cs/moons","target":"http://example.org/cs/planets",
               "element":[{"code":"io","target":[{"code":"jupiter","equivalence":"specializes"}]}]}]}
            """);
        var (status, body) = await Get(Translate);
        Assert.That((status, Result(body)), Is.EqualTo((HttpStatusCode.OK, true)), body.ToString());
    }
}
