using FhirServer.Conformance.Search;
using System.Data.Common;

namespace FhirServer.Storage;

/// <summary>
/// Write sessions for a database that takes one writer at a time (SQLite). Instead of a connection and a transaction
/// each, contending for the database's write lock (where the loser of a race sleeps and retries), write sessions
/// queue for one writer connection. Consecutive sessions share its transaction, each its own all-or-nothing unit:
/// the first as the transaction itself (if it fails, nothing else is in it yet, and it is rolled back), each next one
/// inside a savepoint. The transaction commits when no session is waiting any more, or after
/// <see cref="MaxGroup"/> sessions: one commit, and one append of the touched pages to the log, for many small writes
/// (group commit). <see cref="IStoreSession.CommitAsync"/> returns only when the shared commit is done, so a
/// session's writes are durable and visible to readers when it returns, as with a transaction of its own; if the
/// shared commit fails, every session of the group gets the error.
/// </summary>
internal sealed class GroupCommitWriter(SqlDialect dialect) : IAsyncDisposable
{
    /// <summary>Sessions that share one commit at most; bounds the wait of the group's first session.</summary>
    public const int MaxGroup = 64;

    private const string Save = "SAVEPOINT session", Release = "RELEASE SAVEPOINT session", Undo = "ROLLBACK TO SAVEPOINT session";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _queued; // sessions waiting for the gate or holding it
    private ConnectionLease? _connection;
    private DbTransaction? _transaction;
    private Group? _group;

    /// <summary>The sessions of one transaction; completes when it commits or fails.</summary>
    private sealed class Group
    {
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Members;
    }

