using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Http;
using FhirServer.Rest;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Http;

/// <summary>
/// Single creates written together (<see cref="CreateCombiner"/>): every concurrent POST is answered with its own
/// resource, stored and indexed, and a create that fails in the database fails alone.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class CreateCombinerTests(string store) : ServerTests(store)
{
    private static string Family() => "f" + Guid.NewGuid().ToString("N")[..12];

    [Test]
    public async Task Concurrent_posts_each_get_their_own_stored_resource()
    {
        var families = Enumerable.Range(0, 60).Select(_ => Family()).ToList();
        var responses = await Task.WhenAll(families.Select(f =>
            Client.PostAsync("/Patient", RestTests.Json($$"""{"resourceType":"Patient","name":[{"family":"{{f}}"}]}"""))));
        Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.Created));
        var locations = responses.Select(r => r.Headers.Location!.ToString()).ToList();
        Assert.That(locations.Distinct().Count(), Is.EqualTo(60));
        for (var i = 0; i < families.Count; i++)
        {
            // The response is the resource created for that request, and a search by its own family finds it alone.
            using var body = JsonDocument.Parse(await responses[i].Content.ReadAsStringAsync());
            Assert.That(body.RootElement.GetProperty("name")[0].GetProperty("family").GetString(), Is.EqualTo(families[i]));
            var id = body.RootElement.GetProperty("id").GetString();
            Assert.That(locations[i], Does.Contain($"/Patient/{id}/_history/1"));
            using var found = JsonDocument.Parse(await Client.GetStringAsync($"/Patient?family={families[i]}"));
            Assert.That(found.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()),
                Is.EqualTo(new[] { id }));
        }
    }

    [Test]
    public async Task A_create_that_fails_in_the_database_fails_alone()
    {
        var service = Factory.Services.GetRequiredService<ResourceService>();
        var combiner = Factory.Services.GetRequiredService<CreateCombiner>();
        var json = Factory.Services.GetRequiredService<ConformanceContext>().Json;
        PreparedCreate Prepare(string family, string? id = null) =>
            service.PrepareCreate(json.Parse(Encoding.UTF8.GetBytes($$"""{"resourceType":"Patient","name":[{"family":"{{family}}"}]}""")).Resource!, id);

        var taken = await combiner.CreateAsync(Prepare(Family()));
        // A first create keeps the writer busy while the next ones queue up behind it and go together: one of them
        // reuses the id just stored, so its version 1 exists already and the database refuses the group.
        var first = combiner.CreateAsync(Prepare(Family()));
        var families = Enumerable.Range(0, 8).Select(_ => Family()).ToList();
        var others = families.Select((f, i) => combiner.CreateAsync(i == 4 ? Prepare(f, taken.Version.Id) : Prepare(f))).ToList();
        await first;
        var outcomes = await Task.WhenAll(others.Select(async t =>
        {
            try { return (Result: await t, Error: (Exception?)null); }
            catch (Exception e) { return (Result: (WriteResult?)null, Error: e); }
        }));
        Assert.That(outcomes[4].Error, Is.TypeOf<FhirException>(), "the create whose id exists");
        Assert.That(((FhirException)outcomes[4].Error!).Status, Is.EqualTo(409));
        for (var i = 0; i < families.Count; i++)
        {
            if (i == 4) continue;
            Assert.That(outcomes[i].Error, Is.Null, $"create {i}");
            var read = await Client.GetAsync($"/Patient/{outcomes[i].Result!.Version.Id}");
            Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"create {i}");
        }
        using var found = JsonDocument.Parse(await Client.GetStringAsync($"/Patient?family={families[4]}"));
        Assert.That(found.RootElement.TryGetProperty("entry", out _), Is.False, "nothing of the failed create was written");
        using var kept = JsonDocument.Parse(await Client.GetStringAsync($"/Patient/{taken.Version.Id}"));
        Assert.That(kept.RootElement.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("1"));
    }
}
