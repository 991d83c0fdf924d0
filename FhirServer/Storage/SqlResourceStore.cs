using System.Data.Common;
using FhirServer.Conformance.Search;

namespace FhirServer.Storage;

/// <summary>
/// The resource store on SQL: one table of versions keyed by (type, id, version), a global sequence for history
/// order, instants as microseconds since the Unix epoch (UTC). The same SQL runs on SQLite and PostgreSQL; the
/// <see cref="SqlDialect"/> holds the few differences.
/// </summary>
public sealed class SqlResourceStore(SqlDialect dialect) : IResourceStore
{
    // A Binary's data kept apart (BinaryBodies) is put back by the reads that answer resources: the size in `content`
    // says there is some, and only then is binary_content probed.
    private const string Columns = "seq, type, id, version, last_updated, method, body, content, " + DataOfResource + " AS data";
    private const string DataOfResource = "CASE WHEN resource.content IS NULL THEN NULL ELSE (SELECT b.data FROM binary_content b WHERE b.seq = resource.seq) END";

    /// <summary>The columns a version is read from (<see cref="Read"/>), on table alias <paramref name="alias"/>; <c>seq</c> first unless left to the caller.</summary>
    internal static string VersionColumns(string alias, bool seq = true) =>
        (seq ? $"{alias}.seq, " : "") + $"{alias}.type, {alias}.id, {alias}.version, {alias}.last_updated, {alias}.method, {alias}.body, {alias}.content, " +
        $"CASE WHEN {alias}.content IS NULL THEN NULL ELSE (SELECT b.data FROM binary_content b WHERE b.seq = {alias}.seq) END AS data";

    private const string StoredColumns = "seq, type, id, version, last_updated, method, body, content";
    private const string SelectCurrent = $"SELECT {Columns} FROM resource WHERE type = @type AND id = @id ORDER BY version DESC LIMIT 1";
    // One statement for many current reads (ReadCombiner; PostgreSQL): each key's latest version as SelectCurrent
    // finds it, the key's position last.
    private const string SelectManyCurrent =
        $"SELECT r.seq, r.type, r.id, r.version, r.last_updated, r.method, r.body, r.content, r.data, k.i FROM unnest(@types::text[], @ids::text[]) WITH ORDINALITY AS k(type, id, i) " +
        $"CROSS JOIN LATERAL (SELECT {Columns} FROM resource WHERE resource.type = k.type AND resource.id = k.id ORDER BY version DESC LIMIT 1) r";
    private const string SelectVersion = $"SELECT {Columns} FROM resource WHERE type = @type AND id = @id AND version = @version";
    private const string InsertVersion =
        "INSERT INTO resource (type, id, version, last_updated, method, body) VALUES (@type, @id, @version, @updated, @method, @body) RETURNING seq";
    private const string InsertVersionWithContent =
        "INSERT INTO resource (type, id, version, last_updated, method, body, content) VALUES (@type, @id, @version, @updated, @method, @body, @content) RETURNING seq";

    private const string UpsertCurrent =
        "INSERT INTO resource_current (type, id, version, seq, last_updated, deleted) VALUES (@type, @id, @version, @seq, @updated, @deleted) " +
        "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, seq = excluded.seq, last_updated = excluded.last_updated, deleted = excluded.deleted";

    private readonly GroupCommitWriter? _writer = dialect.SingleWriter ? new GroupCommitWriter(dialect) : null;

    private ReadCombiner? _reads;

    public string Kind => dialect.Kind;

    public bool SharesCommits => _writer is not null;

    /// <summary>The single writer's sessions, on SQLite (tests).</summary>
    internal GroupCommitWriter? Writer => _writer;

