using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FhirServer.Storage;

/// <summary>
/// What differs between SQLite and PostgreSQL for the store: connections, the schema's DDL, locking a row for
/// update, and how a unique-key violation is reported. Everything else (the SQL of reads and writes) is shared.
/// </summary>
public abstract class SqlDialect : IAsyncDisposable
{
    public abstract string Kind { get; }

    /// <summary>Where the data is, for the logs: the SQLite file, or the PostgreSQL server and database (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>A connection for reading.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken ct);

    private const int MaxIdleReaders = 16;
    private readonly ConcurrentBag<ConnectionLease> _readers = [];
    private int _idleReaders;
    private bool _disposed;

    /// <summary>
    /// A connection for reading outside a transaction, and its commands; dispose to give it back. Readers stay open
    /// between requests with their prepared statements (ConnectionLease), up to <see cref="MaxIdleReaders"/>: a read
    /// then neither opens a connection nor parses or plans its statement. On PostgreSQL, against a connection from
    /// Npgsql's pool and a statement parsed by the driver each time: 12,666–13,833 → 13,140–16,280 GET/s (10 clients,
    /// interleaved A/B).
    /// </summary>
    public async ValueTask<ConnectionLease> RentReaderAsync(CancellationToken ct)
    {
        if (_readers.TryTake(out var lease))
        {
            Interlocked.Decrement(ref _idleReaders);
            return lease;
        }
        return new ConnectionLease(await OpenReaderAsync(ct), GiveBack);
    }

    /// <summary>A connection for <see cref="RentReaderAsync"/>: the store's few reads by key, nothing else.</summary>
    protected virtual ValueTask<DbConnection> OpenReaderAsync(CancellationToken ct) => OpenAsync(ct);

