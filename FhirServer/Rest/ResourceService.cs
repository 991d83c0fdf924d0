using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Http;
using FhirServer.Search;
using FhirServer.Conformance.Search;
using FhirServer.Storage;

namespace FhirServer.Rest;

/// <summary>What a write did: the version stored, whether it brought the resource (back) into existence, and the stamped tree.</summary>
public sealed record WriteResult(StoredVersion Version, bool Created, ElementNode? Resource);

/// <summary>A create made ready outside the write transaction (<see cref="ResourceService.PrepareCreate"/>).</summary>
public sealed record PreparedCreate(StoredVersion Version, ElementNode Resource, IReadOnlyList<IndexEntry> Index);

/// <summary>
/// The write interactions of R4 http.html (create, update, delete) on one store session, shared by the REST
/// endpoints and the Bundle processor. The session's transaction gives the version numbers: a concurrent writer
/// either waits (row lock, SQLite write lock) or loses the unique (type, id, version) race and is retried.
/// </summary>
public sealed class ResourceService(IResourceStore store, ConformanceContext conformance, ServerSettings settings, TimeProvider clock,
    IResourceIndexer indexer, LocalBases bases, PackagedResources packaged, IEnumerable<ICommitObserver> observers)
{
    private readonly ICommitObserver[] _observers = [.. observers];

    private const int Attempts = 4;

    public IResourceStore Store => store;
    public ServerSettings Settings => settings;

    /// <summary>Server-assigned ids: time-ordered UUIDs (version 7), so new rows land at the end of the indexes.</summary>
    public static string NewId() => Guid.CreateVersion7().ToString("D");

    /// <summary>
    /// Runs one interaction in its own write transaction, again when a concurrent writer took the version. Every write
    /// passes here: once it committed, the <see cref="ICommitObserver"/>s are told what it stored.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<IStoreSession, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = new RecordingSession(await store.BeginAsync(write: true, ct));
            try
            {
                var result = await work(session);
                await session.CommitAsync(ct);
                if (session.Written.Count > 0)
                    foreach (var observer in _observers) observer.Committed(session.Written);
                return result;
            }
            catch (VersionConflictException) when (attempt < Attempts)
            {
            }
            catch (VersionConflictException e)
            {
                throw FhirException.Conflict($"The resource was changed concurrently and the write could not be completed: {e.Message}");
            }
        }
    }

    /// <summary>
    /// The search index rows of a resource about to be written, computed before the write transaction so that the
    /// transaction (on SQLite, the one writer) only writes. <c>_id</c> and <c>_lastUpdated</c> are left out: the server
    /// sets both, and searches read them from the current-version table. Absolute references are local on this
    /// server's bases, the request's included (<see cref="LocalBases.Current"/>).
    /// </summary>
    public IReadOnlyList<IndexEntry> Index(ElementNode resource)
    {
        // Every write passes here before its transaction: a resource past the limit is refused before the work that
        // grows with its size (index rows, their inserts) and before anything is stored.
        var limit = settings.MaxResourceElements;
        if (ResourceNodes.CountElements(resource, limit) > limit)
            throw new FhirException(StatusCodes.Status413PayloadTooLarge, "too-long",
                $"The {resource.Type} has more than {limit:N0} elements, this server's limit for one resource (Server:MaxResourceElements).", resource.Type);
        return [.. indexer.Extract(resource, bases.Current).Where(e => e.Param is not ("_id" or "_lastUpdated"))];
    }

    public Task<WriteResult> CreateAsync(IStoreSession session, ElementNode resource, string? id = null, CancellationToken ct = default,
        IReadOnlyList<IndexEntry>? index = null) =>
        CreateAsync(session, PrepareCreate(resource, id, index), ct);

    /// <summary>
    /// A create's version, its JSON and its index rows, ready before the write transaction: a new id has no version to
    /// follow, so nothing of it depends on the database, and on SQLite the one writer is then held only for the inserts.
    /// </summary>
    public PreparedCreate PrepareCreate(ElementNode resource, string? id = null, IReadOnlyList<IndexEntry>? index = null)
    {
        id ??= NewId();
        var instant = NextInstant(null);
        var stamped = ResourceNodes.Stamp(conformance.Registry, resource, id, 1, instant);
        var stored = new StoredVersion(resource.Type, id, 1, instant, VersionMethod.Create, FhirJsonWriter.WriteToBytes(stamped));
        return new PreparedCreate(stored, stamped, index ?? Index(stamped));
    }

    public async Task<WriteResult> CreateAsync(IStoreSession session, PreparedCreate create, CancellationToken ct = default)
    {
        await session.InsertAsync(create.Version, create.Index, ct);
        return new WriteResult(create.Version, true, create.Resource);
    }

    /// <summary>Several prepared creates at once (<see cref="IStoreSession.InsertNewAsync"/>): a Bundle's POSTs, a group of single POSTs.</summary>
    public async Task<IReadOnlyList<WriteResult>> CreateAsync(IStoreSession session, IReadOnlyList<PreparedCreate> creates, CancellationToken ct = default)
    {
        await session.InsertNewAsync([.. creates.Select(c => (c.Version, (IReadOnlyList<IndexEntry>?)c.Index))], ct);
        return [.. creates.Select(c => new WriteResult(c.Version, true, c.Resource))];
    }

    /// <param name="method">Update, or Patch for the result of a patch (history reports the interaction).</param>
    public async Task<WriteResult> UpdateAsync(IStoreSession session, string type, string id, ElementNode resource, VersionMatch? ifMatch, CancellationToken ct = default,
        IReadOnlyList<IndexEntry>? index = null, VersionMethod method = VersionMethod.Update)
    {
        packaged.CheckWritable(type, id, method == VersionMethod.Patch ? "PATCH" : "PUT");
        var current = await session.ReadCurrentAsync(type, id, ct);
        CheckIfMatch(type, id, current, ifMatch);
        if (current is null && !settings.UpdateCreate)
            throw new FhirException(StatusCodes.Status405MethodNotAllowed, "not-supported",
                $"{type}/{id} does not exist and this server does not create resources by update (use POST).");
        return await Write(session, resource, id, current, method, ct, index);
    }

    /// <summary>Deletes (a new version marked deleted). Null when there was nothing to delete (no resource, or already deleted).</summary>
    /// <param name="noContent">Whether the DELETE answers 204 No Content rather than 200 with an OperationOutcome, as history reports it.</param>
    public async Task<StoredVersion?> DeleteAsync(IStoreSession session, string type, string id, VersionMatch? ifMatch, CancellationToken ct = default,
        bool noContent = false)
    {
        packaged.CheckWritable(type, id, "DELETE");
        var current = await session.ReadCurrentAsync(type, id, ct);
        CheckIfMatch(type, id, current, ifMatch);
        if (current is null || current.Deleted) return null;
        var deletion = new StoredVersion(type, id, current.Version + 1, NextInstant(current),
            noContent ? VersionMethod.DeleteNoContent : VersionMethod.Delete, null);
        await session.InsertAsync(deletion, null, ct);
        return deletion;
    }

    /// <summary>405 for a change of a conformance resource of the loaded packages (<see cref="PackagedResources"/>).</summary>
    public void CheckWritable(string type, string id, string interaction) => packaged.CheckWritable(type, id, interaction);

    /// <summary>The current content of a resource for a change (patch): 404 / 410 when there is none.</summary>
    public static StoredVersion Existing(StoredVersion? current, string type, string id) =>
        current switch
        {
            null => throw FhirException.NotFound($"{type}/{id} is not known"),
            { Deleted: true } => throw FhirException.Gone($"{type}/{id} was deleted (version {current.Version})"),
            _ => current,
        };

    public ElementNode ParseStored(StoredVersion version) =>
        conformance.Json.Parse(version.Body ?? throw new InvalidOperationException("A deleted version has no content")).Resource
        ?? throw new InvalidOperationException($"Stored {version.Type}/{version.Id} version {version.Version} could not be read back");

    private static void CheckIfMatch(string type, string id, StoredVersion? current, VersionMatch? ifMatch)
    {
        if (ifMatch is null) return;
        if (current is null || current.Deleted)
            throw FhirException.PreconditionFailed($"If-Match {ifMatch}: {type}/{id} has no current version");
        if (!ifMatch.Matches(current.Version))
            throw FhirException.PreconditionFailed($"If-Match {ifMatch} does not match the current version of {type}/{id}, W/\"{current.Version}\"");
    }

    private async Task<WriteResult> Write(IStoreSession session, ElementNode resource, string id, StoredVersion? current, VersionMethod method, CancellationToken ct,
        IReadOnlyList<IndexEntry>? index)
    {
        var version = (current?.Version ?? 0) + 1;
        var instant = NextInstant(current);
        var stamped = ResourceNodes.Stamp(conformance.Registry, resource, id, version, instant);
        var body = FhirJsonWriter.WriteToBytes(stamped);
        var stored = new StoredVersion(resource.Type, id, version, instant, method, body);
        await session.InsertAsync(stored, index ?? Index(stamped), ct);
        return new WriteResult(stored, current is null || current.Deleted, stamped);
    }

    // Milliseconds (what meta.lastUpdated shows), and always after the version it follows.
    private DateTimeOffset NextInstant(StoredVersion? previous)
    {
        var now = clock.GetUtcNow();
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        if (previous is not null && now <= previous.LastUpdated) now = previous.LastUpdated.AddMilliseconds(1);
        return now;
    }
}
