using FhirServer.Storage;
using FhirServer.Tests.Support;
using Microsoft.Data.Sqlite;

namespace FhirServer.Tests.Storage;

/// <summary>
/// A read session (a batch's read entries) takes no write lock on SQLite: Microsoft.Data.Sqlite begins IMMEDIATE by
/// default, which held the database's one write lock for as long as the reads ran and made every writer wait.
/// </summary>
public class ReadSessionLockTests
{
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Path.Combine(Path.GetTempPath(), "fhirserver-readlock-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void Delete()
    {
        SqliteConnection.ClearAllPools();
        TempFolder.Delete(_dir);
    }

    [Test]
    public async Task A_writer_gets_the_write_lock_while_a_read_session_is_open()
    {
        var file = Path.Combine(_dir, "fhir.db");
        await using var store = new SqlResourceStore(new SqliteDialect(file));
        await store.InitializeAsync();

        await using var read = await store.BeginAsync(write: false);
        Assert.That(await store.ReadAsync("Patient", "none"), Is.Null);

        // Another connection asks for the write lock, waiting at most a second: it is free while the read session is open.
        await using var writer = new SqliteConnection($"Data Source={file};Pooling=False;Default Timeout=1");
        await writer.OpenAsync();
        await using (var timeout = writer.CreateCommand())
        {
            timeout.CommandText = "PRAGMA busy_timeout = 0";
            await timeout.ExecuteNonQueryAsync();
        }
        await using var begin = writer.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
        Assert.DoesNotThrowAsync(async () => await begin.ExecuteNonQueryAsync());
    }
}