    /// <summary>
    /// A connection was found dead: the idle ones, opened in the same era, are closed rather than handed out (and
    /// PostgreSQL's driver pool is cleared), so that the next reads and writes open new ones.
    /// </summary>
    public virtual void ConnectionsLost()
    {
        while (_readers.TryTake(out var lease))
        {
            Interlocked.Decrement(ref _idleReaders);
            lease.CloseAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    // A connection that failed (PostgreSQL marks it broken) or one too many is closed instead.
    private void GiveBack(ConnectionLease lease)
    {
        if (!Volatile.Read(ref _disposed) && lease.Connection.State == System.Data.ConnectionState.Open)
        {
            if (Interlocked.Increment(ref _idleReaders) <= MaxIdleReaders)
            {
                _readers.Add(lease);
                return;
            }
            Interlocked.Decrement(ref _idleReaders);
        }
        lease.CloseAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>A connection for writing (SQLite sets its durability pragmas there).</summary>
    public virtual ValueTask<DbConnection> OpenWriterAsync(CancellationToken ct) => OpenAsync(ct);

    /// <summary>
    /// Whether the database takes one writer at a time (SQLite): then the store queues its write sessions on one
    /// connection and commits them in groups (<see cref="GroupCommitWriter"/>) instead of letting them contend for the lock.
    /// </summary>
    public virtual bool SingleWriter => false;

    /// <summary>
    /// Concurrent reads of current versions go to the database together (<see cref="ReadCombiner"/>; PostgreSQL, where
    /// each statement is a round trip to another process). SQLite reads in this process, in parallel.
    /// </summary>
    public virtual bool CombinesReads => false;

    /// <summary>A write's statements go to the database as one batch (one round trip; PostgreSQL).</summary>
    public virtual bool WritesInOneBatch => false;

    /// <summary>
    /// Versions and index rows are written with PostgreSQL's statements (<see cref="SearchTables"/>,
    /// <c>SqlResourceStore.InsertNew</c>): the rows of many resources from typed arrays (<c>unnest</c>), and counts
    /// changed as appended deltas after locking the counted values, for writers that run concurrently. Otherwise rows
    /// go one statement each and counts change in place (one writer at a time).
    /// </summary>
    public virtual bool PostgresWriteStatements => false;

    /// <summary>Starts a transaction that takes the write lock up front where the database needs it (SQLite).</summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>A transaction for reads only: it must not take the write lock, so a reader never makes writers wait.</summary>
    public virtual async ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(ct);

    /// <summary>
    /// Run (with parameter <c>@key</c> = "type/id") before reading the version a write will follow, so that writers of one
    /// resource queue up instead of racing for the next version number; null when the transaction already excludes
    /// other writers (SQLite).
    /// </summary>
    public abstract string? LockResource { get; }

    /// <summary>
    /// <see cref="LockResource"/> for several resources at once (parameter <c>@keys</c>, "type/id" each), taken in
    /// ascending order of the lock key; null where <see cref="LockResource"/> is.
    /// </summary>
    public abstract string? LockResources { get; }

    /// <summary>
    /// Holds locks on <paramref name="keys"/> (<see cref="StoreKeyLocks.Keys"/>: distinct, ascending) that every process
    /// on this store respects, until the result is disposed.
    /// </summary>
    public abstract ValueTask<IAsyncDisposable> LockKeysAsync(long[] keys, CancellationToken ct);

    /// <summary>Schema migrations, in order; migration <c>i</c> brings the schema to version <c>i + 1</c>.</summary>
    public abstract IReadOnlyList<string> Migrations { get; }

    /// <summary>Taken inside the migration transaction so that two processes starting together migrate once.</summary>
    public abstract string? MigrationLock { get; }

    public abstract bool IsUniqueViolation(Exception e);

    /// <summary>
    /// An index hint after a table in a search probe, for where the planner, without statistics, would pick a worse
    /// index (SQLite's <c>INDEXED BY</c>); nothing where the planner chooses from statistics (PostgreSQL).
    /// </summary>
    public virtual string IndexHint(string index) => "";

    /// <summary>
    /// A column of a condition that must not choose the index (SQLite's unary <c>+</c>); the column itself on
    /// PostgreSQL, which chooses from statistics.
    /// </summary>
    public virtual string NotForIndex(string column) => column;

    /// <summary>
    /// Ends a probe's <c>EXISTS</c> subquery so that it runs per candidate and stops at its first row. PostgreSQL's
    /// planner turns an <c>EXISTS</c> into a semi-join, which it may run by hashing every row of the clause (all the
    /// Observations of a common code) before the first candidate; a subquery with an <c>OFFSET</c> is not pulled up.
    /// Nothing on SQLite, which runs an <c>EXISTS</c> per row anyway.
    /// </summary>
    public virtual string PerRowProbe => "";

    /// <summary>
    /// Run in the transaction that starts keeping a count of an index table's rows, so that no write to the table
    /// overlaps the count (PostgreSQL: the table in SHARE mode, which waits for the writes in progress and holds new
    /// ones until the count is stored); null where the write transaction already excludes other writers (SQLite).
    /// </summary>
    public virtual string? LockBeforeCount(string table) => null;

    /// <summary>
    /// Stops the statement running on <paramref name="connection"/> when <paramref name="ct"/> is cancelled (the client
    /// went away), until disposed. Nothing to do on PostgreSQL: Npgsql sends a cancel request itself for the token a
    /// command runs with.
    /// </summary>
    public virtual IDisposable CancelOnAbort(DbConnection connection, CancellationToken ct) => ct.Register(static () => { });

    /// <summary>Told after each commit of the group-commit writer (SQLite: schedules a checkpoint).</summary>
    public virtual void Committed()
    {
    }

    /// <summary>Run by the group-commit writer on its connection before it starts a transaction.</summary>
    public virtual ValueTask BeforeWriteTransactionAsync(DbConnection writer, CancellationToken ct) => ValueTask.CompletedTask;

    /// <summary>
    /// Whether the writer connection is still inside the transaction it began: a database may roll a transaction back
    /// by itself on some errors (SQLite: disk full, I/O error, out of memory).
    /// </summary>
    public virtual bool InTransaction(DbConnection writer) => true;

    public virtual async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        while (_readers.TryTake(out var lease)) await lease.CloseAsync();
    }
}

/// <summary>
/// SQLite, the embedded default: one file, WAL journal (readers never wait for the writer), <c>synchronous=NORMAL</c>
/// (a commit is durable once the WAL is checkpointed or the OS flushes it; a crash never leaves a partial
/// transaction, though the last commits before a power loss may be lost). Checkpoints (copying the WAL into the
/// database file, with its fsyncs) run in the background rather than in the commit that crosses SQLite's threshold,
/// where they would hold up every queued writer; see <see cref="Checkpointer"/>.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;
    private readonly Checkpointer _checkpointer;

    /// <summary>The default of <see cref="ServerSettings.SqliteWalLimitBytes"/>.</summary>
    public const long DefaultWalLimitBytes = 64L * 1024 * 1024;

    private readonly long _walLimitBytes;

    /// <param name="file">The database file.</param>
    /// <param name="walLimitBytes">How large the WAL may grow before the writer waits for readers to move off it (<see cref="ServerSettings.SqliteWalLimitBytes"/>).</param>
    public SqliteDialect(string file, long walLimitBytes = DefaultWalLimitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(walLimitBytes);
        _walLimitBytes = walLimitBytes;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        Location = Path.GetFullPath(file);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var wal = connection.CreateCommand();
        wal.CommandText = "PRAGMA journal_mode=WAL;";
        wal.ExecuteNonQuery();
        _checkpointer = new Checkpointer(this);
        _keyLocks = new FileKeyLocks(Location + "-locks");
    }

    public override string Kind => "sqlite";

    public override string Location { get; }

    public override bool SingleWriter => true;

    /// <summary>
    /// Readers read the file through a memory map (up to 2 GiB, the most SQLite's default build maps): a page then costs
    /// a memory access instead of a read call and a copy into the connection's own 2 MB cache, which at a million
    /// resources, where a search's B-tree pages are rarely in that small cache, is a fifth of a driven search
    /// (benchmarks/search/README.md). Writes still go through the WAL as before.
    /// </summary>
    private const long MmapBytes = 2L * 1024 * 1024 * 1024;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA mmap_size={MmapBytes};";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Microsoft.Data.Sqlite looks at the token only between steps of its own, not inside a statement SQLite is running
    /// (a sort over a million rows is one step); <c>sqlite3_interrupt</c> makes SQLite stop the running statement at its
    /// next opcode with SQLITE_INTERRUPT, and leaves the connection usable.
    /// </summary>
    public override IDisposable CancelOnAbort(DbConnection connection, CancellationToken ct) =>
        ct.Register(static c => SQLitePCL.raw.sqlite3_interrupt(((SqliteConnection)c!).Handle), connection);

    public override async ValueTask<DbConnection> OpenWriterAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        using var pragma = connection.CreateCommand();
        // A 64 MB page cache for the writer: the search indexes are B-trees keyed by uuids, touched all over on each write.
        // temp_store=MEMORY keeps the savepoints' sub-journals (GroupCommitWriter opens one per session, but for the
        // first of a transaction) in memory: by default SQLite spills them to a temporary file past 64 KiB, and a new
        // file per group costs more writes than the log itself.
        // journal_size_limit: a WAL that starts over is cut back to this size at its first commit (it is kept, not
        // deleted, so that the next writes reuse its space).
        pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0; " +
                             $"PRAGMA journal_size_limit={_walLimitBytes}; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    public override void Committed() => _checkpointer.Committed();

    public override bool InTransaction(DbConnection writer) =>
        ((SqliteConnection)writer).Handle is { } db && SQLitePCL.raw.sqlite3_get_autocommit(db) == 0;

    public override async ValueTask BeforeWriteTransactionAsync(DbConnection writer, CancellationToken ct)
    {
        if (_walBound.Restart((SqliteConnection)writer, _walLimitBytes)) return;
        if (!_checkpointer.TakeRestart()) return;
        await using var command = writer.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await command.ExecuteNonQueryAsync(ct);
    }

    private readonly WalBound _walBound = new();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _checkpointer.DisposeAsync();
        _keyLocks.Dispose();
    }

