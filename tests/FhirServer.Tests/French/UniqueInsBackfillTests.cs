using System.Net;
using FhirServer.Storage;
using FhirServer.Tests.Http;
using FhirServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.French;

/// <summary>
/// Patients stored while <c>Server:UniqueIdentifiers</c> was empty (or did not name their INS system): the next
/// start with the INS-NIR in the setting keys them (<see cref="UniqueIdentifierBackfill"/>), so a new Patient with a
/// stored INS is refused; two stored Patients sharing an INS do not stop the start, the first stored keeps the key
/// and the second is listed as a duplicate. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class UniqueInsBackfillTests(string store)
{
    [Test]
    public async Task Stored_patients_are_keyed_at_the_next_start_and_duplicates_listed()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirserver-backfill-" + Guid.NewGuid().ToString("N"));
        var settings = store == "postgres"
            ? new Dictionary<string, string> { ["Server:Connection"] = PostgresServer.NewDatabase() }
            : new Dictionary<string, string> { ["Server:DataDirectory"] = folder };
        string shared = InsIdentities.NewNir(), alone = InsIdentities.NewNir(), deleted = InsIdentities.NewNir();
        try
        {
            string first, second, single, gone;
            using (var factory = new ServerFactory(store, new(settings) { ["Server:UniqueIdentifiers"] = "" }))
            using (var client = factory.CreateClient())
            {
                first = await Create(client, InsIdentities.Patient(shared, "Premier"));
                second = await Create(client, InsIdentities.Patient(shared, "Second"));
                single = await Create(client, InsIdentities.Patient(alone));
                gone = await Create(client, InsIdentities.Patient(deleted));
                Assert.That((await client.DeleteAsync($"/Patient/{gone}")).IsSuccessStatusCode);
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            using (var factory = new ServerFactory(store, settings))
            using (var client = factory.CreateClient())
            {
                // The stored INS are keys now: a new Patient with one is refused, naming the Patient stored first.
                using (var response = await client.PostAsync("/Patient", RestTests.Json(InsIdentities.Patient(alone))))
                {
                    var text = await response.Content.ReadAsStringAsync();
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), text);
                    Assert.That(text, Does.Contain($"Patient/{single} already has the identifier"));
                }
                using (var response = await client.PostAsync("/Patient", RestTests.Json(InsIdentities.Patient(shared))))
                    Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain($"Patient/{first} already has the identifier"));
                // A deleted Patient holds nothing.
                using (var response = await client.PostAsync("/Patient", RestTests.Json(InsIdentities.Patient(deleted))))
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
                // The holder's update keeps its own key.
                using (var response = await client.PutAsync($"/Patient/{single}", RestTests.Json(InsIdentities.Patient(alone, "Renommé", id: single))))
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());

                var duplicates = await factory.Services.GetRequiredService<UniqueIdentifierBackfill>().DuplicatesAsync();
                Assert.That(duplicates, Is.EqualTo(new[] { new DuplicateIdentifier("Patient", second, InsIdentities.InsNir, shared, first) }));
                // The second one's next write is refused until its INS is corrected.
                using (var response = await client.PutAsync($"/Patient/{second}", RestTests.Json(InsIdentities.Patient(shared, "Second", id: second))))
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
                // Filling again (reindex) adds nothing and finds the same duplicate.
                var (added, again) = await factory.Services.GetRequiredService<UniqueIdentifierBackfill>().RunAsync(force: true);
                Assert.That(added, Is.Zero);
                Assert.That(again, Is.EqualTo(duplicates));
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            // The reindex verb lists them, one per line on stdout.
            var run = await ProcessRun.ServerAsync(store == "postgres"
                ? ["reindex", "--store", "postgres", "--connection", settings["Server:Connection"]]
                : ["reindex", "--data", folder]);
            Assert.That(run.Exit, Is.Zero, run.Out + run.Err);
            Assert.That(run.Out, Does.Contain($"duplicate: Patient/{second} has the identifier {InsIdentities.InsNir}|{shared}, which Patient/{first} holds"));
            Assert.That(run.Out, Does.Contain("unique identifiers: 0 keys added, 1 duplicates"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempFolder.Delete(folder);
        }
    }

    private static async Task<string> Create(HttpClient client, string json)
    {
        using var response = await client.PostAsync("/Patient", RestTests.Json(json));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString().Split('/')[^3];
    }
}