    public SqlDialect Dialect => dialect;

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var connection = await dialect.OpenWriterAsync(ct);
        await using var tx = await dialect.BeginWriteAsync(connection, ct);
        if (dialect.MigrationLock is { } takeLock) await Execute(connection, tx, takeLock, ct);
        await Execute(connection, tx, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)", ct);
        var current = 0;
        await using (var read = Command(connection, tx, "SELECT max(version) FROM schema_version"))
        {
            var value = await read.ExecuteScalarAsync(ct);
            if (value is not null and not DBNull) current = Convert.ToInt32(value);
        }
        if (current > dialect.Migrations.Count)
            throw new InvalidOperationException(
                $"The database schema is version {current}, newer than this server knows ({dialect.Migrations.Count}); upgrade the server.");
        for (var v = current; v < dialect.Migrations.Count; v++)
        {
            await Execute(connection, tx, dialect.Migrations[v], ct);
            await using var record = Command(connection, tx, "INSERT INTO schema_version (version) VALUES (@v)", ("v", v + 1));
            await record.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task<IStoreSession> BeginAsync(bool write, CancellationToken ct = default)
    {
        if (write && _writer is not null) return await _writer.BeginAsync(ct);
        var connection = new ConnectionLease(write ? await dialect.OpenWriterAsync(ct) : await dialect.OpenAsync(ct));
        try
        {
            var tx = write ? await dialect.BeginWriteAsync(connection.Connection, ct) : await dialect.BeginReadAsync(connection.Connection, ct);
            return new Session(this, connection, tx, write);
        }
        catch
        {
            await connection.CloseAsync();
            throw;
        }
    }

    public Task<StoredVersion?> ReadAsync(string type, string id, CancellationToken ct = default)
    {
        if (!dialect.CombinesReads) return ReadOne(type, id, ct);
        return (_reads ?? FirstReads()).ReadAsync(type, id, ct);
    }

    // Made on the first read: its functions are this store's methods, which a field initializer cannot name.
    private ReadCombiner FirstReads()
    {
        Interlocked.CompareExchange(ref _reads, new ReadCombiner(ReadMany, ReadOne), null);
        return _reads!;
    }

    private Task<StoredVersion?> ReadOne(string type, string id, CancellationToken ct) =>
        OnReader(connection => ReadCurrent(connection, null, type, id, ct), ct);

    private Task<StoredVersion?[]> ReadMany(IReadOnlyList<(string Type, string Id)> keys, CancellationToken ct) =>
        OnReader(async connection =>
        {
            var command = connection.Command(SelectManyCurrent, null);
            var types = new string[keys.Count];
            var ids = new string[keys.Count];
            for (var i = 0; i < keys.Count; i++) (types[i], ids[i]) = keys[i];
            ConnectionLease.Bind(command, "types", types);
            ConnectionLease.Bind(command, "ids", ids);
            await connection.PrepareOnceAsync(command, ct);
            var found = new StoredVersion?[keys.Count];
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) found[reader.GetInt64(9) - 1] = Read(reader);
            return found;
        }, ct);

