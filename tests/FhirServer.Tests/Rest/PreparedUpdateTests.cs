using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Rest;
using FhirServer.Tests.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Rest;

/// <summary>
/// Updates made ready before their transaction (<see cref="ResourceService.PrepareUpdate"/>, what the <c>load</c> verb
/// writes): stored as prepared when the resource is where it was assumed to be, stamped anew after its current version
/// otherwise, and refused as a PUT would be.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class PreparedUpdateTests(string store) : ServerTests(store)
{
    private ResourceService Service => Factory.Services.GetRequiredService<ResourceService>();

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    private ElementNode Practitioner(string id, string family, string gender = "female") =>
        Factory.Services.GetRequiredService<ConformanceContext>().Json.Parse(Encoding.UTF8.GetBytes(
            $$"""{"resourceType":"Practitioner","id":"{{id}}","gender":"{{gender}}","name":[{"family":"{{family}}"}]}""")).Resource!;

    private async Task<(string Version, string Family)> Read(string id)
    {
        using var body = JsonDocument.Parse(await Client.GetStringAsync($"/Practitioner/{id}"));
        return (body.RootElement.GetProperty("meta").GetProperty("versionId").GetString()!,
            body.RootElement.GetProperty("name")[0].GetProperty("family").GetString()!);
    }

    private async Task<List<string>> Found(string family)
    {
        using var bundle = JsonDocument.Parse(await Client.GetStringAsync($"/Practitioner?family={family}"));
        return bundle.RootElement.TryGetProperty("entry", out var entries)
            ? [.. entries.EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)]
            : [];
    }

    [Test]
    public async Task A_batch_stores_new_resources_as_prepared_and_the_others_after_their_current_version()
    {
        var (fresh, existing, twice) = (Unique("pu-"), Unique("pu-"), Unique("pu-"));
        var families = Enumerable.Range(0, 5).Select(_ => Unique("f")).ToArray();
        await Service.InTransactionAsync(s => Service.UpdateAsync(s, "Practitioner", existing, Practitioner(existing, families[0]), null), default);

        // Each prepared as the first version of its resource: true of one only; the one twice in the batch follows itself.
        PreparedUpdate[] batch =
        [
            Service.PrepareUpdate(Practitioner(fresh, families[1]), fresh),
            Service.PrepareUpdate(Practitioner(existing, families[2]), existing),
            Service.PrepareUpdate(Practitioner(twice, families[3]), twice),
            Service.PrepareUpdate(Practitioner(twice, families[4]), twice),
        ];
        await Service.InTransactionAsync(async s => { await Service.UpdateAsync(s, batch); return true; }, default);

        Assert.That(await Read(fresh), Is.EqualTo(("1", families[1])));
        Assert.That(await Read(existing), Is.EqualTo(("2", families[2])), "stamped anew after version 1");
        Assert.That(await Read(twice), Is.EqualTo(("2", families[4])));
        Assert.That(await Found(families[2]), Is.EqualTo(new[] { existing }), "the index rows are the new version's");
        Assert.That(await Found(families[0]), Is.Empty);
        Assert.That(await Found(families[3]), Is.Empty);
        Assert.That(await Found(families[4]), Is.EqualTo(new[] { twice }));
        using var history = JsonDocument.Parse(await Client.GetStringAsync($"/Practitioner/{twice}/_history"));
        Assert.That(history.RootElement.GetProperty("entry").GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public async Task A_prepared_update_overtaken_by_another_write_follows_it()
    {
        var id = Unique("pu-");
        var (first, second) = (Unique("f"), Unique("f"));
        var prepared = Service.PrepareUpdate(Practitioner(id, second), id);
        // Written between the preparation and the transaction: the prepared version 1 exists now.
        await Service.InTransactionAsync(s => Service.UpdateAsync(s, "Practitioner", id, Practitioner(id, first), null), default);
        var result = await Service.InTransactionAsync(s => Service.UpdateAsync(s, prepared), default);
        Assert.That(result.Version.Version, Is.EqualTo(2));
        Assert.That(result.Created, Is.False);
        Assert.That(await Read(id), Is.EqualTo(("2", second)));
    }

    [Test]
    public void An_invalid_resource_is_refused_when_prepared()
    {
        var id = Unique("pu-");
        var refused = Assert.Throws<FhirException>(() => Service.PrepareUpdate(Practitioner(id, Unique("f"), gender: "sometimes"), id));
        Assert.That(refused!.Status, Is.EqualTo(422));
    }

    [Test]
    public async Task Nothing_of_a_batch_is_stored_when_one_of_its_writes_fails()
    {
        var (fresh, existing) = (Unique("pu-"), Unique("pu-"));
        var family = Unique("f");
        await Service.InTransactionAsync(s => Service.UpdateAsync(s, "Practitioner", existing, Practitioner(existing, Unique("f")), null), default);
        PreparedUpdate[] batch = [Service.PrepareUpdate(Practitioner(fresh, family), fresh), Service.PrepareUpdate(Practitioner(existing, family), existing)];
        Assert.ThrowsAsync<InvalidOperationException>(() => Service.InTransactionAsync<bool>(async s =>
        {
            await Service.UpdateAsync(s, batch);
            throw new InvalidOperationException("a later write of the transaction failed");
        }, default));
        Assert.That((await Client.GetAsync($"/Practitioner/{fresh}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await Found(family), Is.Empty);
    }
}
