using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace FhirServer.Storage;

/// <summary>
/// An open connection and the commands made on it, one per SQL text. When the connection is kept open between uses
/// (the kept readers of both stores, SQLite's writer), its commands stay prepared, and a statement is parsed once per
/// connection instead of once per request. Otherwise (PostgreSQL's sessions, on connections of the driver's
/// pool) the lease closes the connection and its commands when disposed.
/// </summary>
public sealed class ConnectionLease : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private readonly Action<ConnectionLease>? _release;

    /// <param name="connection">An open connection, owned by the lease from now on.</param>
    /// <param name="release">Takes the lease back when it is disposed (the connection stays open); null: disposing closes it.</param>
    public ConnectionLease(DbConnection connection, Action<ConnectionLease>? release = null)
    {
        Connection = connection;
        _release = release;
    }

    public DbConnection Connection { get; }

    private SqliteStatements? _sqlite;

    /// <summary>Statements run through the SQLite API on this connection, kept with it (SQLite only; null elsewhere).</summary>
    internal SqliteStatements? Sqlite => _sqlite ??= Connection is SqliteConnection sqlite ? new SqliteStatements(sqlite) : null;

    /// <summary>The command of this SQL text on the connection, in <paramref name="transaction"/>; bind with <see cref="Bind"/>.</summary>
    public DbCommand Command(string sql, DbTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }
        command.Transaction = transaction;
        return command;
    }

    private HashSet<DbCommand>? _prepared;

    /// <summary>
    /// Prepares a bound command once, when this lease keeps its connection: a prepared statement then serves every
    /// later request on it (on PostgreSQL the driver no longer parses the SQL text each time). A lease that closes its
    /// connection after one use would pay for the preparation (a round trip on PostgreSQL) for nothing.
    /// </summary>
    public async ValueTask PrepareOnceAsync(DbCommand command, CancellationToken ct)
    {
        if (_release is null || !(_prepared ??= []).Add(command)) return;
        await command.PrepareAsync(ct);
    }

    /// <summary>Sets a parameter of a command, adding it on first use.</summary>
    public static void Bind(DbCommand command, string name, object value)
    {
        var index = command.Parameters.IndexOf(name);
        if (index >= 0)
        {
            command.Parameters[index].Value = value;
            return;
        }
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    public ValueTask DisposeAsync()
    {
        if (_release is null) return CloseAsync();
        _release(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Disposes the commands and closes the connection.</summary>
    public async ValueTask CloseAsync()
    {
        _sqlite?.Dispose();
        _sqlite = null;
        foreach (var command in _commands.Values) await command.DisposeAsync();
        _commands.Clear();
        _prepared = null;
        await Connection.DisposeAsync();
    }
}
