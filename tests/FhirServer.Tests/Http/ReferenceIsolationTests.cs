using System.Net;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Search;
using FhirServer.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirServer.Tests.Http;

/// <summary>
/// A reference whose base is another server's (<c>http://other.example/fhir/Patient/iso-a</c>) is external: it matches a
/// search by its full URL only and never stands for the local resource of the same type and id — not in a reference
/// search by id or <c>Type/id</c>, a chain, <c>_has</c>, a compartment, <c>_include</c>/<c>_revinclude</c>, a
/// conditional reference, a maintained count, nor after the index is rebuilt. A reference on this server's own base
/// (the request's, <c>http://localhost</c> here, or the configured <c>Server:BaseUrl</c>) is local (R4 search.html
/// §3.1.1.4.9: a relative reference and the absolute URL it resolves to on the server's base match each other).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ReferenceIsolationTests(string store)
    : ServerTests(store, new() { ["Server:BaseUrl"] = PublicBase, ["Server:MaintainedCountFrom"] = "2" })
{
    private const string PublicBase = "https://fhir.example.org/r4";
    private const string Other = "http://other.example/fhir";

    protected override async Task Seed()
    {
        foreach (var (id, name) in new[] { ("iso-a", "Isolde"), ("iso-b", "Bertrand"), ("iso-c", "Camille"), ("iso-m", "Mireille"), ("iso-r", "Roland") })
            await Put($$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"{{name}}"}]}""");
        await Put(Observation("ext", $"{Other}/Patient/iso-a", "ext-code"));
        await Put(Observation("ext-versioned", $"{Other}/Patient/iso-h/_history/2", "versioned-code"));
        await Put(Observation("on-request-base", "http://localhost/Patient/iso-b", "local-code"));
        await Put(Observation("relative", "Patient/iso-b", "local-code"));
        await Put(Observation("on-public-base", $"{PublicBase}/Patient/iso-c", "public-code"));
        await Put($$"""{"resourceType":"Observation","id":"panel","status":"final","code":{"text":"panel"},"hasMember":[{"reference":"Observation/ext"}]}""");
    }

    private static string Observation(string id, string subject, string code) =>
        $$$"""{"resourceType":"Observation","id":"{{{id}}}","status":"final","code":{"coding":[{"system":"http://example.org/codes","code":"{{{code}}}"}]},"subject":{"reference":"{{{subject}}}"}}""";

    private async Task Put(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var path = $"/{doc.RootElement.GetProperty("resourceType").GetString()}/{doc.RootElement.GetProperty("id").GetString()}";
        var response = await Client.PutAsync(path, RestTests.Json(json));
        Assert.That((int)response.StatusCode, Is.AnyOf(200, 201), await response.Content.ReadAsStringAsync());
    }

    /// <summary>The entries of a search as <c>Type/id</c>, in search mode <paramref name="mode"/> (match or include).</summary>
    private async Task<string[]> Search(string query, string mode = "match")
    {
        var response = await Client.GetAsync(query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var doc = JsonDocument.Parse(text);
        if (!doc.RootElement.TryGetProperty("entry", out var entries)) return [];
        return [.. entries.EnumerateArray()
            .Where(e => e.GetProperty("search").GetProperty("mode").GetString() == mode)
            .Select(e => $"{e.GetProperty("resource").GetProperty("resourceType").GetString()}/{e.GetProperty("resource").GetProperty("id").GetString()}")
            .Order(StringComparer.Ordinal)];
    }

    [TestCase("/Observation?subject=iso-a")]
    [TestCase("/Observation?patient=iso-a")]
    [TestCase("/Observation?subject=Patient/iso-a")]
    [TestCase("/Observation?subject=http://localhost/Patient/iso-a")]
    [TestCase("/Observation?subject=" + PublicBase + "/Patient/iso-a")]
    public async Task A_search_for_the_local_patient_does_not_find_the_external_reference(string query) =>
        Assert.That(await Search(query), Is.Empty);

    [Test]
    public async Task The_type_modifier_does_not_find_the_external_reference() =>
        Assert.That(await Search("/Observation?subject:Patient=iso-a"), Is.Empty);

    [Test]
    public async Task A_search_by_the_full_url_finds_the_external_reference()
    {
        Assert.That(await Search($"/Observation?subject={Other}/Patient/iso-a"), Is.EqualTo(new[] { "Observation/ext" }));
        // A versioned reference is found by the resource's URL, and by the version's.
        Assert.That(await Search($"/Observation?subject={Other}/Patient/iso-h"), Is.EqualTo(new[] { "Observation/ext-versioned" }));
        Assert.That(await Search($"/Observation?subject={Other}/Patient/iso-h/_history/2"), Is.EqualTo(new[] { "Observation/ext-versioned" }));
    }

    [Test]
    public async Task A_chain_does_not_go_through_the_external_reference()
    {
        Assert.That(await Search("/Observation?patient.name=Isolde"), Is.Empty);
        Assert.That(await Search("/Observation?subject:Patient.name=Isolde"), Is.Empty);
    }

    [Test]
    public async Task Has_does_not_go_through_the_external_reference() =>
        Assert.That(await Search("/Patient?_has:Observation:subject:code=ext-code"), Is.Empty);

    [Test]
    public async Task The_compartment_of_the_local_patient_does_not_hold_the_external_reference()
    {
        Assert.That(await Search("/Patient/iso-a/Observation"), Is.Empty);
        Assert.That(await Search("/Patient/iso-a/Observation?code=ext-code"), Is.Empty);
    }

    [Test]
    public async Task Include_does_not_bring_the_local_patient() =>
        Assert.That(await Search("/Observation?_id=ext&_include=Observation:subject", "include"), Is.Empty);

    [Test]
    public async Task Revinclude_does_not_bring_the_external_reference() =>
        Assert.That(await Search("/Patient?_id=iso-a&_revinclude=Observation:subject", "include"), Is.Empty);

    [Test]
    public async Task Iterate_does_not_go_through_the_external_reference()
    {
        Assert.That(await Search("/Observation?_id=panel&_include=Observation:has-member&_include:iterate=Observation:subject", "include"),
            Is.EqualTo(new[] { "Observation/ext" }));
        Assert.That(await Search("/Patient?_id=iso-a&_revinclude:iterate=Observation:subject&_revinclude:iterate=Observation:has-member", "include"), Is.Empty);
    }

    [Test]
    public async Task A_conditional_reference_in_a_transaction_does_not_resolve_to_the_external_reference()
    {
        const string bundle = """
            {"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"DiagnosticReport"},
              "resource":{"resourceType":"DiagnosticReport","status":"final","code":{"text":"report"},
                "result":[{"reference":"Observation?subject=Patient/iso-a"}]}}]}
            """;
        var response = await Client.PostAsync("/", RestTests.Json(bundle));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(text, Does.Contain("matches no Observation"));
    }

    [Test]
    public async Task A_maintained_count_does_not_count_the_external_reference()
    {
        await Put(Observation("m1", "Patient/iso-m", "m-code"));
        await Put(Observation("m2", "Patient/iso-m", "m-code"));
        await Put(Observation("m-ext1", $"{Other}/Patient/iso-m", "m-code"));
        Assert.That(await Total("/Observation?subject=iso-m&_total=accurate"), Is.EqualTo(2), "when first counted");
        await Put(Observation("m-ext2", $"{Other}/Patient/iso-m", "m-code"));
        Assert.That(await Total("/Observation?subject=iso-m&_total=accurate"), Is.EqualTo(2), "after another external reference");
        Assert.That(await Total("/Observation?subject=Patient/iso-m&_total=accurate"), Is.EqualTo(2), "by Type/id");
    }

    private async Task<int> Total(string query)
    {
        var response = await Client.GetAsync(query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("total").GetInt32();
    }

    [Test]
    public async Task An_index_built_before_external_references_is_rebuilt_at_start()
    {
        await Put(Observation("r-ext", $"{Other}/Patient/iso-r", "r-code"));
        // The rows an earlier version wrote (the external URL's type and id taken as local), and the fingerprint it
        // stored: that of the search parameters alone.
        var reindexer = Factory.Services.GetRequiredService<Reindexer>();
        var registry = Factory.Services.GetRequiredService<PackageSearch>().Registry;
        await ExecuteSql("UPDATE search_reference SET target_type = 'Patient', target_id = 'iso-r' WHERE type = 'Observation' AND id = 'r-ext' AND param = 'subject'");
        await ExecuteSql($"UPDATE search_state SET value = '{registry.Fingerprint}' WHERE name = 'fingerprint'");
        Assert.That(await Search("/Observation?subject=Patient/iso-r"), Is.EqualTo(new[] { "Observation/r-ext" }), "the index as written before");

        Assert.That(await reindexer.RunAsync(force: false), Is.GreaterThan(0));
        Assert.That(await Search("/Observation?subject=Patient/iso-r"), Is.Empty);
        Assert.That(await Search($"/Observation?subject={Other}/Patient/iso-r"), Is.EqualTo(new[] { "Observation/r-ext" }));
        Assert.That(await reindexer.RunAsync(force: false), Is.Zero, "once rebuilt");

        // Without a configured base, the indexer's version alone tells its rows from an earlier version's.
        var unconfigured = new PackageSearch(Factory.Services.GetRequiredService<ConformanceContext>(), new ServerSettings(), NullLogger<PackageSearch>.Instance);
        Assert.That(unconfigured.Fingerprint, Is.Not.EqualTo(unconfigured.Registry.Fingerprint));
    }

    [Test]
    public async Task A_list_entry_is_local_on_this_servers_base_only()
    {
        await Put($$$"""
            {"resourceType":"List","id":"iso-list","status":"current","mode":"working","entry":[
              {"item":{"reference":"{{{Other}}}/Patient/iso-a"}},{"item":{"reference":"http://localhost/Patient/iso-b"}},{"item":{"reference":"{{{PublicBase}}}/Patient/iso-c"}}]}
            """);
        Assert.That(await Search("/Patient?_list=iso-list"), Is.EqualTo(new[] { "Patient/iso-b", "Patient/iso-c" }));
    }

    [TestCase("fhir.example.org/r4")]
    [TestCase("ftp://fhir.example.org/r4")]
    [TestCase("https://fhir.example.org/r4?x=1")]
    public void A_base_url_that_is_not_one_is_refused(string value) =>
        Assert.That(() => LocalBases.Parse(new ServerSettings { BaseUrl = "https://ok.example.org, " + value }),
            Throws.InvalidOperationException.With.Message.Contains($"Server:BaseUrl: '{value}'"));

    [Test]
    public async Task A_reference_on_this_servers_base_is_local()
    {
        // The request's base and the configured public one: the same as the relative reference.
        Assert.That(await Search("/Observation?subject=Patient/iso-b"), Is.EqualTo(new[] { "Observation/on-request-base", "Observation/relative" }));
        Assert.That(await Search("/Observation?subject=iso-c"), Is.EqualTo(new[] { "Observation/on-public-base" }));
        Assert.That(await Search($"/Observation?subject={PublicBase}/Patient/iso-b"), Is.EqualTo(new[] { "Observation/on-request-base", "Observation/relative" }));
        Assert.That(await Search("/Observation?subject=http://localhost/Patient/iso-c"), Is.EqualTo(new[] { "Observation/on-public-base" }));
        Assert.That(await Search("/Observation?patient.name=Camille"), Is.EqualTo(new[] { "Observation/on-public-base" }));
        Assert.That(await Search("/Patient/iso-b/Observation"), Is.EqualTo(new[] { "Observation/on-request-base", "Observation/relative" }));
        Assert.That(await Search("/Patient?_has:Observation:subject:code=public-code"), Is.EqualTo(new[] { "Patient/iso-c" }));
        Assert.That(await Search("/Observation?_id=on-public-base&_include=Observation:subject", "include"), Is.EqualTo(new[] { "Patient/iso-c" }));
        Assert.That(await Search("/Patient?_id=iso-c&_revinclude=Observation:subject", "include"), Is.EqualTo(new[] { "Observation/on-public-base" }));
    }
}