    /// <summary>
    /// Runs passive checkpoints on a connection of its own, a short while after commits: a passive checkpoint neither
    /// waits for nor blocks the writer and readers. (Writers turn SQLite's automatic checkpoint off; another process
    /// sharing the file keeps its own, which is harmless.) The WAL only starts over from its beginning when a write
    /// transaction begins with every frame checkpointed, which a writer that is never idle does not see; so once the
    /// WAL is long, the writer finishes the checkpoint itself between two transactions (the few frames written since
    /// the background pass), and its next transaction rewinds the WAL.
    /// </summary>
    private sealed class Checkpointer : IAsyncDisposable
    {
        private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(100);
        private const long RestartFrames = 4096;
        private readonly SqliteDialect _dialect;
        private readonly SemaphoreSlim _wake = new(0, 1);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _pending, _restart;

        public Checkpointer(SqliteDialect dialect)
        {
            _dialect = dialect;
            _loop = Task.Run(Loop);
        }

        public void Committed()
        {
            if (Interlocked.Exchange(ref _pending, 1) == 0) _wake.Release();
        }

        public bool TakeRestart() => Interlocked.Exchange(ref _restart, 0) == 1;

        private async Task Loop()
        {
            try
            {
                while (true)
                {
                    await _wake.WaitAsync(_stop.Token);
                    await Task.Delay(Delay, _stop.Token);
                    Interlocked.Exchange(ref _pending, 0);
                    await Checkpoint("PASSIVE");
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task Checkpoint(string mode)
        {
            try
            {
                await using var connection = await _dialect.OpenAsync(CancellationToken.None);
                await using var command = connection.CreateCommand();
                command.CommandText = $"PRAGMA wal_checkpoint({mode});";
                // One row: busy, frames in the WAL, frames checkpointed.
                await using var reader = await command.ExecuteReaderAsync();
                if (await reader.ReadAsync() && reader.GetInt64(1) >= RestartFrames) Interlocked.Exchange(ref _restart, 1);
            }
            catch (DbException)
            {
                // Busy or failing: the next commit schedules another try; nothing is lost meanwhile.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            if (Interlocked.Exchange(ref _pending, 0) == 1) await Checkpoint("PASSIVE");
        }
    }

    // BEGIN IMMEDIATE: take the write lock now rather than on the first write, so two writers never both read and
    // then both fail to upgrade (SQLITE_BUSY); the second waits (busy timeout) instead.
    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    // Deferred: Microsoft.Data.Sqlite's default BEGIN is IMMEDIATE, which would hold the database's one write lock for
    // the whole read (a batch's read entries made every writer wait).
    public override ValueTask<DbTransaction> BeginReadAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    public override string? LockResource => null;

    public override string? LockResources => null;

    public override string? MigrationLock => null;

    private readonly FileKeyLocks _keyLocks;

    public override ValueTask<IAsyncDisposable> LockKeysAsync(long[] keys, CancellationToken ct) => _keyLocks.TakeAsync(keys, ct);

    public override IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE resource (
            seq          INTEGER PRIMARY KEY,
            type         TEXT    NOT NULL,
            id           TEXT    NOT NULL,
            version      INTEGER NOT NULL,
            last_updated INTEGER NOT NULL,
            method       INTEGER NOT NULL,
            body         BLOB,
            UNIQUE (type, id, version)
        );
        CREATE INDEX resource_type_updated ON resource (type, last_updated);
        CREATE INDEX resource_updated ON resource (last_updated);
        """,
        SearchTables.Ddl(postgres: false),
        SearchTables.CompositeDdl(postgres: false),
        SearchTables.IdOrderDdl,
        SearchTables.DateHighDdl,
        SearchTables.CountDdl(postgres: false),
        SearchTables.SortDdl(postgres: false),
        SearchTables.SortOneDdl,
        UniqueIdentifierRows.Ddl,
        // Binary data kept apart from the body (BinaryBodies): its size on the version, its bytes by the version's seq.
        """
        ALTER TABLE resource ADD COLUMN content INTEGER;
        CREATE TABLE binary_content (seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
        """,
    ];

    public override string IndexHint(string index) => $" INDEXED BY {index}";

    public override string NotForIndex(string column) => "+" + column;

    public override bool IsUniqueViolation(Exception e) =>
        e is SqliteException { SqliteErrorCode: 19 };
}

/// <summary>
/// PostgreSQL for production: pooled connections, prepared statements, row locks for version numbers. The body is
/// kept as the exact bytes our writer produced (<c>bytea</c>), served as is; the view <c>resource_json</c> exposes it
/// as <c>jsonb</c> for ad-hoc SQL.
/// </summary>
public sealed class PostgresDialect : SqlDialect
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        // The store leaves no session state behind (its advisory locks end with their transaction; no SET, temporary
        // table or LISTEN), so a pooled connection needs no reset: without this, Npgsql sends a reset of several
        // statements (it cannot use DISCARD ALL, which would drop the prepared statements) ahead of each next use.
        builder.NoResetOnClose = true;
        // No parallel plans unless the connection string asks for them: a search page reads a few index rows, and
        // starting workers for it (a Gather Merge over an index walk) cost 20 ms where the walk took 1 ms, and more
        // under concurrent requests. Set as a startup option, so it is not session state either.
        if (builder.Options?.Contains("max_parallel_workers_per_gather", StringComparison.Ordinal) != true)
            builder.Options = ((builder.Options ?? "") + " -c max_parallel_workers_per_gather=0").Trim();
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        // The kept reader connections run the reads by key and nothing else, always with one plan. PostgreSQL plans a
        // prepared statement anew for each execution while that looks cheaper than its generic plan, and for the
        // reads of many keys at once (ReadCombiner) it always does: the generic plan assumes 10 keys in the arrays,
        // an execution's own plan the few there are and so looks cheaper, and each group was planned again (12 custom
        // plans of 12 executions in pg_prepared_statements). Their connections are a pool of their own, so that the
        // setting never reaches a search, whose plans depend on its values.
        builder.Options = builder.Options + " -c plan_cache_mode=force_generic_plan";
        _readerSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    private readonly NpgsqlDataSource _readerSource;

    protected override async ValueTask<DbConnection> OpenReaderAsync(CancellationToken ct) => await _readerSource.OpenConnectionAsync(ct);

    public override string Kind => "postgres";

    public override string Location { get; }

    public override bool WritesInOneBatch => true;

    public override bool PostgresWriteStatements => true;

    public override bool CombinesReads => true;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct);


    public override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(ct);

    // A transaction-scoped advisory lock on the resource's key: unlike FOR UPDATE on the latest row, it also covers
    // resources that do not exist yet (update as create), and the read that follows sees the previous writer's commit.
    public override string? LockResource => "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))";

    // The same keys as LockResource, each once, ascending: the aggregate takes the locks as it reads the sorted rows.
    public override string? LockResources =>
        "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT hashtextextended(key, 0) AS k FROM unnest(@keys::text[]) AS u(key) ORDER BY k) d";

    public override string? MigrationLock => "SELECT pg_advisory_xact_lock(4242424242)";

    private readonly SemaphoreSlim _keyLockHolders = new(PostgresKeyLocks.MaxHolders, PostgresKeyLocks.MaxHolders);

    public override ValueTask<IAsyncDisposable> LockKeysAsync(long[] keys, CancellationToken ct) => PostgresKeyLocks.TakeAsync(_dataSource, _keyLockHolders, keys, ct);

    public override IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE resource (
            seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            type         text     NOT NULL,
            id           text     NOT NULL,
            version      integer  NOT NULL,
            last_updated bigint   NOT NULL,
            method       smallint NOT NULL,
            body         bytea,
            UNIQUE (type, id, version)
        );
        CREATE INDEX resource_type_updated ON resource (type, last_updated);
        CREATE INDEX resource_updated ON resource (last_updated);
        CREATE VIEW resource_json AS
            SELECT seq, type, id, version, to_timestamp(last_updated / 1e6) AS last_updated, body IS NULL AS deleted,
                   convert_from(body, 'UTF8')::jsonb AS content
            FROM resource;
        """,
        SearchTables.Ddl(postgres: true),
        SearchTables.CompositeDdl(postgres: true),
        SearchTables.IdOrderDdl,
        SearchTables.DateHighDdl,
        SearchTables.CountDdl(postgres: true),
        SearchTables.SortDdl(postgres: true),
        SearchTables.SortOneDdl,
        UniqueIdentifierRows.Ddl,
        // Binary data kept apart from the body (BinaryBodies). EXTERNAL: out of line without compression, which
        // documents (PDF, images, already compressed) would only pay for.
        """
        ALTER TABLE resource ADD COLUMN content bigint;
        CREATE TABLE binary_content (seq bigint PRIMARY KEY, data bytea NOT NULL);
        ALTER TABLE binary_content ALTER COLUMN data SET STORAGE EXTERNAL;
        """,
    ];

    public override string PerRowProbe => " OFFSET 0";

    public override string? LockBeforeCount(string table) => $"LOCK TABLE {table} IN SHARE MODE";

    public override bool IsUniqueViolation(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override void ConnectionsLost()
    {
        base.ConnectionsLost();
        _dataSource.Clear();
        _readerSource.Clear();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _dataSource.DisposeAsync();
        await _readerSource.DisposeAsync();
    }
}
