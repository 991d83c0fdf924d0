using FhirServer.Conformance.Search;

namespace FhirServer.Storage;

/// <summary>
/// Told of the versions a write transaction stored, once it committed: what keeps an in-memory view of stored
/// resources (the terminology sources) current. Called after the commit, never for a transaction that rolled back
/// or for a part of one that was undone.
/// </summary>
public interface ICommitObserver
{
    void Committed(IReadOnlyList<StoredVersion> versions);
}

/// <summary>
/// A write session that remembers the versions it inserted, for <see cref="ICommitObserver"/>s: the one place every
/// write passes (ResourceService.InTransactionAsync), whether it came from a REST interaction or a Bundle entry. The
/// versions of a part that failed (<see cref="InPartAsync"/>, a savepoint undone) are forgotten with it.
/// </summary>
public sealed class RecordingSession(IStoreSession inner) : IStoreSession
{
    private List<StoredVersion> _written = [];

    public IReadOnlyList<StoredVersion> Written => _written;

    public Task<StoredVersion?> ReadCurrentAsync(string type, string id, CancellationToken ct = default) => inner.ReadCurrentAsync(type, id, ct);

    public Task LockResourcesAsync(IReadOnlyCollection<(string Type, string Id)> resources, CancellationToken ct = default) =>
        inner.LockResourcesAsync(resources, ct);

    public Task<IReadOnlyList<StoredVersion?>> ReadCurrentAsync(IReadOnlyList<(string Type, string Id)> resources, CancellationToken ct = default) =>
        inner.ReadCurrentAsync(resources, ct);

    public Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) =>
        inner.ReadVersionAsync(type, id, version, ct);

    public Task<IReadOnlyList<StoredVersion>> ReferencingAsync(string type, string param, string targetType, string targetId, CancellationToken ct = default) =>
        inner.ReferencingAsync(type, param, targetType, targetId, ct);

    public async Task InsertAsync(StoredVersion version, IReadOnlyList<IndexEntry>? index = null, CancellationToken ct = default)
    {
        await inner.InsertAsync(version, index, ct);
        _written.Add(version);
    }

    public async Task InsertNewAsync(IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> creates, CancellationToken ct = default)
    {
        await inner.InsertNewAsync(creates, ct);
        _written.AddRange(creates.Select(c => c.Version));
    }

    public async Task InPartAsync(Func<Task> work, CancellationToken ct = default)
    {
        var before = _written;
        _written = [.. before];
        try
        {
            await inner.InPartAsync(work, ct);
        }
        catch
        {
            _written = before;
            throw;
        }
    }

    public Task CommitAsync(CancellationToken ct = default) => inner.CommitAsync(ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
