using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Http;
using FhirServer.Search;
using FhirServer.Conformance.Search;
using FhirServer.Storage;
using FhirServer.Validation;

namespace FhirServer.Rest;

/// <summary>
/// What a write did: the version stored, whether it brought the resource (back) into existence, the stamped tree, and
/// the validator's warnings (returned with <c>Prefer: return=OperationOutcome</c>).
/// </summary>
public sealed record WriteResult(StoredVersion Version, bool Created, ElementNode? Resource, IReadOnlyList<OutcomeIssue>? Warnings = null);

/// <summary>A resource found fit to be written (<see cref="ResourceService.Check"/>): its search index rows, and the validator's warnings.</summary>
public sealed record CheckedResource(IReadOnlyList<IndexEntry> Index, IReadOnlyList<OutcomeIssue> Warnings);

/// <summary>A create made ready outside the write transaction (<see cref="ResourceService.PrepareCreate"/>).</summary>
public sealed record PreparedCreate(StoredVersion Version, ElementNode Resource, CheckedResource Checked);

/// <summary>
/// An update made ready outside the write transaction (<see cref="ResourceService.PrepareUpdate"/>): <see cref="Version"/>
/// stamped and serialized as the version that follows the one assumed current then, <see cref="Source"/> the content
/// as it came. The transaction stores it as it is when that version is still current, and stamps the content anew
/// otherwise (its checks kept: they do not depend on the version).
/// </summary>
public sealed record PreparedUpdate(StoredVersion Version, ElementNode Resource, CheckedResource Checked, ElementNode Source);

