using System.Net;
using System.Text.Json;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// Synthea bundles (suites/synthea-r4) load as the transactions they are: the hospital and practitioner bundles with
/// ifNoneExist, then patient bundles whose references are conditional (<c>Practitioner?identifier=…</c>), resolved by the server.
/// Write validation is off here: Synthea's Observations carry UCUM codes UCUM does not define (<c>mmHg</c> for
/// <c>mm[Hg]</c>), which the validator rightly refuses; a server loading such data as it is turns it off the same way.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SyntheaTests(string store)
{
    [Test]
    public async Task Synthea_bundles_load_with_their_conditional_references_resolved()
    {
        using var factory = new ServerFactory(store, new() { ["Validation:OnWrite"] = "off" });
        using var client = factory.CreateClient();
        var folder = Path.Combine(TestData.SharedRoot, "suites", "synthea-r4");
        var files = Directory.GetFiles(folder, "hospitalInformation*.json")
            .Concat(Directory.GetFiles(folder, "practitionerInformation*.json"))
            .Concat(Directory.GetFiles(folder, "*.json").Where(f => !Path.GetFileName(f).Contains("Information")).Order().Take(2))
            .ToList();
        foreach (var file in files)
        {
            var response = await client.PostAsync("/", RestTests.Json(await File.ReadAllTextAsync(file)));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{Path.GetFileName(file)}: {await response.Content.ReadAsStringAsync()}");
        }
        // Loading the shared bundles again creates nothing new: their entries match by ifNoneExist.
        var hospital = files[0];
        var again = await client.PostAsync("/", RestTests.Json(await File.ReadAllTextAsync(hospital)));
        using (var doc = JsonDocument.Parse(await again.Content.ReadAsStringAsync()))
            Assert.That(doc.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response").GetProperty("status").GetString()), Is.All.EqualTo("200 OK"));

        using var encounters = JsonDocument.Parse(await client.GetStringAsync("/Encounter?_count=50&_include=Encounter:practitioner"));
        var entries = encounters.RootElement.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Count(e => e.GetProperty("search").GetProperty("mode").GetString() == "match"), Is.GreaterThan(0));
        Assert.That(entries.Any(e => e.GetProperty("search").GetProperty("mode").GetString() == "include"), Is.True, "practitioners resolved and included");
        foreach (var e in entries.Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match"))
            Assert.That(e.GetProperty("resource").GetRawText(), Does.Not.Contain("?identifier="), "no conditional reference is left");
    }
}
