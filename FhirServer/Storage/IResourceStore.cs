using FhirServer.Conformance.Search;

namespace FhirServer.Storage;

/// <summary>
/// Where resource versions live. Every write adds a version (history is never rewritten); version numbers come from
/// the database inside the writing transaction, so several server processes may share one store.
/// </summary>
public interface IResourceStore : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgres".</summary>
    string Kind { get; }

    /// <summary>Creates or migrates the schema. Safe to call from several processes at once.</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>A unit of work. Writes are visible to others only after <see cref="IStoreSession.CommitAsync"/>.</summary>
    Task<IStoreSession> BeginAsync(bool write, CancellationToken ct = default);

    /// <summary>The current version of a resource (possibly a deletion), outside any transaction.</summary>
    Task<StoredVersion?> ReadAsync(string type, string id, CancellationToken ct = default);

    /// <summary>One version of a resource.</summary>
    Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default);

    /// <summary>The current versions of every live resource of <paramref name="types"/>, outside any transaction.</summary>
    IAsyncEnumerable<StoredVersion> CurrentOfTypesAsync(IReadOnlyCollection<string> types, CancellationToken ct = default);

    /// <summary>
    /// Versions newest first, <see cref="HistoryQuery.Count"/> + 1 at most (the extra one says there is a next page),
    /// and none after the first whose body takes them past <see cref="HistoryQuery.MaxBytes"/> (cut by <see cref="PageBytes.Fit"/>).
    /// </summary>
    Task<IReadOnlyList<StoredVersion>> HistoryAsync(HistoryQuery query, CancellationToken ct = default);

    /// <summary>
    /// Holds locks named <paramref name="names"/> that every server process on this store respects (across processes,
    /// not only threads), until the result is disposed. Names are taken in one order, so holders of several do not
    /// deadlock; an empty list takes nothing.
    /// </summary>
    ValueTask<IAsyncDisposable> LockAsync(IReadOnlyCollection<string> names, CancellationToken ct = default);

    /// <summary>
    /// A version as stored, for serving a Binary's content without loading it (ITI-68): a Binary whose data is kept
    /// apart has a body without <c>data</c> and its size in <see cref="StoredVersion.ContentLength"/>, read with
    /// <see cref="CopyContentAsync"/>. The current version when <paramref name="version"/> is null.
    /// </summary>
    Task<StoredVersion?> ReadStoredAsync(string type, string id, int? version, CancellationToken ct = default);

    /// <summary>Streams the content kept apart for the version of <paramref name="sequence"/> into <paramref name="destination"/>.</summary>
    Task CopyContentAsync(long sequence, Stream destination, CancellationToken ct = default);

    /// <summary>Whether the database answers (for <c>/ready</c>).</summary>
    Task<bool> PingAsync(CancellationToken ct = default);

    /// <summary>
    /// Whether separate write sessions already share their commits (SQLite's group commit). When they do not, a batch of
    /// independent writes is cheaper as parts of one transaction (<see cref="IStoreSession.InPartAsync"/>): one commit,
    /// one wait for the database's log flush, instead of one per write.
    /// </summary>
    bool SharesCommits { get; }
}

/// <summary>A transaction on the store. Disposing without committing rolls back.</summary>
public interface IStoreSession : IAsyncDisposable
{
    /// <summary>
    /// The current version of a resource inside this transaction. In a writing session other writers of the same
    /// resource wait until this transaction ends, so the version that follows can be computed safely.
    /// </summary>
    Task<StoredVersion?> ReadCurrentAsync(string type, string id, CancellationToken ct = default);

    /// <summary>
    /// Takes now, in one order that every writer follows, the locks that <see cref="ReadCurrentAsync"/> would take on
    /// each of <paramref name="resources"/> (type and id), and keeps them to the end of the transaction: a transaction
    /// that writes several resources takes them all before its first write, so that two such transactions never each
    /// hold one the other waits for (PostgreSQL would end one of them: "deadlock detected"). Nothing to do where the
    /// transaction already excludes other writers (SQLite).
    /// </summary>
    Task LockResourcesAsync(IReadOnlyCollection<(string Type, string Id)> resources, CancellationToken ct = default);

