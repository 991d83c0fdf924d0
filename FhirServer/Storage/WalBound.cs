using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FhirServer.Storage;

/// <summary>
/// Keeps SQLite's WAL near <see cref="ServerSettings.SqliteWalLimitBytes"/>. The WAL starts over from its beginning only
/// when a write transaction begins with every frame copied into the database and no reader still reading from it; the
/// passive checkpoints (SqliteDialect's checkpointer) neither wait for readers nor stop new ones, so under steady
/// writes with reads in progress that moment never came, and with large writes the WAL passed 1 GB. So the writer
/// counts what it appended (pages written, <c>SQLITE_DBSTATUS_CACHE_WRITE</c>), and past the limit, between two
/// transactions, runs a RESTART checkpoint: it copies every frame, then waits for the readers of older snapshots to
/// finish (new readers read the database file, not the WAL), so that the next transaction starts the WAL over and its
/// commit cuts the file back to the limit (journal_size_limit). Used on the writer's thread only.
/// </summary>
internal sealed class WalBound
{
    private const int CacheWrite = 9; // SQLITE_DBSTATUS_CACHE_WRITE
    private const int FrameHeader = 24;

    /// <summary>
    /// How long the writer waits for readers to leave the WAL. Reads here last milliseconds; a reader that takes longer
    /// holds the writes up that long, once per <see cref="ServerSettings.SqliteWalLimitBytes"/> written.
    /// </summary>
    private const int WaitMilliseconds = 10_000;

    private long _bytes;
    private long _frameBytes;

    /// <summary>
    /// Before a write transaction: adds what the writer appended since the last call, and past <paramref name="limit"/>
    /// runs the RESTART checkpoint. True when it ran one.
    /// </summary>
    public bool Restart(SqliteConnection writer, long limit)
    {
        var db = writer.Handle ?? throw new InvalidOperationException("The writer connection is closed.");
        raw.sqlite3_db_status(db, CacheWrite, out var pages, out _, 1);
        if (_frameBytes == 0) _frameBytes = PageSize(writer) + FrameHeader;
        _bytes += pages * _frameBytes;
        if (_bytes < limit) return false;
        // Microsoft.Data.Sqlite retries a busy statement itself and sets no busy handler; the checkpoint needs one to wait.
        raw.sqlite3_busy_timeout(db, WaitMilliseconds);
        try
        {
            raw.sqlite3_wal_checkpoint_v2(db, "main", raw.SQLITE_CHECKPOINT_RESTART, out _, out _);
        }
        finally
        {
            raw.sqlite3_busy_timeout(db, 0);
        }
        // Counted afresh whether it succeeded or a reader outlasted the wait: then the next try comes after as much
        // again, rather than before every transaction.
        _bytes = 0;
        return true;
    }

    private static long PageSize(SqliteConnection writer)
    {
        using var command = writer.CreateCommand();
        command.CommandText = "PRAGMA page_size;";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