    public async Task<IStoreSession> BeginAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _queued);
        // Not cancellable: every session counted in _queued takes the gate once and ends through Finish, so that the
        // last one of a group is always there to commit it.
        await _gate.WaitAsync(CancellationToken.None);
        var savepoint = false;
        try
        {
            _connection ??= new ConnectionLease(await dialect.OpenWriterAsync(ct));
            var first = _transaction is null;
            if (first)
            {
                await dialect.BeforeWriteTransactionAsync(_connection.Connection, ct);
                _transaction = await dialect.BeginWriteAsync(_connection.Connection, ct);
                _group = new Group();
            }
            // The first session of a transaction has nothing before it to protect: if it fails, the transaction is
            // rolled back whole. Its writes then need no copy in a savepoint's journal of each page they touch, which
            // under single creates (one session a transaction, CreateCombiner) was some 45 pages a commit. Interleaved
            // A/B of POST, 10 clients: medians 4,857 → 5,357 and 4,768 → 5,493 creates/s (6 rounds each, 10 won).
            if (!first)
            {
                await Execute(Save, ct);
                savepoint = true;
            }
            return new Session(this, _connection, _transaction!, savepoint);
        }
        catch
        {
            await Finish(savepoint, keep: false);
            throw;
        }
    }

    /// <summary>
    /// Ends the session that holds the gate: keeps or undoes its savepoint (without one, the first session of the
    /// transaction: keeps it or rolls it back), commits the group when it is the last, and passes the gate on.
    /// Returns what a kept session waits for: the group's commit.
    /// </summary>
    private async Task<Task?> Finish(bool savepoint, bool keep)
    {
        Exception? failure = null;
        Task? commit = null;
        if (!savepoint && _group is { Members: 0 } && _transaction is not null)
        {
            if (keep)
            {
                _group.Members++;
                commit = _group.Done.Task;
                // With no savepoint of its own to release, see whether the transaction is still there: had the
                // database rolled it back (disk full…), the next session's savepoint would begin another transaction,
                // and that session would fail at the commit with this one's lost writes instead of in one of its own.
                if (!dialect.InTransaction(_connection!.Connection))
                    failure = new InvalidOperationException("The database rolled back the write transaction.");
            }
            else
            {
                // Nothing of another session is in the transaction: undo it whole, and the next session begins anew.
                await RollBack();
            }
        }
        else if (savepoint)
        {
            try
            {
                if (keep)
                {
                    await Execute(Release, CancellationToken.None);
                    _group!.Members++;
                    commit = _group.Done.Task;
                }
                else
                {
                    await Execute(Undo, CancellationToken.None);
                    await Execute(Release, CancellationToken.None);
                }
            }
            catch (Exception e)
            {
                // The savepoint is gone: the database gave up the whole transaction (I/O error, disk full…).
                failure = e;
            }
        }
        var last = Interlocked.Decrement(ref _queued) == 0 || _group?.Members >= MaxGroup || failure is not null;
        try
        {
            if (last && _transaction is not null) await Complete(failure);
        }
        finally
        {
            _gate.Release();
        }
        return commit;
    }

    private static readonly string[] NoParameters = [];

    // Savepoints and their release run on every session: through the SQLite API when the store is SQLite.
    internal Task Execute(string sql, CancellationToken ct)
    {
        if (_connection!.Sqlite is not { } sqlite) return _connection.Command(sql, _transaction).ExecuteNonQueryAsync(ct);
        sqlite.Execute(sql, NoParameters, []);
        return Task.CompletedTask;
    }

    /// <summary>Rolls back the transaction of a first session that was not kept; on a connection that fails, closes it for the next.</summary>
    private async Task RollBack()
    {
        var transaction = _transaction!;
        _transaction = null;
        _group = null;
        var broken = false;
        try
        {
            await transaction.RollbackAsync();
        }
        catch (Exception)
        {
            broken = true;
        }
        await transaction.DisposeAsync();
        if (!broken) return;
        await _connection!.CloseAsync();
        _connection = null;
    }

    private async Task Complete(Exception? failure)
    {
        var (transaction, group) = (_transaction!, _group!);
        _transaction = null;
        _group = null;
        try
        {
            if (failure is null)
            {
                await transaction.CommitAsync();
                dialect.Committed();
                group.Done.SetResult();
                return;
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            if (failure is null) await transaction.DisposeAsync();
        }
        try { await transaction.RollbackAsync(); }
        catch (Exception) { /* already rolled back by the database */ }
        await transaction.DisposeAsync();
        // Start the next group on a fresh connection, in case this one is what failed.
        await _connection!.CloseAsync();
        _connection = null;
        group.Done.SetException(new InvalidOperationException("The store could not commit the write: " + failure.Message, failure));
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_transaction is not null) await Complete(new ObjectDisposedException(nameof(GroupCommitWriter)));
            if (_connection is not null) await _connection.CloseAsync();
            _connection = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private sealed class Session(GroupCommitWriter writer, ConnectionLease connection, DbTransaction transaction, bool savepoint) : IStoreSession
    {
        private bool _ended;

        // No resource lock to take (SqlDialect.LockResource): this session is the only writer.
        public Task<StoredVersion?> ReadCurrentAsync(string type, string id, CancellationToken ct = default) =>
            SqlResourceStore.ReadCurrent(connection, Live(), type, id, ct);

        public Task LockResourcesAsync(IReadOnlyCollection<(string Type, string Id)> resources, CancellationToken ct = default)
        {
            Live();
            return Task.CompletedTask;
        }

        public Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) =>
            SqlResourceStore.ReadVersion(connection, Live(), type, id, version, ct);

        public Task<IReadOnlyList<StoredVersion>> ReferencingAsync(string type, string param, string targetType, string targetId, CancellationToken ct = default) =>
            SqlResourceStore.Referencing(connection, Live(), type, param, targetType, targetId, ct);

        public Task InsertAsync(StoredVersion version, IReadOnlyList<IndexEntry>? index = null, CancellationToken ct = default) =>
            SqlResourceStore.Insert(writer.Dialect, connection, Live(), version, index, ct);

        public Task InsertNewAsync(IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> creates, CancellationToken ct = default) =>
            SqlResourceStore.InsertNew(writer.Dialect, connection, Live(), creates, ct);

        // A savepoint nested in the session's own, or in its transaction.
        public Task InPartAsync(Func<Task> work, CancellationToken ct = default)
        {
            Live();
            return SqlResourceStore.InSavepoint(sql => writer.Execute(sql, ct), work);
        }

        public async Task CommitAsync(CancellationToken ct = default)
        {
            Live();
            _ended = true;
            var commit = await writer.Finish(savepoint, keep: true);
            await commit!;
        }

        public async ValueTask DisposeAsync()
        {
            if (_ended) return;
            _ended = true;
            await writer.Finish(savepoint, keep: false);
        }

        private DbTransaction Live() => _ended ? throw new InvalidOperationException("This session has ended.") : transaction;
    }

    private SqlDialect Dialect => dialect;

    /// <summary>The writer connection while it is open (tests).</summary>
    internal DbConnection? WriterConnection => _connection?.Connection;
}
