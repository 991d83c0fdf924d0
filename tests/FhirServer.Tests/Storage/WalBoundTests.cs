using System.Text;
using FhirServer.Storage;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Storage;

/// <summary>
/// SQLite's write-ahead log stays near Server:SqliteWalLimitBytes (WalBound) through a burst of large writes while
/// readers keep snapshots open one after the other, so that some reader is always on the log: the passive
/// checkpoints alone never let it start over, and it grew by everything written.
/// </summary>
public class WalBoundTests
{
    private const long Limit = 8L * 1024 * 1024;
    private const int BodyBytes = 2 * 1024 * 1024;
    private const int Writes = 60;

    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Path.Combine(Path.GetTempPath(), "fhirserver-wal-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void Delete()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempFolder.Delete(_dir);
    }

    [Test]
    public async Task The_log_stays_bounded_through_a_burst_of_large_writes_with_concurrent_reads()
    {
        var file = Path.Combine(_dir, "fhir.db");
        var dialect = new SqliteDialect(file, Limit);
        await using var store = new SqlResourceStore(dialect);
        await store.InitializeAsync();

        using var stop = new CancellationTokenSource();
        // Three readers, each holding a snapshot a little while and starting the next at once: the reads overlap.
        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
        {
            var reads = 0;
            await Task.Delay(r * 7);
            while (!stop.IsCancellationRequested)
            {
                await using var connection = await dialect.OpenAsync(CancellationToken.None);
                // Deferred: a read transaction that takes no write lock (Microsoft.Data.Sqlite begins IMMEDIATE by default).
                await using var tx = ((Microsoft.Data.Sqlite.SqliteConnection)connection).BeginTransaction(deferred: true);
                await using var count = SqlResourceStore.Command(connection, tx, "SELECT count(*) FROM resource");
                await count.ExecuteScalarAsync();
                await Task.Delay(20);
                await tx.CommitAsync();
                reads++;
            }
            return reads;
        })).ToList();

        var body = Encoding.UTF8.GetBytes($$"""{"resourceType":"Binary","contentType":"text/plain","data":"{{new string('A', BodyBytes)}}"}""");
        var written = 0;
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < Writes; i += 3)
            {
                await using var session = await store.BeginAsync(write: true);
                await session.InsertAsync(new StoredVersion("Binary", $"b{i}", 1, DateTimeOffset.UtcNow, VersionMethod.Create, body));
                await session.CommitAsync();
                Interlocked.Increment(ref written);
            }
        }));
        await Task.WhenAll(writers);
        // One more write after the burst: the one that finds the log past its limit starts it over.
        await using (var last = await store.BeginAsync(write: true))
        {
            await last.InsertAsync(new StoredVersion("Binary", "last", 1, DateTimeOffset.UtcNow, VersionMethod.Create, body));
            await last.CommitAsync();
        }
        await stop.CancelAsync();
        var reads = await Task.WhenAll(readers);

        Assert.That(written, Is.EqualTo(Writes));
        Assert.That(reads.Sum(), Is.GreaterThan(0), "the readers ran alongside the writes");
        var wal = new FileInfo(file + "-wal").Length;
        // Everything written is some 120 MB; the log may pass the limit by the transactions of one group commit.
        Assert.That(wal, Is.LessThanOrEqualTo(3 * Limit), $"the WAL is {wal:N0} bytes after {(long)Writes * BodyBytes:N0} bytes written");
    }
}
