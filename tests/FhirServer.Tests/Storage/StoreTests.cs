using System.Text;
using FhirServer.Storage;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Storage;

/// <summary>The store below the REST layer: schema migration, and version numbers that come from the database.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class StoreTests(string kind)
{
    private string _folder = null!;
    private string? _connection;

    [SetUp]
    public void Create()
    {
        _folder = Path.Combine(Path.GetTempPath(), "fhirserver-store-" + Guid.NewGuid().ToString("N"));
        _connection = kind == "postgres" ? PostgresServer.NewDatabase() : null;
    }

    [TearDown]
    public void Delete()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempFolder.Delete(_folder);
    }

    /// <summary>A separate store object on the same database, as another server process would have.</summary>
    private async Task<SqlResourceStore> Open()
    {
        SqlDialect dialect = kind == "postgres" ? new PostgresDialect(_connection!) : new SqliteDialect(Path.Combine(_folder, "fhir.db"));
        var store = new SqlResourceStore(dialect);
        await store.InitializeAsync();
        return store;
    }

    private static StoredVersion Version(string id, int version) =>
        new("Patient", id, version, DateTimeOffset.UtcNow, version == 1 ? VersionMethod.Create : VersionMethod.Update,
            Encoding.UTF8.GetBytes($$"""{"resourceType":"Patient","id":"{{id}}"}"""));

    [Test]
    public async Task Initialising_again_keeps_the_data_and_the_schema_version()
    {
        await using (var first = await Open())
        {
            await using var session = await first.BeginAsync(write: true);
            await session.InsertAsync(Version("a", 1));
            await session.CommitAsync();
        }
        await using var second = await Open();
        await using var third = await Open();
        Assert.That((await third.ReadAsync("Patient", "a"))?.Version, Is.EqualTo(1));
        Assert.That(await SchemaVersions(third), Is.EqualTo(Enumerable.Range(1, third.Dialect.Migrations.Count).ToArray()), "each migration once");
    }

    /// <summary>
    /// Concurrent reads of current versions (on PostgreSQL they go to the database together, ReadCombiner): each finds
    /// its own resource at its latest version, a deleted one as deleted, an unknown one not at all.
    /// </summary>
    [Test]
    public async Task Concurrent_reads_each_find_their_own_current_version()
    {
        await using var store = await Open();
        await using (var session = await store.BeginAsync(write: true))
        {
            for (var i = 0; i < 30; i++)
            {
                await session.InsertAsync(Version("p" + i, 1));
                if (i % 3 == 0) await session.InsertAsync(Version("p" + i, 2));
                if (i % 5 == 0)
                    await session.InsertAsync(new StoredVersion("Patient", "p" + i, i % 3 == 0 ? 3 : 2, DateTimeOffset.UtcNow, VersionMethod.Delete, null));
            }
            await session.CommitAsync();
        }
        var asked = Enumerable.Range(0, 400).Select(n => n % 37).Select(i => i < 30 ? "p" + i : "unknown" + i).ToList();
        var found = await Task.WhenAll(asked.Select(id => Task.Run(() => store.ReadAsync("Patient", id))));
        for (var n = 0; n < asked.Count; n++)
        {
            var id = asked[n];
            if (!id.StartsWith('p'))
            {
                Assert.That(found[n], Is.Null, id);
                continue;
            }
            var i = int.Parse(id[1..]);
            var expected = (i % 3 == 0 ? 2 : 1) + (i % 5 == 0 ? 1 : 0);
            Assert.That((found[n]?.Id, found[n]?.Version, found[n]?.Deleted), Is.EqualTo((id, expected, i % 5 == 0)), id);
            if (!found[n]!.Deleted) Assert.That(Encoding.UTF8.GetString(found[n]!.Body!), Does.Contain($"\"id\":\"{id}\""));
        }
    }

    [Test]
    public async Task A_part_that_fails_is_undone_alone()
    {
        await using var store = await Open();
        await using (var session = await store.BeginAsync(write: true))
        {
            await session.InPartAsync(() => session.InsertAsync(Version("kept", 1)));
            var failing = session.InPartAsync(async () =>
            {
                await session.InsertAsync(Version("undone", 1));
                await session.InsertAsync(Version("undone", 2));
                throw new InvalidOperationException("the part fails after writing");
            });
            Assert.That(async () => await failing, Throws.InvalidOperationException);
            // The same version again: the failed part's row is gone, so there is no conflict with it.
            await session.InPartAsync(() => session.InsertAsync(Version("undone", 1)));
            Assert.That(async () => await session.InPartAsync(() => session.InsertAsync(Version("kept", 1))), Throws.TypeOf<VersionConflictException>(),
                "a conflict inside a part");
            await session.InPartAsync(() => session.InsertAsync(Version("after", 1)));
            await session.CommitAsync();
        }
        Assert.That((await store.ReadAsync("Patient", "kept"))?.Version, Is.EqualTo(1));
        Assert.That((await store.ReadAsync("Patient", "undone"))?.Version, Is.EqualTo(1), "version 2 was in the failed part");
        Assert.That((await store.ReadAsync("Patient", "after"))?.Version, Is.EqualTo(1), "the transaction went on after the conflict");
        Assert.That(store.SharesCommits, Is.EqualTo(kind == "sqlite"));
    }

    [Test]
    public async Task A_schema_newer_than_the_server_is_refused()
    {
        await using (var store = await Open()) await Execute(store, "INSERT INTO schema_version (version) VALUES (999)");
        var error = Assert.ThrowsAsync<InvalidOperationException>(async () => await (await Open()).DisposeAsync());
        Assert.That(error!.Message, Does.Contain("999").And.Contain("upgrade the server"));
    }

    [Test]
    public async Task Uncommitted_writes_are_rolled_back()
    {
        await using var store = await Open();
        await using (var session = await store.BeginAsync(write: true)) await session.InsertAsync(Version("rolled-back", 1));
        Assert.That(await store.ReadAsync("Patient", "rolled-back"), Is.Null);
    }

    [Test]
    public async Task Two_stores_on_one_database_never_write_the_same_version()
    {
        await using var a = await Open();
        await using var b = await Open();
        await using (var session = await a.BeginAsync(write: true))
        {
            await session.InsertAsync(Version("shared", 1));
            await session.CommitAsync();
        }
        // Each writer reads the current version and adds the next one; the database makes them take turns.
        async Task Write(SqlResourceStore store)
        {
            for (var attempt = 0; ; attempt++)
            {
                await using var session = await store.BeginAsync(write: true);
                var current = await session.ReadCurrentAsync("Patient", "shared");
                try
                {
                    await session.InsertAsync(Version("shared", current!.Version + 1));
                    await session.CommitAsync();
                    return;
                }
                catch (VersionConflictException) when (attempt < 10)
                {
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(() => Write(i % 2 == 0 ? a : b))));
        var history = await a.HistoryAsync(new HistoryQuery { Type = "Patient", Id = "shared", Count = 100 });
        Assert.That(history.Select(v => v.Version).Order(), Is.EqualTo(Enumerable.Range(1, 31)));
    }

    [Test]
    public async Task Inserting_an_existing_version_is_a_conflict()
    {
        await using var store = await Open();
        await using (var session = await store.BeginAsync(write: true))
        {
            await session.InsertAsync(Version("dup", 1));
            await session.CommitAsync();
        }
        await using var again = await store.BeginAsync(write: true);
        Assert.ThrowsAsync<VersionConflictException>(() => again.InsertAsync(Version("dup", 1)));
    }

    private static async Task<int[]> SchemaVersions(SqlResourceStore store)
    {
        await using var connection = await store.Dialect.OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_version ORDER BY version";
        var result = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(reader.GetInt32(0));
        return [.. result];
    }

    private static async Task Execute(SqlResourceStore store, string sql)
    {
        await using var connection = await store.Dialect.OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
