using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary><c>_text</c> and <c>_content</c> with <c>Server:FullText</c> on, on each store: words of the narrative and of every text.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class FullTextTests(string store) : ServerTests(store, new() { ["Server:FullText"] = "true" })
{
    private readonly Dictionary<string, string> _ids = [];

    protected override async Task Seed()
    {
        await Create("hta", """{"resourceType":"Condition","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hypertension <b>artérielle</b> essentielle &amp; suivie</p></div>"},"code":{"text":"HTA"},"subject":{"reference":"Patient/p1"}}""");
        await Create("diabete", """{"resourceType":"Condition","code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006","display":"Diabète de type 2"}]},"note":[{"text":"Suivi trimestriel"}],"subject":{"reference":"Patient/p1"}}""");
        await Create("asthme", """{"resourceType":"Condition","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Asthme</div>"},"code":{"text":"Asthme allergique"},"subject":{"reference":"Patient/p2"}}""");
    }

    private async Task Create(string key, string json)
    {
        var response = await Client.PostAsync("/Condition", RestTests.Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        _ids[key] = response.Headers.Location!.ToString().Split('/')[^3];
    }

    private async Task<List<string>> Matches(string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), text);
        using var doc = JsonDocument.Parse(text);
        if (expected != HttpStatusCode.OK || !doc.RootElement.TryGetProperty("entry", out var entries)) return [];
        return [.. entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match")
            .Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)
            .Select(id => _ids.First(kv => kv.Value == id).Key).Order(StringComparer.Ordinal)];
    }

    [Test]
    public async Task Words_of_the_narrative_and_of_every_text()
    {
        Assert.That(await Matches("/Condition?_text=hypertension"), Is.EqualTo(new[] { "hta" }));
        Assert.That(await Matches("/Condition?_text=ARTERIELLE"), Is.EqualTo(new[] { "hta" }), "case and accents folded");
        Assert.That(await Matches("/Condition?_text=hypert%20arter"), Is.EqualTo(new[] { "hta" }), "each word starts a word of the narrative");
        Assert.That(await Matches("/Condition?_text=hypert%20diab"), Is.Empty, "every word must be there");
        Assert.That(await Matches("/Condition?_text=suivie"), Is.EqualTo(new[] { "hta" }), "markup and entities removed");
        Assert.That(await Matches("/Condition?_text=diabete"), Is.Empty, "not in a narrative");
        Assert.That(await Matches("/Condition?_content=diabete"), Is.EqualTo(new[] { "diabete" }), "a coding's display");
        Assert.That(await Matches("/Condition?_content=trimestriel"), Is.EqualTo(new[] { "diabete" }), "a note");
        Assert.That(await Matches("/Condition?_content=asthme"), Is.EqualTo(new[] { "asthme" }));
        Assert.That(await Matches("/Condition?_content=diab,asth"), Is.EqualTo(new[] { "asthme", "diabete" }), "one word per value, ORed");
        Assert.That(await Matches("/Condition?_content=suivi"), Is.EqualTo(new[] { "diabete", "hta" }), "the narrative is content too");
        await Matches("/Condition?_content=type%202,asthme", HttpStatusCode.BadRequest);
        await Matches("/Condition?_content=%2B%2B", HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_new_version_replaces_the_words()
    {
        await Create("changed", """{"resourceType":"Condition","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Rhinite</div>"},"code":{"text":"Rhinite saisonnière"},"subject":{"reference":"Patient/p3"}}""");
        Assert.That(await Matches("/Condition?_text=rhinite"), Is.EqualTo(new[] { "changed" }));
        var response = await Client.PutAsync($"/Condition/{_ids["changed"]}", RestTests.Json(
            $$$"""{"resourceType":"Condition","id":"{{{_ids["changed"]}}}","code":{"text":"Bronchite"},"subject":{"reference":"Patient/p3"}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Matches("/Condition?_content=bronch"), Is.EqualTo(new[] { "changed" }));
        Assert.That(await Matches("/Condition?_content=saisonniere"), Is.Empty);
        Assert.That(await Matches("/Condition?_text=rhinite"), Is.Empty);
    }

    [Test]
    public async Task Metadata_offers_them()
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("/metadata"));
        var condition = doc.RootElement.GetProperty("rest")[0].GetProperty("resource").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "Condition");
        Assert.That(condition.GetProperty("searchParam").EnumerateArray().Select(p => p.GetProperty("name").GetString()), Is.SupersetOf(new[] { "_text", "_content" }));
    }
}