/// <summary>
/// The write interactions of R4 http.html (create, update, delete) on one store session, shared by the REST
/// endpoints and the Bundle processor. The session's transaction gives the version numbers: a concurrent writer
/// either waits (row lock, SQLite write lock) or loses the unique (type, id, version) race and is retried.
/// </summary>
public sealed class ResourceService(IResourceStore store, ConformanceContext conformance, ServerSettings settings, TimeProvider clock,
    IResourceIndexer indexer, LocalBases bases, PackagedResources packaged, ServerValidator validator, IEnumerable<ICommitObserver> observers,
    BufferPool buffers, UniqueIdentifiers uniqueIdentifiers, IEnumerable<IWriteRule> rules)
{
    private readonly ICommitObserver[] _observers = [.. observers];
    private readonly IWriteRule[] _rules = [.. rules];

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
    /// The checks of a resource about to be written and its search index rows: the one place every write passes
    /// (create, update, patch, each Bundle entry), before its transaction when the content is known then (creates,
    /// updates), in it otherwise (a patch's result). A resource past the element limit is refused with 413, one the
    /// validator finds an error in with 422 (<see cref="ServerValidator.CheckWrite"/>, as Validation:OnWrite says);
    /// nothing is stored then. <c>_id</c> and <c>_lastUpdated</c> are left out of the index: the server sets both, and
    /// searches read them from the current-version table. Absolute references are local on this server's bases, the
    /// request's included (<see cref="LocalBases.Current"/>).
    /// </summary>
    /// <param name="validated">What the validator found in this resource when it was validated where it came, an entry of
    /// a Bundle validated whole (<c>BundleProcessor.CheckProfiles</c>): it is not validated again. Null: validated here.</param>
    public CheckedResource Check(ElementNode resource, IReadOnlyList<OutcomeIssue>? validated = null)
    {
        // Before the work that grows with the resource's size (validation, index rows, their inserts).
        var limit = settings.MaxResourceElements;
        if (ResourceNodes.CountElements(resource, limit) > limit)
            throw new FhirException(StatusCodes.Status413PayloadTooLarge, "too-long",
                $"The {resource.Type} has more than {limit:N0} elements, this server's limit for one resource (Server:MaxResourceElements).", resource.Type);
        var warnings = validated ?? validator.CheckWrite(resource);
        return new CheckedResource([.. indexer.Extract(resource, bases.Current).Where(e => e.Param is not ("_id" or "_lastUpdated")),
            .. uniqueIdentifiers.Of(resource)], warnings);
    }

    /// <param name="content">A Binary's content as it came raw (<see cref="BinaryData"/>); the resource has no data then.</param>
    /// <param name="validated">The resource's validation made before, as a Bundle entry (<see cref="Check"/>); null: made here.</param>
    public Task<WriteResult> CreateAsync(IStoreSession session, ElementNode resource, string? id = null, CancellationToken ct = default,
        ReadOnlyMemory<byte>? content = null, IReadOnlyList<OutcomeIssue>? validated = null) =>
        CreateAsync(session, PrepareCreate(resource, id, content, validated), ct);

    /// <summary>
    /// A create's version, its JSON and its index rows, ready before the write transaction: a new id has no version to
    /// follow, so nothing of it depends on the database, and on SQLite the one writer is then held only for the inserts.
    /// </summary>
    /// <param name="validated">The resource's validation made before, as a Bundle entry (<see cref="Check"/>); null: made here.</param>
    public PreparedCreate PrepareCreate(ElementNode resource, string? id = null, ReadOnlyMemory<byte>? content = null,
        IReadOnlyList<OutcomeIssue>? validated = null)
    {
        id ??= NewId();
        var instant = NextInstant(null);
        var stamped = ResourceNodes.Stamp(conformance.Registry, resource, id, 1, instant);
        var checkedResource = Check(stamped, validated);
        return new PreparedCreate(Version(stamped, id, 1, instant, VersionMethod.Create, content), stamped, checkedResource);
    }

    /// <summary>
    /// An update's version, its JSON and its index rows, ready before the write transaction as the version that follows
    /// <paramref name="current"/> (null: as a first version), so that the transaction's one writer only inserts it when
    /// the resource is where it was assumed to be (a load of new resources: nowhere). <see cref="UpdateAsync(IStoreSession, PreparedUpdate, CancellationToken)"/> writes it.
    /// </summary>
    public PreparedUpdate PrepareUpdate(ElementNode resource, string id, StoredVersion? current = null)
    {
        var version = (current?.Version ?? 0) + 1;
        var instant = NextInstant(current);
        var stamped = ResourceNodes.Stamp(conformance.Registry, resource, id, version, instant);
        var checkedResource = Check(stamped);
        return new PreparedUpdate(Version(stamped, id, version, instant, VersionMethod.Update, null), stamped, checkedResource, resource);
    }

    /// <summary>An update prepared before the transaction (<see cref="PrepareUpdate"/>), as PUT by id.</summary>
    public Task<WriteResult> UpdateAsync(IStoreSession session, PreparedUpdate update, CancellationToken ct = default) =>
        UpdateAsync(session, update.Version.Type, update.Version.Id, update.Source, null, ct, update.Checked, prepared: update);

    /// <summary>
    /// Several prepared updates in one transaction (a load's batch), as PUT by id each: their current versions read
    /// together (<see cref="IStoreSession.ReadCurrentAsync(IReadOnlyList{ValueTuple{string, string}}, CancellationToken)"/>),
    /// those of resources that have no version yet stored together as the first versions they were prepared as
    /// (<see cref="CreateAsync(IStoreSession, IReadOnlyList{PreparedCreate}, CancellationToken, Func{int, FhirException, FhirException}?)"/>:
    /// on PostgreSQL one round trip for all), then the others one by one, in their order.
    /// </summary>
    public async Task UpdateAsync(IStoreSession session, IReadOnlyList<PreparedUpdate> updates, CancellationToken ct = default)
    {
        foreach (var update in updates) packaged.CheckWritable(update.Version.Type, update.Version.Id, "PUT");
        var current = await session.ReadCurrentAsync([.. updates.Select(u => (u.Version.Type, u.Version.Id))], ct);
        var created = new HashSet<(string, string)>();
        var creates = new List<PreparedCreate>();
        var others = new List<PreparedUpdate>();
        for (var i = 0; i < updates.Count; i++)
        {
            var update = updates[i];
            // A resource twice in the batch: the first creates it, the second follows it.
            if (current[i] is null && settings.UpdateCreate && update.Version.Version == 1 && created.Add((update.Version.Type, update.Version.Id)))
                creates.Add(new PreparedCreate(update.Version, update.Resource, update.Checked));
            else others.Add(update);
        }
        if (creates.Count > 0) await CreateAsync(session, creates, ct);
        foreach (var update in others) await UpdateAsync(session, update, ct);
    }

    // The version to store: its body, and a Binary's data apart from it.
    private StoredVersion Version(ElementNode stamped, string id, int version, DateTimeOffset instant, VersionMethod method, ReadOnlyMemory<byte>? content)
    {
        var (body, data) = BinaryData.Detach(stamped, content);
        return new StoredVersion(stamped.Type, id, version, instant, method, buffers.Json(body)) { Content = data };
    }

    public Task<WriteResult> CreateAsync(IStoreSession session, PreparedCreate create, CancellationToken ct = default) =>
        InsertAsync(session, new WriteResult(create.Version, true, create.Resource, create.Checked.Warnings), create.Checked.Index, ct);

    /// <summary>Stores one version (a duplicate unique identifier answered 409 naming its holder), then its flow rules.</summary>
    private async Task<WriteResult> InsertAsync(IStoreSession session, WriteResult written, IReadOnlyList<IndexEntry> index, CancellationToken ct)
    {
        try
        {
            await session.InsertAsync(written.Version, index, ct);
        }
        catch (DuplicateIdentifierException e)
        {
            throw UniqueIdentifiers.Conflict(e, written.Resource);
        }
        await ApplyRules(session, written, ct);
        return written;
    }

    /// <summary>
    /// Several prepared creates at once (<see cref="IStoreSession.InsertNewAsync"/>): a Bundle's POSTs, a group of single
    /// POSTs. The flow rules see each once all are stored (a transaction's dispensation finds its prescription created
    /// beside it); <paramref name="locate"/> names the create a rule refused (a Bundle's entry).
    /// </summary>
    public async Task<IReadOnlyList<WriteResult>> CreateAsync(IStoreSession session, IReadOnlyList<PreparedCreate> creates, CancellationToken ct = default,
        Func<int, FhirException, FhirException>? locate = null)
    {
        try
        {
            await session.InsertNewAsync([.. creates.Select(c => (c.Version, (IReadOnlyList<IndexEntry>?)c.Checked.Index))], ct);
        }
        catch (DuplicateIdentifierException e)
        {
            throw UniqueIdentifiers.Conflict(e, creates.FirstOrDefault(c => c.Version.Type == e.Type && c.Version.Id == e.Id)?.Resource);
        }
        var results = creates.Select(c => new WriteResult(c.Version, true, c.Resource, c.Checked.Warnings)).ToList();
        for (var i = 0; i < results.Count; i++)
        {
            try { await ApplyRules(session, results[i], ct); }
            catch (FhirException refused) when (locate is not null) { throw locate(i, refused); }
        }
        return results;
    }

    private async Task ApplyRules(IStoreSession session, WriteResult written, CancellationToken ct)
    {
        foreach (var rule in _rules) await rule.WrittenAsync(this, session, written, ct);
    }

    /// <param name="method">Update, or Patch for the result of a patch (history reports the interaction).</param>
    /// <param name="checkedResource">The resource's <see cref="Check"/> made before the transaction; null: made here.</param>
    /// <param name="prepared">The version made before the transaction (<see cref="PrepareUpdate"/>), stored if it follows the current one.</param>
    /// <param name="validated">The resource's validation made before, as a Bundle entry (<see cref="Check"/>); null: made here.</param>
    public async Task<WriteResult> UpdateAsync(IStoreSession session, string type, string id, ElementNode resource, VersionMatch? ifMatch, CancellationToken ct = default,
        CheckedResource? checkedResource = null, VersionMethod method = VersionMethod.Update, ReadOnlyMemory<byte>? content = null, PreparedUpdate? prepared = null,
        IReadOnlyList<OutcomeIssue>? validated = null)
    {
        packaged.CheckWritable(type, id, method == VersionMethod.Patch ? "PATCH" : "PUT");
        var current = await session.ReadCurrentAsync(type, id, ct);
        CheckIfMatch(type, id, current, ifMatch);
        if (current is null && !settings.UpdateCreate)
            throw new FhirException(StatusCodes.Status405MethodNotAllowed, "not-supported",
                $"{type}/{id} does not exist and this server does not create resources by update (use POST).");
        if (prepared is not null && method == VersionMethod.Update && content is null && prepared.Version.Version == (current?.Version ?? 0) + 1 &&
            (current is null || prepared.Version.LastUpdated > current.LastUpdated))
            return await InsertAsync(session, new WriteResult(prepared.Version, current is null || current.Deleted, prepared.Resource, prepared.Checked.Warnings),
                prepared.Checked.Index, ct);
        return await Write(session, resource, id, current, method, ct, checkedResource, content, validated);
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
        CheckedResource? checkedResource, ReadOnlyMemory<byte>? content, IReadOnlyList<OutcomeIssue>? validated)
    {
        var version = (current?.Version ?? 0) + 1;
        var instant = NextInstant(current);
        var stamped = ResourceNodes.Stamp(conformance.Registry, resource, id, version, instant);
        checkedResource ??= Check(stamped, validated);
        var stored = Version(stamped, id, version, instant, method, content);
        return await InsertAsync(session, new WriteResult(stored, current is null || current.Deleted, stamped, checkedResource.Warnings), checkedResource.Index, ct);
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
