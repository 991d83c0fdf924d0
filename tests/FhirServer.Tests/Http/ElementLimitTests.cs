using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirServer.Tests.Http;

/// <summary>
/// Server:MaxResourceElements, lowered to 100, on each store: a resource of exactly that many elements is written; one
/// more and the create, the update or the transaction is refused with 413 and an OperationOutcome naming the limit,
/// and nothing of it is stored.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ElementLimitTests(string store) : ServerTests(store, new() { ["Server:MaxResourceElements"] = "100" })
{
    private const string System = "http://example.org/limit";

    // identifier × n (3 elements each: identifier, system, value), and active when asked: 3n (+ 1) elements.
    private static JsonObject Patient(string tag, int identifiers, bool active = false, string? id = null)
    {
        var patient = new JsonObject { ["resourceType"] = "Patient" };
        if (id is not null) patient["id"] = id;
        patient["identifier"] = new JsonArray([.. Enumerable.Range(0, identifiers).Select(i => (JsonNode)new JsonObject { ["system"] = System, ["value"] = $"{tag}-{i}" })]);
        if (active) patient["active"] = true;
        return patient;
    }

    private static StringContent Json(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/fhir+json");

    private async Task<int> Found(string tag)
    {
        using var bundle = JsonDocument.Parse(await Client.GetStringAsync($"/Patient?identifier={Uri.EscapeDataString($"{System}|{tag}-0")}&_total=accurate"));
        return bundle.RootElement.GetProperty("total").GetInt32();
    }

    private static async Task AssertRefused(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), text);
        using var outcome = JsonDocument.Parse(text);
        Assert.That(outcome.RootElement.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        var issue = outcome.RootElement.GetProperty("issue")[0];
        Assert.That(issue.GetProperty("code").GetString(), Is.EqualTo("too-long"));
        Assert.That(issue.GetProperty("diagnostics").GetString(), Does.Contain("MaxResourceElements").And.Contain("100"));
    }

    [Test]
    public async Task A_create_at_the_limit_is_stored_and_one_past_it_is_refused()
    {
        var at = await Client.PostAsync("/Patient", Json(Patient("at", 33, active: true)));
        Assert.That(at.StatusCode, Is.EqualTo(HttpStatusCode.Created), await at.Content.ReadAsStringAsync());
        Assert.That(await Found("at"), Is.EqualTo(1));

        await AssertRefused(await Client.PostAsync("/Patient", Json(Patient("past", 34))));
        Assert.That(await Found("past"), Is.Zero);
    }

    [Test]
    public async Task An_update_past_the_limit_is_refused_and_the_current_version_stays()
    {
        var id = "limit-update-" + Store;
        var first = await Client.PutAsync($"/Patient/{id}", Json(Patient("update", 2, id: id)));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created), await first.Content.ReadAsStringAsync());

        await AssertRefused(await Client.PutAsync($"/Patient/{id}", Json(Patient("update", 40, id: id))));
        using var current = JsonDocument.Parse(await Client.GetStringAsync($"/Patient/{id}"));
        Assert.That(current.RootElement.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("1"));
        Assert.That(current.RootElement.GetProperty("identifier").GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public async Task A_transaction_with_one_entry_past_the_limit_stores_nothing()
    {
        JsonNode Entry(JsonObject resource) => new JsonObject
        {
            ["fullUrl"] = "urn:uuid:" + Guid.NewGuid(),
            ["resource"] = resource,
            ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" },
        };
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray(Entry(Patient("small", 1)), Entry(Patient("large", 40))),
        };
        await AssertRefused(await Client.PostAsync("/", Json(bundle)));
        Assert.That(await Found("small"), Is.Zero);
        Assert.That(await Found("large"), Is.Zero);
    }
}