    public Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) =>
        OnReader(connection => ReadVersion(connection, null, type, id, version, ct), ct);

    private const string SelectStoredCurrent = $"SELECT {StoredColumns} FROM resource WHERE type = @type AND id = @id ORDER BY version DESC LIMIT 1";
    private const string SelectStoredVersion = $"SELECT {StoredColumns} FROM resource WHERE type = @type AND id = @id AND version = @version";

    public Task<StoredVersion?> ReadStoredAsync(string type, string id, int? version, CancellationToken ct = default) =>
        OnReader(async connection =>
        {
            var command = connection.Command(version is null ? SelectStoredCurrent : SelectStoredVersion, null);
            ConnectionLease.Bind(command, "type", type);
            ConnectionLease.Bind(command, "id", id);
            if (version is { } v) ConnectionLease.Bind(command, "version", v);
            await connection.PrepareOnceAsync(command, ct);
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? Read(reader, withData: false) : null;
        }, ct);

    /// <summary>
    /// The bytes come from the database in pieces, on a connection of their own for as long as the copy lasts:
    /// SQLite's incremental blob I/O, PostgreSQL's sequential access to the column; neither holds the content whole.
    /// </summary>
    public async Task CopyContentAsync(long sequence, Stream destination, CancellationToken ct = default)
    {
        await using var connection = await dialect.OpenAsync(ct);
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            await using var blob = new Microsoft.Data.Sqlite.SqliteBlob(sqlite, "binary_content", "data", sequence, readOnly: true);
            await blob.CopyToAsync(destination, ContentChunkBytes, ct);
            return;
        }
        await using var command = Command(connection, null, "SELECT data FROM binary_content WHERE seq = @seq", ("seq", sequence));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"The content of version seq {sequence} is missing.");
        await using var data = reader.GetStream(0);
        await data.CopyToAsync(destination, ContentChunkBytes, ct);
    }

    // Pieces of a multiple of 3 bytes, so that a base64 encoder downstream has no remainder to carry between them.
    private const int ContentChunkBytes = 3 * 32 * 1024;

    /// <summary>
    /// A read on a kept reader connection (<see cref="SqlDialect.RentReaderAsync"/>). A kept connection can have died
    /// while it waited (the database restarted, an administrator ended the session): then the connections kept and
    /// pooled are dropped, and the read runs once more on a new one.
    /// </summary>
    private async Task<T> OnReader<T>(Func<ConnectionLease, Task<T>> read, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await dialect.RentReaderAsync(ct);
            try
            {
                return await read(connection);
            }
            catch (DbException) when (attempt == 1 && connection.Connection.State != System.Data.ConnectionState.Open && !ct.IsCancellationRequested)
            {
                // The others kept or pooled alongside it are likely gone too.
                dialect.ConnectionsLost();
            }
        }
    }

    public async Task<IReadOnlyList<StoredVersion>> HistoryAsync(HistoryQuery query, CancellationToken ct = default)
    {
        var where = new List<string>();
        var args = new List<(string, object)>();
        if (query.Type is not null) { where.Add("r.type = @type"); args.Add(("type", query.Type)); }
        if (query.Id is not null) { where.Add("r.id = @id"); args.Add(("id", query.Id)); }
        if (query.Since is { } since) { where.Add("r.last_updated >= @since"); args.Add(("since", Micros(since))); }
        if (query.Before is { } before) { where.Add("r.seq < @before"); args.Add(("before", before)); }
        if (query.AtLow is { } low && query.AtHigh is { } high)
        {
            // Current at some time in [low, high): written before high, and not replaced by a version written at or before low.
            where.Add("r.last_updated < @athigh AND NOT EXISTS (SELECT 1 FROM resource n WHERE n.type = r.type AND n.id = r.id AND n.version > r.version AND n.last_updated <= @atlow)");
            args.Add(("athigh", Micros(high)));
            args.Add(("atlow", Micros(low)));
        }
        args.Add(("limit", query.Count + 1));
        var sql = $"SELECT {VersionColumns("r")} FROM resource r" +
                  (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") +
                  " ORDER BY r.seq DESC LIMIT @limit";
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Command(connection, null, sql, [.. args]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var result = new List<StoredVersion>();
        long bytes = 0;
        // Rows come one at a time: once past the byte budget, the rest of the page is never read. The row past it says
        // there is a next page; a first row past it alone is the page (PageBytes.Fit), and the second says so.
        while ((bytes <= query.MaxBytes || result.Count < 2) && await reader.ReadAsync(ct))
        {
            var version = Read(reader);
            result.Add(version);
            bytes += PageBytes.Of(version);
        }
        return result;
    }

    public async IAsyncEnumerable<StoredVersion> CurrentOfTypesAsync(IReadOnlyCollection<string> types,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        if (types.Count == 0) yield break;
        var names = types.Select((t, i) => ("t" + i, (object)t)).ToArray();
        var sql = $"SELECT {VersionColumns("r")} FROM resource_current c JOIN resource r ON r.seq = c.seq " +
                  $"WHERE NOT c.deleted AND c.type IN ({string.Join(", ", names.Select(n => "@" + n.Item1))})";
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Command(connection, null, sql, names);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) yield return Read(reader);
    }

    public ValueTask<IAsyncDisposable> LockAsync(IReadOnlyCollection<string> names, CancellationToken ct = default) =>
        names.Count == 0 ? ValueTask.FromResult<IAsyncDisposable>(StoreKeyLocks.None.Instance) : dialect.LockKeysAsync(StoreKeyLocks.Keys(names), ct);

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            await using var connection = await dialect.OpenAsync(ct);
            await using var command = Command(connection, null, "SELECT 1");
            return Convert.ToInt32(await command.ExecuteScalarAsync(ct)) == 1;
        }
        catch (DbException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null) await _writer.DisposeAsync();
        await dialect.DisposeAsync();
    }

    internal static async Task<StoredVersion?> ReadCurrent(ConnectionLease connection, DbTransaction? tx, string type, string id, CancellationToken ct)
    {
        var command = connection.Command(SelectCurrent, tx);
        ConnectionLease.Bind(command, "type", type);
        ConnectionLease.Bind(command, "id", id);
        await connection.PrepareOnceAsync(command, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    internal static async Task<StoredVersion?> ReadVersion(ConnectionLease connection, DbTransaction? tx, string type, string id, int version, CancellationToken ct)
    {
        var command = connection.Command(SelectVersion, tx);
        ConnectionLease.Bind(command, "type", type);
        ConnectionLease.Bind(command, "id", id);
        ConnectionLease.Bind(command, "version", version);
        await connection.PrepareOnceAsync(command, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static readonly string SelectReferencing =
        $"SELECT {VersionColumns("r")} FROM search_reference s " +
        "JOIN resource_current c ON c.type = s.type AND c.id = s.id JOIN resource r ON r.seq = c.seq " +
        "WHERE s.type = @type AND s.param = @param AND s.target_id = @tid AND s.target_type = @ttype AND NOT c.deleted";

    internal static async Task<IReadOnlyList<StoredVersion>> Referencing(ConnectionLease connection, DbTransaction? tx, string type, string param,
        string targetType, string targetId, CancellationToken ct)
    {
        var command = connection.Command(SelectReferencing, tx);
        ConnectionLease.Bind(command, "type", type);
        ConnectionLease.Bind(command, "param", param);
        ConnectionLease.Bind(command, "tid", targetId);
        ConnectionLease.Bind(command, "ttype", targetType);
        await connection.PrepareOnceAsync(command, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new List<StoredVersion>();
        // One row per reference: a resource pointing twice through the parameter comes once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
            if (seen.Add(reader.GetString(2))) found.Add(Read(reader));
        return found;
    }

    /// <summary>
    /// A version from <see cref="VersionColumns"/> (<paramref name="withData"/>: the body with a Binary's data put
    /// back) or <see cref="StoredColumns"/> (the body as stored, and the size of the data kept apart).
    /// </summary>
    internal static StoredVersion Read(DbDataReader reader, bool withData = true)
    {
        var body = reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6);
        long? content = reader.IsDBNull(7) ? null : reader.GetInt64(7);
        if (withData && content is not null && body is not null && !reader.IsDBNull(8))
        {
            body = BinaryBodies.Splice(body, reader.GetFieldValue<byte[]>(8));
            content = null;
        }
        return new(reader.GetString(1), reader.GetString(2), reader.GetInt32(3), FromMicros(reader.GetInt64(4)),
            (VersionMethod)reader.GetInt32(5), body)
        {
            Sequence = reader.GetInt64(0),
            ContentLength = content,
        };
    }

    internal static long Micros(DateTimeOffset instant) => (instant.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    internal static DateTimeOffset FromMicros(long micros) => new(DateTime.UnixEpoch.Ticks + micros * 10, TimeSpan.Zero);

    internal static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        return command;
    }

    /// <summary>
    /// Adds a version, makes it current, and replaces the resource's search index rows, in the caller's transaction.
    /// </summary>
    internal static async Task Insert(SqlDialect dialect, ConnectionLease connection, DbTransaction tx, StoredVersion version,
        IReadOnlyList<IndexEntry>? index, CancellationToken ct)
    {
        if (dialect.SingleWriter && connection.Sqlite is { } sqlite)
        {
            InsertWithSqlite(dialect, sqlite, version, index);
            return;
        }
        if (!dialect.WritesInOneBatch || !connection.Connection.CanCreateBatch)
            throw new NotSupportedException($"The {dialect.Kind} store has no write path (neither a single writer nor batches).");
        await InsertInOneBatch(dialect, connection.Connection, tx, version, index, ct);
    }

    // PostgreSQL: the version and the current row in one statement (a data-modifying WITH, which SQLite lacks).
    private const string InsertVersionAndCurrent =
        "WITH v AS (INSERT INTO resource (type, id, version, last_updated, method, body) VALUES (@type, @id, @version, @updated, @method, @body) RETURNING seq) " +
        "INSERT INTO resource_current (type, id, version, seq, last_updated, deleted) SELECT @type, @id, @version, v.seq, @updated, @deleted FROM v " +
        "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, seq = excluded.seq, last_updated = excluded.last_updated, deleted = excluded.deleted " +
        "RETURNING seq";

    private const string InsertVersionAndCurrentWithContent =
        "WITH v AS (INSERT INTO resource (type, id, version, last_updated, method, body, content) VALUES (@type, @id, @version, @updated, @method, @body, @content) RETURNING seq) " +
        "INSERT INTO resource_current (type, id, version, seq, last_updated, deleted) SELECT @type, @id, @version, v.seq, @updated, @deleted FROM v " +
        "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, seq = excluded.seq, last_updated = excluded.last_updated, deleted = excluded.deleted " +
        "RETURNING seq";

    // The data goes to the server from the caller's buffer (Npgsql writes a ReadOnlyMemory<byte> as bytea as it is).
    private const string InsertContentOfVersion =
        "INSERT INTO binary_content (seq, data) SELECT seq, @data FROM resource WHERE type = @type AND id = @id AND version = @version";

    /// <summary>
    /// The whole write of a version in one round trip (PostgreSQL): the version and its current row, the removal of the
    /// previous version's index rows, the new rows. Each statement is a round trip otherwise, and a write is five to ten
    /// of them, each costing more than the statement itself.
    /// </summary>
    private static async Task InsertInOneBatch(SqlDialect dialect, DbConnection connection, DbTransaction tx, StoredVersion version,
        IReadOnlyList<IndexEntry>? index, CancellationToken ct)
    {
        await using var batch = connection.CreateBatch();
        batch.Transaction = tx;
        batch.BatchCommands.Add(SearchTables.BatchCommand(batch, version.Content is null ? InsertVersionAndCurrent : InsertVersionAndCurrentWithContent,
        [
            ("type", version.Type), ("id", version.Id), ("version", version.Version), ("updated", Micros(version.LastUpdated)),
            ("method", (short)version.Method), ("body", version.Body), ("deleted", version.Deleted),
            .. version.Content is { } data ? [("content", (object?)(long)data.Length)] : Array.Empty<(string, object?)>(),
        ]));
        if (version.Content is { } content)
            batch.BatchCommands.Add(SearchTables.BatchCommand(batch, InsertContentOfVersion,
                [("type", version.Type), ("id", version.Id), ("version", version.Version), ("data", content)]));
        var postgres = dialect.PostgresWriteStatements;
        if (version.Version > 1) SearchTables.AddDeletes(batch, postgres, version.Type, version.Id);
        if (!version.Deleted && index is { Count: > 0 }) SearchTables.AddInserts(batch, postgres, version.Type, version.Id, index);
        (StoredVersion, IReadOnlyList<IndexEntry>?)[] write = [(version, index)];
        await UniqueIdentifierRows.CheckAsync(connection, tx, write, ct);
        UniqueIdentifierRows.AddWrites(batch, write);
        await ExecuteWrite(dialect, batch, version, ct);
    }

    /// <summary>Runs a write batch; a version that exists already (a unique violation) is a conflict on <paramref name="version"/>.</summary>
    private static async Task ExecuteWrite(SqlDialect dialect, DbBatch batch, StoredVersion version, CancellationToken ct)
    {
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new VersionConflictException(version.Type, version.Id, version.Version, e);
        }
    }

    // PostgreSQL: the first versions of several new resources and their current rows, from arrays (InsertNew).
    private const string InsertNewVersions =
        "WITH v AS (INSERT INTO resource (type, id, version, last_updated, method, body) " +
        "SELECT * FROM unnest(@type::text[], @id::text[], @version::integer[], @updated::bigint[], @method::smallint[], @body::bytea[]) " +
        "RETURNING seq, type, id, version, last_updated) " +
        "INSERT INTO resource_current (type, id, version, seq, last_updated, deleted) SELECT type, id, version, seq, last_updated, false FROM v " +
        "ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, seq = excluded.seq, last_updated = excluded.last_updated, deleted = excluded.deleted";

    /// <summary>
    /// Adds the first versions of new resources (ids no version has, such as server-assigned ones) with their index
    /// rows, in the caller's transaction. PostgreSQL: one round trip and one statement per table for all of them, where
    /// <see cref="Insert"/> one at a time costs a round trip and some six statements each. SQLite: one at a time, which
    /// on its in-process writer costs no round trip.
    /// </summary>
    internal static async Task InsertNew(SqlDialect dialect, ConnectionLease connection, DbTransaction tx,
        IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> creates, CancellationToken ct)
    {
        if (creates.Any(c => c.Version.Version != 1 || c.Version.Deleted))
            throw new ArgumentException("Only first versions of new resources can be inserted together.", nameof(creates));
        if (creates.Count == 0) return;
        // A Binary with its data kept apart goes on its own: arrays of documents would be one message of all of them.
        if (!dialect.PostgresWriteStatements || creates.Count == 1 || !connection.Connection.CanCreateBatch || creates.Any(c => c.Version.Content is not null))
        {
            foreach (var (version, index) in creates) await Insert(dialect, connection, tx, version, index, ct);
            return;
        }
        await using var batch = connection.Connection.CreateBatch();
        batch.Transaction = tx;
        batch.BatchCommands.Add(SearchTables.BatchCommand(batch, InsertNewVersions,
        [
            ("type", creates.Select(c => c.Version.Type).ToArray()), ("id", creates.Select(c => c.Version.Id).ToArray()),
            ("version", creates.Select(c => c.Version.Version).ToArray()), ("updated", creates.Select(c => Micros(c.Version.LastUpdated)).ToArray()),
            ("method", creates.Select(c => (short)c.Version.Method).ToArray()), ("body", creates.Select(c => c.Version.Body!).ToArray()),
        ]));
        var indexed = creates.Where(c => c.Index is { Count: > 0 }).Select(c => (c.Version.Type, c.Version.Id, c.Index!)).ToList();
        if (indexed.Count > 0) SearchTables.AddInserts(batch, indexed);
        await UniqueIdentifierRows.CheckAsync(connection.Connection, tx, creates, ct);
        UniqueIdentifierRows.AddWrites(batch, creates);
        await ExecuteWrite(dialect, batch, creates[0].Version, ct);
    }

    private static readonly string[] InsertVersionNames = ["type", "id", "version", "updated", "method", "body"];
    private static readonly string[] InsertVersionWithContentNames = ["type", "id", "version", "updated", "method", "body", "content"];
    private static readonly string[] UpsertCurrentNames = ["type", "id", "version", "seq", "updated", "deleted"];

    // Insert on SQLite's writer connection: the same statements, run through the SQLite API (SqliteStatements).
    private static void InsertWithSqlite(SqlDialect dialect, SqliteStatements sqlite, StoredVersion version, IReadOnlyList<IndexEntry>? index)
    {
        var updated = Micros(version.LastUpdated);
        long seq;
        try
        {
            seq = version.Content is { } data
                ? sqlite.ExecuteInt64(InsertVersionWithContent, InsertVersionWithContentNames,
                    [version.Type, version.Id, version.Version, updated, (short)version.Method, version.Body, (long)data.Length])
                : sqlite.ExecuteInt64(InsertVersion, InsertVersionNames,
                    [version.Type, version.Id, version.Version, updated, (short)version.Method, version.Body]);
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new VersionConflictException(version.Type, version.Id, version.Version, e);
        }
        if (version.Content is { } content) sqlite.WriteBlob("binary_content", "data", seq, content.Span);
        sqlite.Execute(UpsertCurrent, UpsertCurrentNames, [version.Type, version.Id, version.Version, seq, updated, version.Deleted]);
        if (version.Version > 1) SearchTables.Delete(sqlite, version.Type, version.Id);
        if (!version.Deleted && index is { Count: > 0 }) SearchTables.Insert(sqlite, version.Type, version.Id, index);
        try
        {
            UniqueIdentifierRows.Write(sqlite, version, index);
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            throw new VersionConflictException(version.Type, version.Id, version.Version, e);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> inside a savepoint, through <paramref name="execute"/> (which runs a statement on the
    /// session's connection): a failure rolls back to it and releases it, then passes on. One name serves for all,
    /// since ROLLBACK TO and RELEASE act on the latest savepoint of that name.
    /// </summary>
    internal static async Task InSavepoint(Func<string, Task> execute, Func<Task> work)
    {
        await execute("SAVEPOINT part");
        try
        {
            await work();
        }
        catch
        {
            await execute("ROLLBACK TO SAVEPOINT part");
            await execute("RELEASE SAVEPOINT part");
            throw;
        }
        await execute("RELEASE SAVEPOINT part");
    }

    private static async Task Execute(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = Command(connection, tx, sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    private sealed class Session(SqlResourceStore store, ConnectionLease connection, DbTransaction tx, bool write) : IStoreSession
    {
        private bool _done;

        public async Task<StoredVersion?> ReadCurrentAsync(string type, string id, CancellationToken ct = default)
        {
            if (!write || store.Dialect.LockResource is not { } sql) return await ReadCurrent(connection, tx, type, id, ct);
            // The lock and the read in one round trip.
            var command = connection.Command(sql + "; " + SelectCurrent, tx);
            ConnectionLease.Bind(command, "key", type + "/" + id);
            ConnectionLease.Bind(command, "type", type);
            ConnectionLease.Bind(command, "id", id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.NextResultAsync(ct);
            return await reader.ReadAsync(ct) ? Read(reader) : null;
        }

        public async Task<IReadOnlyList<StoredVersion?>> ReadCurrentAsync(IReadOnlyList<(string Type, string Id)> resources, CancellationToken ct = default)
        {
            var found = new StoredVersion?[resources.Count];
            if (!store.Dialect.CombinesReads || resources.Count == 0)
            {
                for (var i = 0; i < found.Length; i++) found[i] = await ReadCurrentAsync(resources[i].Type, resources[i].Id, ct);
                return found;
            }
            // The locks (in the one order, as LockResourcesAsync takes them) and the reads in one round trip.
            var command = connection.Command(write && store.Dialect.LockResources is { } locks ? locks + "; " + SelectManyCurrent : SelectManyCurrent, tx);
            if (write && store.Dialect.LockResources is not null)
                ConnectionLease.Bind(command, "keys", resources.Select(r => r.Type + "/" + r.Id).ToArray());
            ConnectionLease.Bind(command, "types", resources.Select(r => r.Type).ToArray());
            ConnectionLease.Bind(command, "ids", resources.Select(r => r.Id).ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (write && store.Dialect.LockResources is not null) await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) found[reader.GetInt64(9) - 1] = Read(reader);
            return found;
        }

        public async Task LockResourcesAsync(IReadOnlyCollection<(string Type, string Id)> resources, CancellationToken ct = default)
        {
            if (!write) throw new InvalidOperationException("This session was opened for reading.");
            if (resources.Count == 0 || store.Dialect.LockResources is not { } sql) return;
            var command = connection.Command(sql, tx);
            ConnectionLease.Bind(command, "keys", resources.Select(r => r.Type + "/" + r.Id).ToArray());
            await command.ExecuteScalarAsync(ct);
        }

        public Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) =>
            ReadVersion(connection, tx, type, id, version, ct);

        public Task<IReadOnlyList<StoredVersion>> ReferencingAsync(string type, string param, string targetType, string targetId, CancellationToken ct = default) =>
            Referencing(connection, tx, type, param, targetType, targetId, ct);

        public Task InsertAsync(StoredVersion version, IReadOnlyList<IndexEntry>? index = null, CancellationToken ct = default) =>
            write ? Insert(store.Dialect, connection, tx, version, index, ct) : throw new InvalidOperationException("This session was opened for reading.");

        public Task InsertNewAsync(IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> creates, CancellationToken ct = default) =>
            write ? InsertNew(store.Dialect, connection, tx, creates, ct) : throw new InvalidOperationException("This session was opened for reading.");

        public Task InPartAsync(Func<Task> work, CancellationToken ct = default) =>
            write ? InSavepoint(sql => connection.Command(sql, tx).ExecuteNonQueryAsync(ct), work) : throw new InvalidOperationException("This session was opened for reading.");

        public async Task CommitAsync(CancellationToken ct = default)
        {
            await tx.CommitAsync(ct);
            _done = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_done)
            {
                try { await tx.RollbackAsync(); }
                catch (DbException) { /* the connection is gone; the database rolls back on its own */ }
                catch (InvalidOperationException) { /* already completed */ }
            }
            await tx.DisposeAsync();
            await connection.CloseAsync();
        }
    }
}
