using FhirServer.Tests.Support;
using System.Text;
using FhirServer.Storage;

namespace FhirServer.Tests.Storage;

/// <summary>
/// SQLite write sessions share one writer connection and commit in groups: each session must still be its own
/// all-or-nothing unit, and a committed session's writes must be visible to readers when CommitAsync returns.
/// </summary>
public class GroupCommitTests
{
    private string _dir = null!;
    private SqlResourceStore _store = null!;

    [SetUp]
    public async Task Open()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fhirserver-groupcommit-" + Guid.NewGuid().ToString("N"));
        _store = new SqlResourceStore(new SqliteDialect(Path.Combine(_dir, "fhir.db")));
        await _store.InitializeAsync();
    }

    [TearDown]
    public async Task Close()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempFolder.Delete(_dir);
    }

    private static StoredVersion Version(string id, int version) =>
        new("Patient", id, version, DateTimeOffset.UtcNow, VersionMethod.Create, Encoding.UTF8.GetBytes($$"""{"resourceType":"Patient","id":"{{id}}"}"""));

    [Test]
    public async Task Concurrent_sessions_keep_their_own_outcome()
    {
        // Of every three sessions: one commits, one is abandoned after writing, one fails on a duplicate version
        // after a first write and is abandoned. Only the first kind may leave anything behind.
        var sessions = Enumerable.Range(0, 300).Select(i => Task.Run(async () =>
        {
            await using var session = await _store.BeginAsync(write: true);
            await session.InsertAsync(Version($"p{i}", 1));
            switch (i % 3)
            {
                case 0:
                    await session.CommitAsync();
                    // Visible to a reader outside the session as soon as the commit returns.
                    Assert.That(await _store.ReadAsync("Patient", $"p{i}"), Is.Not.Null);
                    break;
                case 1:
                    break;
                default:
                    Assert.ThrowsAsync<VersionConflictException>(() => session.InsertAsync(Version($"p{i}", 1)));
                    break;
            }
        }));
        await Task.WhenAll(sessions);
        for (var i = 0; i < 300; i++)
        {
            var stored = await _store.ReadAsync("Patient", $"p{i}");
            Assert.That(stored is not null, Is.EqualTo(i % 3 == 0), $"p{i}");
        }
    }

    [Test]
    public async Task A_session_sees_the_writes_of_the_sessions_before_it()
    {
        var writers = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await using var session = await _store.BeginAsync(write: true);
            var current = await session.ReadCurrentAsync("Patient", "shared");
            await session.InsertAsync(Version("shared", (current?.Version ?? 0) + 1));
            await session.CommitAsync();
        }));
        await Task.WhenAll(writers);
        Assert.That((await _store.ReadAsync("Patient", "shared"))!.Version, Is.EqualTo(50));
        var history = await _store.HistoryAsync(new HistoryQuery { Type = "Patient", Id = "shared", Count = 100 });
        Assert.That(history.Select(v => v.Version), Is.EqualTo(Enumerable.Range(1, 50).Reverse()));
    }

    [Test]
    public async Task An_abandoned_session_does_not_block_the_next()
    {
        await using (var abandoned = await _store.BeginAsync(write: true))
            await abandoned.InsertAsync(Version("gone", 1));
        await using (var next = await _store.BeginAsync(write: true))
        {
            await next.InsertAsync(Version("kept", 1));
            await next.CommitAsync();
        }
        Assert.That(await _store.ReadAsync("Patient", "gone"), Is.Null);
        Assert.That(await _store.ReadAsync("Patient", "kept"), Is.Not.Null);
    }

    [Test]
    public async Task A_first_session_whose_transaction_the_database_gave_up_is_not_reported_written()
    {
        // The first session of a transaction has no savepoint of its own. SQLite rolls a transaction back by itself
        // on some errors (disk full, I/O); that is done here by hand on the writer connection, while a second
        // session waits to join the transaction.
        var first = await _store.BeginAsync(write: true);
        await first.InsertAsync(Version("lost", 1));
        var second = Task.Run(async () =>
        {
            await using var session = await _store.BeginAsync(write: true);
            await session.InsertAsync(Version("second", 1));
            await session.CommitAsync();
        });
        var db = ((Microsoft.Data.Sqlite.SqliteConnection)_store.Writer!.WriterConnection!).Handle!;
        Assert.That(SQLitePCL.raw.sqlite3_exec(db, "ROLLBACK"), Is.EqualTo(SQLitePCL.raw.SQLITE_OK));

        Assert.That(async () => await first.CommitAsync(), Throws.InstanceOf<InvalidOperationException>());
        await first.DisposeAsync();
        await second.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(await _store.ReadAsync("Patient", "lost"), Is.Null);
        Assert.That(await _store.ReadAsync("Patient", "second"), Is.Not.Null, "the next session wrote in a transaction of its own");
    }
}
