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

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>Starts a transaction that takes the write lock up front where the database needs it (SQLite).</summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>
    /// Run (with parameter <c>@key</c> = "type/id") before reading the version a write will follow, so that writers of one
    /// resource queue up instead of racing for the next version number; null when the transaction already excludes
    /// other writers (SQLite).
    /// </summary>
    public abstract string? LockResource { get; }

    /// <summary>Schema migrations, in order; migration <c>i</c> brings the schema to version <c>i + 1</c>.</summary>
    public abstract IReadOnlyList<string> Migrations { get; }

    /// <summary>Taken inside the migration transaction so that two processes starting together migrate once.</summary>
    public abstract string? MigrationLock { get; }

    public abstract bool IsUniqueViolation(Exception e);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// SQLite, the embedded default: one file, WAL journal (readers never wait for the writer), <c>synchronous=NORMAL</c>
/// (a commit is durable once the WAL is checkpointed or the OS flushes it; a crash never leaves a partial
/// transaction, though the last commits before a power loss may be lost).
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string _connectionString;

    public SqliteDialect(string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
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
    }

    public override string Kind => "sqlite";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    // BEGIN IMMEDIATE: take the write lock now rather than on the first write, so two writers never both read and
    // then both fail to upgrade (SQLITE_BUSY); the second waits (busy timeout) instead.
    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override string? LockResource => null;

    public override string? MigrationLock => null;

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
    ];

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
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override string Kind => "postgres";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct);

    public override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(ct);

    // A transaction-scoped advisory lock on the resource's key: unlike FOR UPDATE on the latest row, it also covers
    // resources that do not exist yet (update as create), and the read that follows sees the previous writer's commit.
    public override string? LockResource => "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))";

    public override string? MigrationLock => "SELECT pg_advisory_xact_lock(4242424242)";

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
    ];

    public override bool IsUniqueViolation(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