    /// <summary>
    /// The current versions of several resources (null where a resource has none), in the order of
    /// <paramref name="resources"/>, each as <see cref="ReadCurrentAsync"/> reads it and under the same lock: in one
    /// round trip where the store has them (PostgreSQL), one by one otherwise.
    /// </summary>
    async Task<IReadOnlyList<StoredVersion?>> ReadCurrentAsync(IReadOnlyList<(string Type, string Id)> resources, CancellationToken ct = default)
    {
        var found = new StoredVersion?[resources.Count];
        for (var i = 0; i < found.Length; i++) found[i] = await ReadCurrentAsync(resources[i].Type, resources[i].Id, ct);
        return found;
    }

    Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default);

    /// <summary>
    /// The current versions, as this transaction sees them (its own writes included), of the live resources of
    /// <paramref name="type"/> whose reference search parameter <paramref name="param"/> points at
    /// <paramref name="targetType"/>/<paramref name="targetId"/>: what a flow rule of the write path reads of the
    /// resources around the one written (the dispensations of a prescription). Read from the search index, which a write
    /// keeps in its own transaction.
    /// </summary>
    Task<IReadOnlyList<StoredVersion>> ReferencingAsync(string type, string param, string targetType, string targetId, CancellationToken ct = default);

    /// <summary>
    /// Adds a version and makes it the current one, replacing the resource's search index rows with
    /// <paramref name="index"/> (none for a deletion). Throws <see cref="VersionConflictException"/> when that version
    /// already exists (a concurrent writer won).
    /// </summary>
    Task InsertAsync(StoredVersion version, IReadOnlyList<IndexEntry>? index = null, CancellationToken ct = default);

    /// <summary>
    /// Adds the first versions of new resources (ids that no version has yet, such as server-assigned ones) with their
    /// index rows: what <see cref="InsertAsync"/> does for each, in as few round trips as the store allows.
    /// </summary>
    Task InsertNewAsync(IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> creates, CancellationToken ct = default);

    /// <summary>
    /// Runs <paramref name="work"/> as an all-or-nothing part of this write transaction (a savepoint): when it throws,
    /// what it wrote is undone, the exception passes on, and the transaction goes on.
    /// </summary>
    Task InPartAsync(Func<Task> work, CancellationToken ct = default);

    Task CommitAsync(CancellationToken ct = default);
}

/// <summary>
/// How a version came to be, for <c>Bundle.entry.request</c> and <c>response</c> in history (R4 http.html#history).
/// Stored as its number in the <c>method</c> column: values are only ever added, so stored versions keep their meaning.
/// A deletion records whether the DELETE answered 200 with an OperationOutcome or 204 without content.
/// </summary>
public enum VersionMethod { Create = 0, Update = 1, Delete = 2, Patch = 3, DeleteNoContent = 4 }

/// <summary>
/// One stored version. <see cref="Body"/> is the resource's JSON as our writer produced it; null for a deletion. A
/// Binary's data is kept apart from it, as bytes (<see cref="BinaryBodies"/>): the reads that answer resources give
/// the body with <c>data</c> put back, <see cref="IResourceStore.ReadStoredAsync"/> without it.
/// </summary>
public sealed record StoredVersion(
    string Type,
    string Id,
    int Version,
    DateTimeOffset LastUpdated,
    VersionMethod Method,
    byte[]? Body)
{
    public bool Deleted => Body is null;

    /// <summary>The store's own order of writes (newer is larger); 0 before the version is stored.</summary>
    public long Sequence { get; init; }

    /// <summary>A write's Binary data, stored apart from <see cref="Body"/>, which has no <c>data</c> then.</summary>
    public ReadOnlyMemory<byte>? Content { get; init; }

    /// <summary>The size of the data kept apart, when <see cref="Body"/> was read without it.</summary>
    public long? ContentLength { get; init; }

    /// <summary>The body as a client sees it: with the data kept apart put back (a write's answer).</summary>
    public byte[]? FullBody => Content is { } data && Body is not null ? BinaryBodies.Splice(Body, data.Span) : Body;
}

/// <summary>
/// A history request (R4 http.html#history): all resources, one type, or one resource; <c>_since</c>, <c>_at</c>,
/// <c>_count</c>, and the sequence to continue below (paging).
/// </summary>
public sealed record HistoryQuery
{
    public string? Type { get; init; }
    public string? Id { get; init; }
    /// <summary>Versions updated at or after this instant.</summary>
    public DateTimeOffset? Since { get; init; }
    /// <summary><c>_at</c>: versions that were current at some time in [AtLow, AtHigh).</summary>
    public DateTimeOffset? AtLow { get; init; }
    public DateTimeOffset? AtHigh { get; init; }
    /// <summary>Only versions older (smaller sequence) than this one: the paging cursor.</summary>
    public long? Before { get; init; }
    public int Count { get; init; } = 50;
    /// <summary>Bytes of bodies a page may carry (<see cref="PageBytes"/>): the store stops reading past them.</summary>
    public long MaxBytes { get; init; } = long.MaxValue;
}

/// <summary>The version a write meant to add already exists: another writer got there first.</summary>
public sealed class VersionConflictException(string type, string id, int version, Exception inner)
    : Exception($"{type}/{id} version {version} was written concurrently", inner);
