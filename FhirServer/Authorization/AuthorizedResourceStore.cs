using FhirServer.Conformance.Search;
using FhirServer.Storage;

namespace FhirServer.Authorization;

/// <summary>
/// The store as FHIR requests see it: every read, history and write asks <see cref="AccessPolicy"/>. A resource outside
/// what the request may read is absent (null: 404, as if it did not exist); a write outside it is refused (403).
/// Endpoints and Bundle entries reach the store only through here.
/// </summary>
public sealed class AuthorizedResourceStore(IResourceStore inner, AccessPolicy policy) : IResourceStore
{
    public string Kind => inner.Kind;
    public bool SharesCommits => inner.SharesCommits;

    public Task InitializeAsync(CancellationToken ct = default) => inner.InitializeAsync(ct);

    public async Task<IStoreSession> BeginAsync(bool write, CancellationToken ct = default)
    {
        var session = await inner.BeginAsync(write, ct);
        return policy.Current is null ? session : new Session(session, policy, write);
    }

    public async Task<StoredVersion?> ReadAsync(string type, string id, CancellationToken ct = default) =>
        await Readable(await inner.ReadAsync(type, id, ct), type, id, policy, ct);

    public async Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) =>
        await Readable(await inner.ReadVersionAsync(type, id, version, ct), type, id, policy, ct);

    public async Task<StoredVersion?> ReadStoredAsync(string type, string id, int? version, CancellationToken ct = default) =>
        await Readable(await inner.ReadStoredAsync(type, id, version, ct), type, id, policy, ct);

    // The content of a version the request has read through ReadStoredAsync, which asked the policy.
    public Task CopyContentAsync(long sequence, Stream destination, CancellationToken ct = default) => inner.CopyContentAsync(sequence, destination, ct);

    /// <summary>The version when the request may read the resource (403 for a type not granted), else null.</summary>
    private static async Task<StoredVersion?> Readable(StoredVersion? found, string type, string id, AccessPolicy policy, CancellationToken ct)
    {
        if (policy.Current is null) return found;
        var access = policy.Require(type, Interactions.Read);
        if (found is null || !access.Restricted) return found;
        return (await policy.VisibleIdsAsync(type, [id], access, ct)).Count > 0 ? found : null;
    }

    public IAsyncEnumerable<StoredVersion> CurrentOfTypesAsync(IReadOnlyCollection<string> types, CancellationToken ct = default) =>
        inner.CurrentOfTypesAsync(types, ct);

    /// <summary>
    /// History of a resource is a read of it; of a type or the system, a search (SMART: <c>s</c>). Versions of resources
    /// the request may not see are left out of the page.
    /// </summary>
    public async Task<IReadOnlyList<StoredVersion>> HistoryAsync(HistoryQuery query, CancellationToken ct = default)
    {
        if (policy.Current is null) return await inner.HistoryAsync(query, ct);
        var interaction = query.Id is null ? Interactions.Search : Interactions.Read;
        if (query.Type is { } type) policy.Require(type, interaction);
        return await policy.VisibleAsync(await inner.HistoryAsync(query, ct), interaction, ct);
    }

    public ValueTask<IAsyncDisposable> LockAsync(IReadOnlyCollection<string> names, CancellationToken ct = default) => inner.LockAsync(names, ct);

    public Task<bool> PingAsync(CancellationToken ct = default) => inner.PingAsync(ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>
    /// A session of a restricted request. In a read session a resource out of bounds is absent; in a write session it is
    /// refused (403), as what is read there is about to be written; every version written is checked before it is stored.
    /// </summary>
    private sealed class Session(IStoreSession inner, AccessPolicy policy, bool write) : IStoreSession
    {
        public async Task<StoredVersion?> ReadCurrentAsync(string type, string id, CancellationToken ct = default) =>
            await Current(await inner.ReadCurrentAsync(type, id, ct), type, id, ct);

        public async Task<IReadOnlyList<StoredVersion?>> ReadCurrentAsync(IReadOnlyList<(string Type, string Id)> resources, CancellationToken ct = default)
        {
            var found = (await inner.ReadCurrentAsync(resources, ct)).ToArray();
            for (var i = 0; i < found.Length; i++) found[i] = await Current(found[i], resources[i].Type, resources[i].Id, ct);
            return found;
        }

        // A current version read: absent if out of bounds in a read session, refused in a write session.
        private async Task<StoredVersion?> Current(StoredVersion? found, string type, string id, CancellationToken ct)
        {
            if (!write) return await Readable(found, type, id, policy, ct);
            if (found is not null) await policy.CheckExistingAsync(found, ct);
            return found;
        }

        public Task LockResourcesAsync(IReadOnlyCollection<(string Type, string Id)> resources, CancellationToken ct = default) =>
            inner.LockResourcesAsync(resources, ct);

        public async Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) =>
            await Readable(await inner.ReadVersionAsync(type, id, version, ct), type, id, policy, ct);

        // Read by the write path's flow rules to decide a consequence of the write, not returned to the client.
        public Task<IReadOnlyList<StoredVersion>> ReferencingAsync(string type, string param, string targetType, string targetId, CancellationToken ct = default) =>
            inner.ReferencingAsync(type, param, targetType, targetId, ct);

        public Task InsertAsync(StoredVersion version, IReadOnlyList<IndexEntry>? index = null, CancellationToken ct = default)
        {
            policy.CheckWrite(version, index);
            return inner.InsertAsync(version, index, ct);
        }

        public Task InsertNewAsync(IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> creates, CancellationToken ct = default)
        {
            foreach (var (version, index) in creates) policy.CheckWrite(version, index);
            return inner.InsertNewAsync(creates, ct);
        }

        public Task InPartAsync(Func<Task> work, CancellationToken ct = default) => inner.InPartAsync(work, ct);

        public Task CommitAsync(CancellationToken ct = default) => inner.CommitAsync(ct);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
