using System.Net;
using System.Text.Json;
using FhirServer.Storage;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// A store written before sort values were kept (schema version 6, no <c>search_sort</c>): the server that upgrades it
/// creates the table and reindexes, so that its resources sort by their values as new ones do.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SortUpgradeTests(string store)
{
    [Test]
    public async Task An_upgraded_store_sorts_the_resources_it_had()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirserver-upgrade-" + Guid.NewGuid().ToString("N"));
        var settings = store == "postgres"
            ? new Dictionary<string, string> { ["Server:Connection"] = PostgresServer.NewDatabase() }
            : new Dictionary<string, string> { ["Server:DataDirectory"] = folder };
        try
        {
            var ids = new List<string>();
            using (var factory = new ServerFactory(store, settings))
            using (var client = factory.CreateClient())
                foreach (var family in new[] { "moreau", "bernard", "petit" })
                {
                    var response = await client.PostAsync("/Patient", RestTests.Json($$"""{"resourceType":"Patient","name":[{"family":"{{family}}"}]}"""));
                    Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
                    ids.Add(response.Headers.Location!.ToString().Split('/')[^3]);
                }

            // Back to schema version 6, as a server of that version left it.
            await using (SqlDialect dialect = store == "postgres" ? new PostgresDialect(settings["Server:Connection"]) : new SqliteDialect(Path.Combine(folder, "fhir.db")))
            await using (var connection = await dialect.OpenAsync(CancellationToken.None))
            await using (var downgrade = connection.CreateCommand())
            {
                // Migration 10 (Binary data kept apart) undone as well, since the versions from 7 on run again;
                // migration 9 creates the unique identifier table only when it is missing.
                downgrade.CommandText = "DROP TABLE search_sort; DROP TABLE binary_content; ALTER TABLE resource DROP COLUMN content; " +
                                        "DELETE FROM schema_version WHERE version >= 7";
                await downgrade.ExecuteNonQueryAsync();
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            using (var factory = new ServerFactory(store, settings))
            using (var client = factory.CreateClient())
            {
                using var doc = JsonDocument.Parse(await client.GetStringAsync("/Patient?_sort=name"));
                var sorted = doc.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()).ToList();
                Assert.That(sorted, Is.EqualTo(new[] { ids[1], ids[0], ids[2] }), "bernard, moreau, petit");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempFolder.Delete(folder);
        }
    }
}
