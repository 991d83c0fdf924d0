using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpenIddict.EntityFrameworkCore.Models;

namespace FhirServer.Smart;

/// <summary>
/// Writes the token store's new entries (OpenIddict's <c>OpenIddictTokens</c> rows) in groups: each request hands its
/// entry to one writer and waits until the transaction holding it has committed, so the entry exists before the token
/// is sent (introspection and revocation rest on it) and is as durable as an entry written by Entity Framework Core.
/// The requests that arrive while a group is being written form the next group: one prepared INSERT per entry, one
/// commit per group, on the writer's own connection. This replaced Entity Framework Core's <c>SaveChanges</c> of each
/// entry (change tracking, a command built each time, a pooled connection taken and a commit per token), which was
/// about 40 % of the token endpoint's time (docs/authorization.md, "Cost").
/// <para>A group that fails is written again entry by entry, so an entry that cannot be written fails its own
/// request only. The queue is bounded: past <see cref="Capacity"/> waiting entries, requests wait for room.</para>
/// </summary>
public sealed class TokenEntryWriter : IAsyncDisposable
{
    public const int Capacity = 4096;
    private const int MaxGroup = 256;

    // The columns of OpenIddict's token entity (OpenIddict.EntityFrameworkCore 7.9), in this order; checked against the
    // Entity Framework model at first use (Columns), so that a change of the entity falls back to SaveChanges.
    private static readonly string[] ColumnNames =
    [
        "Id", "ApplicationId", "AuthorizationId", "ConcurrencyToken", "CreationDate", "ExpirationDate", "Payload", "Properties",
        "RedemptionDate", "ReferenceId", "Status", "Subject", "Type",
    ];

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly ILogger<TokenEntryWriter> _logger;
    private readonly Lock _gate = new();
    private Task? _loop;
    private Target? _target;
    private DbConnection? _connection;
    private DbCommand? _insert;

    public TokenEntryWriter(ILogger<TokenEntryWriter> logger) => _logger = logger;

    private sealed record Target(string ConnectionString, bool Npgsql, string Sql);

    private sealed record Pending(object?[] Values, TaskCompletionSource Done);

    /// <summary>
    /// Writes <paramref name="token"/>'s row and returns once it is committed; false when this writer cannot write for
    /// <paramref name="context"/>'s model (the caller then uses <c>SaveChanges</c>).
    /// </summary>
    public async ValueTask<bool> WriteAsync(DbContext context, OpenIddictEntityFrameworkCoreToken token, CancellationToken ct)
    {
        if (!Ready(context)) return false;
        token.Id ??= Guid.NewGuid().ToString();
        var pending = new Pending(
        [
            token.Id, token.Application?.Id, token.Authorization?.Id, token.ConcurrencyToken, token.CreationDate, token.ExpirationDate,
            token.Payload, token.Properties, token.RedemptionDate, token.ReferenceId, token.Status, token.Subject, token.Type,
        ], new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct);
        // Not cancelled once queued: the entry may be committed with the group, and the caller then knows it was.
        await pending.Done.Task;
        return true;
    }

    private bool Ready(DbContext context)
    {
        if (_loop is not null) return _target is not null;
        lock (_gate)
        {
            if (_loop is not null) return _target is not null;
            _target = Describe(context);
            if (_target is null) _logger.LogWarning("The token entity's columns are not the expected ones: token entries written by Entity Framework Core");
            _loop = _target is null ? Task.CompletedTask : Task.Run(RunAsync);
            return _target is not null;
        }
    }

    private static Target? Describe(DbContext context)
    {
        var entity = context.Model.FindEntityType(typeof(OpenIddictEntityFrameworkCoreToken));
        if (entity?.GetTableName() is not { } table || context.Database.GetConnectionString() is not { } connectionString) return null;
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, entity.GetSchema());
        var columns = entity.GetProperties().Select(p => p.GetColumnName(store)).ToHashSet(StringComparer.Ordinal);
        if (!columns.SetEquals(ColumnNames)) return null;
        var npgsql = context.Database.IsNpgsql();
        if (!npgsql && !context.Database.IsSqlite()) return null;
        var name = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{table}\"" : $"\"{table}\"";
        var sql = $"INSERT INTO {name} ({string.Join(", ", ColumnNames.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", ColumnNames.Select((_, i) => "@p" + i))})";
        return new Target(connectionString, npgsql, sql);
    }

    private async Task RunAsync()
    {
        var group = new List<Pending>(MaxGroup);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && reader.TryRead(out var next)) group.Add(next);
            try
            {
                await InsertAsync(group);
                foreach (var p in group) p.Done.TrySetResult();
            }
            catch (Exception e) when (group.Count > 1)
            {
                _logger.LogWarning(e, "A group of {Count} token entries failed; written one by one", group.Count);
                foreach (var p in group)
                {
                    try
                    {
                        await InsertAsync([p]);
                        p.Done.TrySetResult();
                    }
                    catch (Exception one)
                    {
                        p.Done.TrySetException(one);
                    }
                }
            }
            catch (Exception e)
            {
                group[0].Done.TrySetException(e);
            }
        }
    }

    private async Task InsertAsync(IReadOnlyList<Pending> group)
    {
        try
        {
            var insert = await CommandAsync();
            await using var transaction = await _connection!.BeginTransactionAsync();
            insert.Transaction = transaction;
            foreach (var p in group)
            {
                for (var i = 0; i < p.Values.Length; i++) insert.Parameters[i].Value = p.Values[i] ?? DBNull.Value;
                await insert.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
        }
        catch
        {
            // A connection in an unknown state is not used again.
            await CloseAsync();
            throw;
        }
    }

    private async Task<DbCommand> CommandAsync()
    {
        if (_insert is not null) return _insert;
        var target = _target!;
        _connection = target.Npgsql ? new NpgsqlConnection(target.ConnectionString) : new SqliteConnection(target.ConnectionString);
        await _connection.OpenAsync();
        if (!target.Npgsql)
        {
            await using var pragma = _connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous=NORMAL;"; // as every connection to smart.db (SmartSqlite)
            await pragma.ExecuteNonQueryAsync();
        }
        var insert = _connection.CreateCommand();
        insert.CommandText = target.Sql;
        for (var i = 0; i < ColumnNames.Length; i++)
        {
            // Dates as Entity Framework Core writes them: TEXT (yyyy-MM-dd HH:mm:ss.FFFFFFF) in SQLite, timestamptz in PostgreSQL.
            var date = ColumnNames[i].EndsWith("Date", StringComparison.Ordinal);
            insert.Parameters.Add(target.Npgsql
                ? new NpgsqlParameter("p" + i, date ? NpgsqlTypes.NpgsqlDbType.TimestampTz : NpgsqlTypes.NpgsqlDbType.Text)
                : new SqliteParameter("@p" + i, SqliteType.Text));
        }
        await insert.PrepareAsync();
        return _insert = insert;
    }

    private async Task CloseAsync()
    {
        if (_insert is not null) await _insert.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        (_insert, _connection) = (null, null);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null) await _loop;
        await CloseAsync();
    }
}
