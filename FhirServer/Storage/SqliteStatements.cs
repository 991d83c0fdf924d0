using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FhirServer.Storage;

/// <summary>
/// Statements of SQLite's writer connection, prepared once and then run through the SQLite API itself: bind by
/// position, step, reset. The writer is the one serial part of the SQLite store (every write of every client passes
/// through it in turn), and each resource it writes is a dozen small statements (the version, the current row, the
/// search index rows); through ADO.NET each of them looks its parameters up by name, boxes and rebinds them and
/// makes a data reader, which cost more than SQLite inserting the row. The SQL text is the same as on the other
/// paths; only the way it is executed differs. Used inside the transaction the ADO.NET connection opened.
/// </summary>
internal sealed class SqliteStatements(SqliteConnection connection) : IDisposable
{
    private sealed record Statement(sqlite3_stmt Handle, int[] Slots);

    private readonly Dictionary<string, Statement> _statements = new(StringComparer.Ordinal);

    /// <summary>Runs a statement that returns no row. <paramref name="names"/> are the parameters in the order of <paramref name="values"/>.</summary>
    public void Execute(string sql, string[] names, ReadOnlySpan<object?> values)
    {
        var statement = Prepare(sql, names);
        try
        {
            Bind(statement, values);
            var rc = raw.sqlite3_step(statement.Handle);
            if (rc is not raw.SQLITE_DONE and not raw.SQLITE_ROW) Fail(rc);
        }
        finally
        {
            raw.sqlite3_reset(statement.Handle);
        }
    }

    /// <summary>Runs a statement and returns the first column of its first row as an integer.</summary>
    public long ExecuteInt64(string sql, string[] names, ReadOnlySpan<object?> values)
    {
        var statement = Prepare(sql, names);
        try
        {
            Bind(statement, values);
            var rc = raw.sqlite3_step(statement.Handle);
            if (rc != raw.SQLITE_ROW) Fail(rc == raw.SQLITE_DONE ? raw.SQLITE_MISUSE : rc);
            return raw.sqlite3_column_int64(statement.Handle, 0);
        }
        finally
        {
            raw.sqlite3_reset(statement.Handle);
        }
    }

    /// <summary>Runs a query and returns the first column of its first row as text, or null when there is no row.</summary>
    public string? ExecuteText(string sql, string[] names, ReadOnlySpan<object?> values)
    {
        var statement = Prepare(sql, names);
        try
        {
            Bind(statement, values);
            var rc = raw.sqlite3_step(statement.Handle);
            if (rc == raw.SQLITE_DONE) return null;
            if (rc != raw.SQLITE_ROW) Fail(rc);
            return raw.sqlite3_column_text(statement.Handle, 0).utf8_to_string();
        }
        finally
        {
            raw.sqlite3_reset(statement.Handle);
        }
    }

    private static readonly string[] ContentNames = ["seq", "length"];

    /// <summary>
    /// Inserts a row of <paramref name="table"/> keyed by <paramref name="rowid"/> whose <paramref name="column"/> is
    /// <paramref name="bytes"/>, written through SQLite's incremental blob I/O: bound as a parameter, a document would be
    /// copied whole into SQLite's memory before being written; written into a zero-filled blob, it goes from the
    /// caller's buffer to the pages.
    /// </summary>
    public void WriteBlob(string table, string column, long rowid, ReadOnlySpan<byte> bytes)
    {
        Execute($"INSERT INTO {table} (seq, {column}) VALUES (@seq, zeroblob(@length))", ContentNames, [rowid, (long)bytes.Length]);
        if (bytes.Length == 0) return;
        var db = connection.Handle ?? throw new InvalidOperationException("The connection is closed.");
        var rc = raw.sqlite3_blob_open(db, "main", table, column, rowid, 1, out var blob);
        if (rc != raw.SQLITE_OK) Fail(rc);
        using (blob)
        {
            rc = raw.sqlite3_blob_write(blob, bytes, 0);
            if (rc != raw.SQLITE_OK) Fail(rc);
        }
    }

    private Statement Prepare(string sql, string[] names)
    {
        if (_statements.TryGetValue(sql, out var statement)) return statement;
        var db = connection.Handle ?? throw new InvalidOperationException("The connection is closed.");
        var rc = raw.sqlite3_prepare_v2(db, sql, out var handle);
        if (rc != raw.SQLITE_OK) Fail(rc);
        var slots = new int[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            slots[i] = raw.sqlite3_bind_parameter_index(handle, "@" + names[i]);
            if (slots[i] == 0)
            {
                handle.Dispose();
                throw new ArgumentException($"The statement has no parameter @{names[i]}: {sql}", nameof(names));
            }
        }
        statement = new Statement(handle, slots);
        _statements.Add(sql, statement);
        return statement;
    }

    private void Bind(Statement statement, ReadOnlySpan<object?> values)
    {
        var handle = statement.Handle;
        for (var i = 0; i < values.Length; i++)
        {
            var slot = statement.Slots[i];
            var rc = values[i] switch
            {
                null or DBNull => raw.sqlite3_bind_null(handle, slot),
                string s => raw.sqlite3_bind_text(handle, slot, s),
                long l => raw.sqlite3_bind_int64(handle, slot, l),
                int n => raw.sqlite3_bind_int64(handle, slot, n),
                short n => raw.sqlite3_bind_int64(handle, slot, n),
                bool b => raw.sqlite3_bind_int64(handle, slot, b ? 1 : 0),
                double d => raw.sqlite3_bind_double(handle, slot, d),
                byte[] bytes => raw.sqlite3_bind_blob(handle, slot, bytes),
                var other => throw new ArgumentException($"No SQLite binding for {other.GetType().Name}.", nameof(values)),
            };
            if (rc != raw.SQLITE_OK) Fail(rc);
        }
    }

    private void Fail(int rc)
    {
        var db = connection.Handle!;
        throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string() ?? $"SQLite error {rc}", rc, raw.sqlite3_extended_errcode(db));
    }

    /// <summary>Finalizes the statements (before the connection closes).</summary>
    public void Dispose()
    {
        foreach (var statement in _statements.Values) statement.Handle.Dispose();
        _statements.Clear();
    }
}
