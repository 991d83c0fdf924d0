using System.Globalization;
using Microsoft.IO;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Search;
using FhirServer.Storage;
using FhirServer.Validation;

namespace FhirServer.Rest;

/// <summary>
/// Batch and transaction Bundles (R4 http.html#transaction). A transaction runs in one database transaction: the
/// entries are checked first, server ids are given to the POSTs, <c>urn:uuid:</c> and other fullUrl references are
/// rewritten across entries, then DELETE, POST, PUT/PATCH and GET run in that order; any failure rolls all back and
/// answers with the failing entry's status. Batch entries are independent, each all-or-nothing on its own (see Batch).
/// </summary>
public sealed partial class BundleProcessor(ConformanceContext conformance, ResourceService service, IResourceStore store, ServerSettings settings,
    ConditionalMatcher matcher, SearchQueryParser searches, SqlSearch sqlSearch, ConditionalCreateLocks conditionalCreates, IServiceProvider services,
    ILogger<BundleProcessor> logger, ServerValidator validator, IEnumerable<ITransactionRule> transactionRules)
{
    private readonly ITransactionRule[] _transactionRules = [.. transactionRules];

    private sealed class Entry(int index)
    {
        public int Index { get; } = index;
        public string Method = "";
        public string Url = "";
        public string? FullUrl;
        public ElementNode? Resource;
        public IPatch? Patch;
        public string? Type, Id;
        public int? Version;
        public VersionMatch? IfMatch;
        // The status of the entry's Issues, found while it was prepared.
        public int IssueStatus = StatusCodes.Status400BadRequest;
        public string? IfNoneExist;
        /// <summary>The search criteria of a conditional PUT or DELETE url (after '?').</summary>
        public string? Criteria;
        /// <summary>A GET or HEAD of a type (<c>Patient?name=x</c>, <c>Patient</c>): the search's parameters.</summary>
        public List<KeyValuePair<string, string>>? Search;
        /// <summary>A read's <c>_summary</c> or <c>_elements</c> (from its url); null for the whole resource.</summary>
        public Func<ElementNode, ElementNode>? View;
        /// <summary>A GET of <c>Patient/{id}/$everything</c>: <see cref="Search"/> holds its parameters.</summary>
        public bool Everything;
        /// <summary>The compartment a search is in (<c>Patient/123/Observation</c>); null for a search of the type.</summary>
        public CompartmentSpec? Compartment;
        /// <summary>A history read (<c>_history</c>, <c>Patient/_history</c>, <c>Patient/123/_history</c>), its path and parameters.</summary>
        public HistoryQuery? History;
        public string? HistoryPath;
        public List<KeyValuePair<string, string>> HistoryParameters = [];
        /// <summary>The most resources a search or history entry's page may hold (its <c>_count</c>): what it reserves of the <see cref="ResponseBudget"/>.</summary>
        public int Page;

        /// <summary>Reads that answer a Bundle: run after a transaction's commit, on the committed data.</summary>
        public bool ReadsAfter => Search is not null || History is not null;
        /// <summary>Nothing to write: a conditional create that matched, a conditional delete that matched nothing.</summary>
        public bool NoOp;
        public List<OutcomeIssue> Issues = [];
        public int Status;
        public string? Location;
        public StoredVersion? Stored;
        public byte[]? ResponseResource;
        /// <summary>The answer of a search or history entry: a Bundle in a pooled stream, disposed once copied out.</summary>
        public RecyclableMemoryStream? ResponseBundle;
        public long ResponseBytes => ResponseResource?.Length ?? ResponseBundle?.Length ?? 0;

        public void ReleaseResponse()
        {
            ResponseResource = null;
            ResponseBundle?.Dispose();
            ResponseBundle = null;
        }
        public IReadOnlyList<OutcomeIssue>? Outcome;
        /// <summary>What the validator found short of an error in the resource written.</summary>
        public IReadOnlyList<OutcomeIssue> Warnings = [];
        /// <summary>
        /// The validator's findings in the entry's resource when the Bundle was validated whole (<see cref="CheckProfiles"/>)
        /// and that validation stands for the one its write would make; null: the write validates it.
        /// </summary>
        public IReadOnlyList<OutcomeIssue>? Validated;

        public string Where => $"Bundle.entry[{Index}]";

        public int Order => Method switch { "DELETE" => 0, "POST" => 1, "PUT" or "PATCH" => 2, _ => 3 };
    }

    /// <summary>The response Bundle, in a pooled stream the caller disposes.</summary>
    public async Task<RecyclableMemoryStream> ProcessAsync(HttpContext http, ReadOnlyMemory<byte> body)
    {
        var kind = FhirInput.Kind(http.Request, body.Span);
        if (kind is not (BodyKind.FhirJson or BodyKind.FhirXml))
            throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported", $"Content-Type '{http.Request.ContentType}' is not a FHIR format.");
        var parsed = kind == BodyKind.FhirXml ? conformance.Xml.Parse(body.Span) : conformance.Json.Parse(body);
        var bundle = parsed.Resource;
        if (bundle is null) throw new FhirException(StatusCodes.Status400BadRequest, parsed.Issues);
        if (bundle.Type != "Bundle") throw FhirException.BadRequest($"POST to the base URL takes a batch or transaction Bundle, not a {bundle.Type}.");
        var type = bundle.Child("type")?.Value;
        if (type is not ("batch" or "transaction"))
            throw FhirException.BadRequest($"Bundle.type is '{type}'; the base URL takes 'batch' or 'transaction'.", "Bundle.type");
        var validated = CheckProfiles(bundle);
        var entries = bundle.ChildrenNamed("entry").Select((e, i) => Read(e, i)).ToList();
        if (entries.Count > settings.MaxBundleEntries)
            throw new FhirException(StatusCodes.Status413PayloadTooLarge, "too-long", $"The Bundle has {entries.Count} entries; the limit is {settings.MaxBundleEntries}.");
        if (validated is not null) TakeValidation(entries, validated);

        // Parse issues belong to an entry when their location is inside it; others make the whole Bundle invalid.
        foreach (var issue in parsed.Issues.Where(i => i.IsError))
        {
            var entry = entries.FirstOrDefault(e => issue.Expression?.StartsWith(e.Where + ".", StringComparison.Ordinal) == true);
            if (entry is null || type == "transaction") throw new FhirException(StatusCodes.Status400BadRequest, parsed.Issues);
            entry.Issues.Add(issue);
        }
        var representation = Prefer.Return(http.Request) == Prefer.Representation && http.Request.Headers.ContainsKey("Prefer");
        var baseUrl = FhirEndpoints.BaseUrl(http.Request);
        foreach (var e in entries) Prepare(e, baseUrl);
        // The conditional creates and updates of the Bundle (an update creates when nothing matches), each with its
        // criteria, one at a time against those of other requests (ConditionalCreateLocks): from before their match
        // until the Bundle's writes are committed.
        try
        {
            await using (await conditionalCreates.AcquireAsync(entries.Select(ConditionalCreateKey).OfType<string>(), http.RequestAborted))
            {
                if (type == "transaction") await Transaction(entries, baseUrl, representation, http.RequestAborted);
                else await Batch(entries, baseUrl, representation, http.RequestAborted);
            }
            if (Prefer.Return(http.Request) == Prefer.Outcome)
                foreach (var e in entries) DescribeWrite(e);
            return Response(type + "-response", entries);
        }
        finally
        {
            // The pages of search entries go back to the pool whether the Bundle was answered or failed.
            foreach (var e in entries) e.ReleaseResponse();
        }
    }

    /// <summary>
    /// A Bundle that claims profiles (<c>meta.profile</c>: an IHE MHD or ANS PDSm Provide Document Bundle), or whose
    /// type the server requires profiles of (Validation:RequiredProfiles:Bundle, strict mode), is validated as a whole
    /// against them, as any written resource is (<see cref="ServerValidator.CheckWrite"/>): what only the Bundle shows
    /// (its entries' slices, their methods, how many SubmissionSets) is checked there. An error is 422 with the
    /// validator's issues, located in the Bundle, before anything is written. A Bundle that claims nothing is not
    /// walked as a whole: each entry's resource is validated on its own when it is written. Returns the validation's
    /// other issues (warnings, information) when the Bundle was validated, else null.
    /// </summary>
    private IReadOnlyList<OutcomeIssue>? CheckProfiles(ElementNode bundle)
    {
        if (validator.Settings.OnWrite is not (WriteValidation.Declared or WriteValidation.Strict)) return null;
        var claims = bundle.Child("meta")?.ChildrenNamed("profile").Any() == true;
        return claims || validator.Settings.RequiredFor("Bundle").Count > 0 ? validator.CheckWrite(bundle) : null;
    }

    /// <summary>
    /// A Bundle validated whole has had each entry's resource validated with it, by the same validator and options as
    /// its write would (<see cref="ServerValidator.CheckWrite"/>: the base definition, the profiles it declares) and more
    /// (the profiles the Bundle's slices name for it, its references to other entries resolved): the write of a created
    /// or updated resource takes that validation rather than making it again, with the issues found in the resource as
    /// its own (<c>Bundle.entry[1].resource.author[0]</c> read as <c>DocumentReference.author[0]</c>, as a write of it
    /// alone reports them). A type the server requires profiles of (Validation:RequiredProfiles) is validated on its
    /// write as before: the Bundle's validation did not ask for them. What a write validates that is not the entry's
    /// resource (a patch's result, a replaced document's new version) is validated there as always.
    /// </summary>
    private void TakeValidation(List<Entry> entries, IReadOnlyList<OutcomeIssue> issues)
    {
        foreach (var e in entries)
        {
            if (e.Method is not ("POST" or "PUT") || e.Resource is not { } resource || validator.Settings.RequiredFor(resource.Type).Count > 0) continue;
            var prefix = e.Where + ".resource";
            e.Validated = [.. issues.Where(i => i.Expression is { } x && x.StartsWith(prefix, StringComparison.Ordinal) &&
                                                (x.Length == prefix.Length || x[prefix.Length] is '.' or '['))
                .Select(i => i with { Expression = resource.Type + i.Expression![prefix.Length..] })];
        }
    }

    /// <summary>
    /// <c>Prefer: return=OperationOutcome</c> (R4 http.html#ops): the entry of each write that succeeded carries an
    /// outcome saying what was done, as the interaction's own answer would; failed entries have theirs already.
    /// </summary>
    private static void DescribeWrite(Entry e)
    {
        if (e.Outcome is not null || e.Method is not ("POST" or "PUT" or "PATCH" or "DELETE") || e.Status is < 200 or >= 300) return;
        var message = (e.Method, e.Stored) switch
        {
            ("POST", { } kept) when e.NoOp => $"{kept.Type}/{kept.Id} matches ifNoneExist '{e.IfNoneExist}'; nothing was created.",
            ("DELETE", null) when e.Id is null => $"No {e.Type} matches '{e.Criteria}'; nothing to do.",
            ("DELETE", null) => $"{e.Type}/{e.Id} did not exist or was already deleted; nothing to do.",
            (_, { Deleted: true } deleted) => $"{deleted.Type}/{deleted.Id} deleted (version {deleted.Version}).",
            (_, { } written) => $"{written.Type}/{written.Id} {(e.Status == StatusCodes.Status201Created ? "created" : "updated")} (version {written.Version}).",
            _ => null,
        };
        if (message is not null) e.Outcome = [new OutcomeIssue(IssueSeverity.Information, "informational", message), .. e.Warnings];
    }

    /// <summary>The lock key of a prepared POST entry with ifNoneExist or of a conditional PUT (<c>Patient?identifier=…</c>); else null.</summary>
    private static string? ConditionalCreateKey(Entry e) => e.Issues.Count > 0 || e.Type is null ? null : e.Method switch
    {
        "POST" when e.IfNoneExist is { Length: > 0 } criteria => ConditionalCreateLocks.Key(e.Type, criteria),
        "PUT" when e.Criteria is { Length: > 0 } criteria => ConditionalCreateLocks.Key(e.Type, criteria),
        _ => null,
    };

    private static Entry Read(ElementNode node, int index)
    {
        var entry = new Entry(index);
        var request = node.Child("request");
        entry.FullUrl = node.Child("fullUrl")?.Value;
        entry.Resource = node.Child("resource");
        if (request is null)
        {
            entry.Issues.Add(Issue("The entry has no request (method and url).", entry.Where, "required"));
            return entry;
        }
        entry.Method = request.Child("method")?.Value ?? "";
        entry.Url = request.Child("url")?.Value ?? "";
        if (request.Child("ifMatch")?.Value is { } ifMatch)
        {
            try { entry.IfMatch = VersionMatch.Parse(ifMatch, "ifMatch"); }
            catch (FhirException e) { entry.Issues.AddRange(e.Issues); }
        }
        entry.IfNoneExist = request.Child("ifNoneExist")?.Value;
        if (request.Child("ifNoneMatch") is not null || request.Child("ifModifiedSince") is not null)
            entry.Issues.Add(Issue("Conditional reads (ifNoneMatch, ifModifiedSince) are not supported in Bundle entries.", entry.Where + ".request", "not-supported"));
        return entry;
    }

    private static OutcomeIssue Issue(string message, string where, string code = "invalid") => new(IssueSeverity.Error, code, message, where);

    /// <summary>Checks an entry's method, url and resource; fills Type, Id, Version. Problems go to entry.Issues.</summary>
    private void Prepare(Entry entry, string baseUrl)
    {
        if (entry.Issues.Count > 0) return;
        var url = entry.Url;
        if (url.StartsWith(baseUrl + "/", StringComparison.Ordinal)) url = url[(baseUrl.Length + 1)..];
        else if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            entry.Issues.Add(Issue($"'{entry.Url}' is not on this server: entry urls are relative to its base, {baseUrl}, or start with it.", entry.Where + ".request.url"));
            return;
        }
        if (url.IndexOf('?') is var q and >= 0)
        {
            if (entry.Method is "GET" or "HEAD") entry.Search = SearchPairs(url[(q + 1)..]);
            else if (entry.Method is "PUT" or "DELETE" or "PATCH")
            {
                entry.Criteria = url[(q + 1)..];
                if (entry.Criteria.Length == 0) { entry.Issues.Add(Issue($"'{entry.Url}': a conditional {entry.Method} needs search criteria.", entry.Where + ".request.url")); return; }
            }
            else
            {
                entry.Issues.Add(Issue($"'{entry.Url}': a {entry.Method} takes no query; a conditional create is asked with ifNoneExist.", entry.Where + ".request.url"));
                return;
            }
            url = url[..q];
        }
        var parts = url.Trim('/').Split('/');
        var registry = conformance.Registry;
        if (Array.FindIndex(parts, FhirEndpoints.IsOperation) is var op and >= 0 and <= 2)
        {
            if (op == 2 && parts.Length == 3 && parts[0] == "Patient" && parts[2] == "$everything" && entry.Method is "GET" or "HEAD")
            {
                // Patient/{id}/$everything answers as its endpoint does (EverythingEndpoint), its parameters checked
                // now so that a bad one fails a transaction before it writes.
                entry.Type = "Patient";
                entry.Id = parts[1];
                entry.Everything = true;
                entry.Search ??= [];
                if (!PrimitiveRules.IsId(entry.Id))
                    entry.Issues.Add(Issue($"'{entry.Id}' is not a valid resource id (1 to 64 letters, digits, '-' and '.').", entry.Where + ".request.url"));
                else
                    try { entry.Page = EverythingEndpoint.Check(services, entry.Search); }
                    catch (FhirException e) { AtUrl(entry, e); }
                return;
            }
            // Any other operation: not implemented here either, as at the REST endpoints (501).
            var refused = FhirEndpoints.NoOperation(parts[op], op == 0 ? "the system level" : string.Join('/', parts[..op]));
            AtUrl(entry, refused);
            entry.IssueStatus = refused.Status;
            return;
        }
        if (entry.Method is "GET" or "HEAD" && parts[^1] == "_history" && parts.Length <= 3)
        {
            // A history read: of the system, a type or one resource.
            entry.Type = parts.Length > 1 ? parts[0] : null;
            entry.Id = parts.Length > 2 ? parts[1] : null;
            if (entry.Type is not null && !registry.IsResourceType(entry.Type))
            {
                entry.Issues.Add(Issue($"'{entry.Url}' does not start with a resource type.", entry.Where + ".request.url"));
                return;
            }
            entry.HistoryParameters = entry.Search ?? [];
            entry.Search = null;
            entry.HistoryPath = "/" + string.Join('/', parts);
            try
            {
                entry.History = FhirEndpoints.ParseHistory(Query(entry.HistoryParameters), settings, entry.Type, entry.Id);
                entry.Page = entry.History.Count;
            }
            catch (FhirException e) { AtUrl(entry, e); }
            return;
        }
        if (parts[0].Length == 0 || !registry.IsResourceType(parts[0]))
        {
            entry.Issues.Add(Issue($"'{entry.Url}' does not start with a resource type.", entry.Where + ".request.url"));
            return;
        }
        if (parts.Length == 3 && entry.Method is "GET" or "HEAD" && registry.IsResourceType(parts[2]))
        {
            // A compartment search: the type searched is the last part, the compartment the first two.
            try { entry.Compartment = SearchEndpoints.Compartment(conformance, parts[0], parts[1], parts[2]); }
            catch (FhirException e) { AtUrl(entry, e); return; }
            parts = [parts[2]];
        }
        entry.Type = parts[0];
        if (parts.Length > 1) entry.Id = parts[1];
        if (parts.Length == 4 && parts[2] == "_history" && int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var v)) entry.Version = v;
        else if (parts.Length > 2) { entry.Issues.Add(Issue($"'{entry.Url}' is not a URL this server takes in a Bundle entry.", entry.Where + ".request.url", "not-supported")); return; }

        if (entry.Method is "GET" or "HEAD" && entry.Id is null)
        {
            // A search of the type; its parameters are checked now, so that a bad one fails a transaction before it writes.
            entry.Search ??= [];
            try
            {
                var query = searches.Parse(entry.Type, entry.Search, strict: false);
                sqlSearch.Check(query, baseUrl);
                entry.Page = query.CountOnly ? 0 : query.Count;
                ResourceViews.FromQuery(Query(entry.Search), registry, allowCount: true);
            }
            catch (FhirException e) { AtUrl(entry, e); }
            return;
        }
        if (entry.Search is not null)
        {
            if (entry.Method is not ("GET" or "HEAD") || entry.Search.Any(p => p.Key is not ("_summary" or "_elements")))
            {
                entry.Issues.Add(Issue($"'{entry.Url}': a read of one resource takes no search parameters (only _summary or _elements).", entry.Where + ".request.url", "not-supported"));
                return;
            }
            try { entry.View = ResourceViews.FromQuery(Query(entry.Search), conformance.Registry); }
            catch (FhirException e) { AtUrl(entry, e); return; }
            entry.Search = null;
        }
        var needsId = entry.Criteria is null && entry.Method is "PUT" or "PATCH" or "DELETE";
        if (needsId && entry.Id is null)
        {
            entry.Issues.Add(Issue($"{entry.Method} {entry.Url}: a {entry.Method} of a type needs search criteria (a conditional {entry.Method}).", entry.Where + ".request.url"));
            return;
        }
        if (entry.Method == "POST" && entry.Id is not null)
        {
            entry.Issues.Add(Issue($"POST {entry.Url}: a create is posted to the type ('{entry.Type}').", entry.Where + ".request.url"));
            return;
        }
        if (entry.Version is not null && entry.Method is not ("GET" or "HEAD"))
        {
            entry.Issues.Add(Issue($"{entry.Method} {entry.Url}: versions can only be read.", entry.Where + ".request.url"));
            return;
        }
        switch (entry.Method)
        {
            case "POST" or "PUT":
                if (entry.Resource is null) { entry.Issues.Add(Issue($"{entry.Method} needs a resource.", entry.Where + ".resource", "required")); return; }
                if (entry.Resource.Type != entry.Type) { entry.Issues.Add(Issue($"The resource is a {entry.Resource.Type}, but the url is for {entry.Type}.", entry.Where + ".resource")); return; }
                if (entry.Method == "PUT" && entry.Criteria is null && entry.Resource.Child("id")?.Value != entry.Id)
                    entry.Issues.Add(Issue($"The resource id '{entry.Resource.Child("id")?.Value}' differs from the id in the url '{entry.Id}'.", entry.Where + ".resource.id"));
                return;
            case "PATCH":
                try
                {
                    entry.Patch = entry.Resource switch
                    {
                        { Type: "Parameters" } p => FhirPathPatch.FromParameters(p, settings),
                        { Type: "Binary" } b when b.Child("contentType")?.Value == "application/json-patch+json" =>
                            JsonPatch.Parse(Convert.FromBase64String(b.Child("data")?.Value ?? "")),
                        _ => throw FhirException.BadRequest("PATCH takes a Parameters resource (FHIRPath Patch) or a Binary of application/json-patch+json.", entry.Where + ".resource"),
                    };
                }
                catch (FhirException e) { entry.Issues.AddRange(e.Issues); }
                return;
            case "DELETE" or "GET" or "HEAD":
                return;
            default:
                entry.Issues.Add(Issue($"'{entry.Method}' is not a method of a Bundle entry (GET, HEAD, POST, PUT, PATCH, DELETE).", entry.Where + ".request.method"));
                return;
        }
    }

    private async Task Transaction(List<Entry> entries, string baseUrl, bool representation, CancellationToken ct)
    {
        if (entries.FirstOrDefault(e => e.Issues.Count > 0) is { } bad)
            throw new FhirException(bad.IssueStatus, bad.Issues);
        // The pages its searches and history reads may answer, all reserved before anything is written: a transaction
        // whose reads ask for more than a Bundle may answer is refused whole, as it is all or nothing.
        var budget = ResponseBudget.For(settings);
        foreach (var e in entries.Where(e => e.ReadsAfter))
            if (budget.Reserve(e.Page) is { } refused) throw Located(e, refused);
        await ResolveConditionals(entries, baseUrl, ct);
        var duplicate = entries.Where(e => e.Method is "PUT" or "PATCH" or "DELETE" && !e.NoOp).GroupBy(e => (e.Type, e.Id)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw FhirException.BadRequest($"{duplicate.Key.Type}/{duplicate.Key.Id} is changed by more than one entry ({string.Join(", ", duplicate.Select(e => e.Where))}).");

        // Server ids for creates, and what each fullUrl becomes.
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (e.Method == "POST" && !e.NoOp) e.Id = ResourceService.NewId();
            if (e.FullUrl is { } fullUrl && e.Method is "POST" or "PUT")
            {
                if (!identities.TryAdd(fullUrl, $"{e.Type}/{e.Id}"))
                    throw FhirException.BadRequest($"fullUrl '{fullUrl}' is used by more than one entry.", e.Where + ".fullUrl");
            }
        }
        await ResolveConditionalReferences(entries, identities, baseUrl, ct);
        foreach (var e in entries.Where(e => e.Resource is not null)) RewriteReferences(e, identities);
        // The flow rules over the whole Bundle (ITransactionRule) see it as it will be written.
        var view = entries.Where(e => !e.NoOp).Select(e => new TransactionEntry(e.Index, e.Method, e.Type, e.Id, e.Resource)).ToList();

        // The creates (new ids: nothing to read first) are made ready before the write transaction, so that it (on
        // SQLite, the one writer's turn) only writes, and written together, in as few round trips as the store allows.
        var ordered = entries.OrderBy(e => e.Order).ToList();
        var creates = ordered.Where(e => e.Method == "POST" && !e.NoOp).ToList();
        var prepared = new List<PreparedCreate>(creates.Count);
        foreach (var e in creates)
        {
            try { prepared.Add(service.PrepareCreate(e.Resource!, e.Id, validated: e.Validated)); }
            catch (FhirException failure) { throw Located(e, failure); }
        }

        logger.LogDebug("Transaction of {Count} entries started", entries.Count);
        var locked = LockedResources(ordered);
        foreach (var rule in _transactionRules) locked.AddRange(rule.Reads(view));
        await service.InTransactionAsync(async session =>
        {
            await session.LockResourcesAsync(locked, ct);
            foreach (var rule in _transactionRules) await rule.CheckAsync(session, view, ct);
            foreach (var e in ordered.Where(e => e.Order < 1)) await RunInTransaction(session, e, representation, ct);
            var results = await service.CreateAsync(session, prepared, ct, (i, refused) => Located(creates[i], refused));
            for (var i = 0; i < creates.Count; i++) Written(creates[i], results[i], 201, representation);
            foreach (var e in creates) budget.Add(e.ResponseBytes);
            // Reads of one resource come after the updates, each counted in the answer's bytes; past them, the
            // transaction is refused whole, as it is all or nothing.
            foreach (var e in ordered.Where(e => e.Order > 1 && !e.ReadsAfter)) await RunInTransaction(session, e, representation, ct, budget);
            return true;
        }, ct);
        logger.LogDebug("Transaction of {Count} entries committed", entries.Count);
        // Searches last, once the transaction's writes can be found: a search reads the committed index, not the
        // transaction's. Their parameters were checked before anything was written; a search that still fails here
        // fails its entry alone, since the writes are committed.
        foreach (var e in ordered.Where(e => e.ReadsAfter))
        {
            try { await ReadBundle(e, baseUrl, budget, reserved: true, ct); }
            catch (FhirException failure) { Fail(e, failure); }
        }
    }

    /// <summary>
    /// The resources that entries update, patch or delete, or read in the write transaction (a read there locks what it
    /// reads, as the write it might precede would), whose locks the transaction takes together before its first write
    /// (<see cref="IStoreSession.LockResourcesAsync"/>): taken entry by entry, two transactions changing the same
    /// resources in different orders each waited for the other. Creates need none: their ids are new.
    /// </summary>
    private static List<(string Type, string Id)> LockedResources(IEnumerable<Entry> entries) =>
        [.. entries.Where(e => e.Method is "PUT" or "PATCH" or "DELETE" or "GET" or "HEAD" && !e.NoOp && !e.ReadsAfter && e.Type is not null && e.Id is not null)
            .Select(e => (e.Type!, e.Id!))];

    /// <summary>One entry of a transaction: a failure fails the whole transaction, its issues located in the entry.</summary>
    private async Task RunInTransaction(IStoreSession session, Entry e, bool representation, CancellationToken ct, ResponseBudget? budget = null)
    {
        try
        {
            if (budget is null) await Run(session, e, representation, ct);
            else await RunCounted(session, e, representation, budget, ct);
        }
        catch (FhirException failure)
        {
            throw Located(e, failure);
        }
        if (e.Status >= 400)
            throw new FhirException(e.Status, e.Outcome?.Select(i => i with { Message = $"{e.Where} ({e.Method} {e.Url}): {i.Message}", Expression = i.Expression ?? e.Where }).ToList()
                                             ?? [Issue($"{e.Where} failed with status {e.Status}", e.Where)]);
    }

    private static FhirException Located(Entry e, FhirException failure) =>
        new(failure.Status, failure.Issues.Select(i => i with
        {
            Message = $"{e.Where} ({e.Method} {e.Url}): {i.Message}",
            Expression = i.Expression is null ? e.Where : i.Expression,
        }).ToList());

    /// <summary>
    /// Batch entries are independent (http.html#brules: no entry may depend on another's change), each checked and
    /// resolved on its own, each write all-or-nothing on its own; the writes follow the checks, the reads follow the
    /// writes. The creates are written together (<see cref="CreateTogether"/>). The other writes: where write sessions
    /// already share commits (SQLite) each is a session of its own; elsewhere (PostgreSQL, where each commit waits for
    /// the log flush) they are parts of one transaction, each in a savepoint that a failure undoes alone.
    /// </summary>
    private async Task Batch(List<Entry> entries, string baseUrl, bool representation, CancellationToken ct)
    {
        var creates = new List<Entry>();
        var writes = new List<Entry>();
        var reads = new List<Entry>();
        // Entries are independent (http.html#brules): one that would take the answer past the budget fails alone, in
        // entry order, and the others keep their answers; the client can send it again on its own.
        var budget = ResponseBudget.For(settings);
        foreach (var e in entries)
        {
            if (e.Issues.Count > 0)
            {
                e.Status = e.IssueStatus;
                e.Outcome = e.Issues;
                continue;
            }
            try
            {
                await ResolveConditionals([e], baseUrl, ct);
                if (e.Method == "POST" && !e.NoOp) e.Id = ResourceService.NewId();
                if (e.Resource is not null)
                {
                    var references = new Dictionary<string, string>(StringComparer.Ordinal);
                    await ResolveConditionalReferences([e], references, baseUrl, ct);
                    RewriteReferences(e, references);
                }
                if (e.NoOp) continue;
                (e.Method switch { "GET" or "HEAD" => reads, "POST" => creates, _ => writes }).Add(e);
            }
            catch (FhirException failure)
            {
                Fail(e, failure);
            }
        }
        if (creates.Count > 0) await CreateTogether(creates, representation, ct);
        if (writes.Count > 0 && store.SharesCommits) foreach (var e in writes) await WriteAloneOrFail(e, representation, ct);
        else if (writes.Count > 0) await WriteInParts(writes, representation, ct);
        foreach (var e in creates.Concat(writes)) budget.Add(e.ResponseBytes);
        foreach (var e in reads)
        {
            try
            {
                await Read(e, representation, baseUrl, budget, ct);
            }
            catch (FhirException failure)
            {
                Fail(e, failure);
            }
        }
    }

    /// <summary>
    /// The creates of a batch in one transaction, written together (<see cref="IStoreSession.InsertNewAsync"/>): each is
    /// made ready on its own (a failure there is its own), and a new id has nothing that could conflict, so the write
    /// itself fails only with the database. If it does, nothing was committed, and each create runs again on its own.
    /// </summary>
    private async Task CreateTogether(List<Entry> creates, bool representation, CancellationToken ct)
    {
        var ready = new List<(Entry Entry, PreparedCreate Create)>(creates.Count);
        foreach (var e in creates)
        {
            try { ready.Add((e, service.PrepareCreate(e.Resource!, e.Id, validated: e.Validated))); }
            catch (FhirException failure) { Fail(e, failure); }
        }
        if (ready.Count == 0) return;
        try
        {
            var results = await service.InTransactionAsync(s => service.CreateAsync(s, [.. ready.Select(r => r.Create)], ct), ct);
            for (var i = 0; i < ready.Count; i++) Written(ready[i].Entry, results[i], 201, representation);
            return;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or FhirException)
        {
            logger.LogInformation(e, "The {Count} creates of a batch could not commit together; writing them one by one", ready.Count);
        }
        foreach (var (e, _) in ready) await WriteAloneOrFail(e, representation, ct);
    }

    private async Task WriteAloneOrFail(Entry e, bool representation, CancellationToken ct)
    {
        Reset(e);
        try
        {
            await WriteAlone(e, representation, ct);
        }
        catch (FhirException failure)
        {
            Fail(e, failure);
        }
    }

    /// <summary>
    /// The writes of a batch in one transaction, one savepoint each. If the transaction itself fails (a deadlock with
    /// another writer, a conflict that outlasted the retries), nothing was committed, and each write runs again in a
    /// transaction of its own.
    /// </summary>
    private async Task WriteInParts(List<Entry> writes, bool representation, CancellationToken ct)
    {
        try
        {
            var locked = LockedResources(writes);
            await service.InTransactionAsync(async session =>
            {
                await session.LockResourcesAsync(locked, ct);
                foreach (var e in writes)
                {
                    Reset(e);
                    try
                    {
                        await session.InPartAsync(() => Run(session, e, representation, ct), ct);
                    }
                    catch (FhirException failure)
                    {
                        Fail(e, failure);
                    }
                }
                return true;
            }, ct);
            return;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or FhirException)
        {
            logger.LogInformation(e, "A batch of {Count} writes could not commit as one transaction; writing them one by one", writes.Count);
        }
        foreach (var e in writes) await WriteAloneOrFail(e, representation, ct);
    }

    /// <summary>One write in a transaction of its own.</summary>
    private Task WriteAlone(Entry e, bool representation, CancellationToken ct) =>
        service.InTransactionAsync(async s => { await Run(s, e, representation, ct); return true; }, ct);

    private async Task Read(Entry e, bool representation, string baseUrl, ResponseBudget budget, CancellationToken ct)
    {
        if (e.ReadsAfter)
        {
            await ReadBundle(e, baseUrl, budget, reserved: false, ct);
            return;
        }
        if (budget.Spent() is { } spent) throw spent;
        await using var session = await store.BeginAsync(write: false, ct);
        await RunCounted(session, e, representation, budget, ct);
    }

    /// <summary>An entry whose answer counts in the Bundle's bytes: a read is refused once none are left.</summary>
    private async Task RunCounted(IStoreSession session, Entry e, bool representation, ResponseBudget budget, CancellationToken ct)
    {
        if (e.Method is "GET" or "HEAD" && budget.Spent() is { } spent) throw spent;
        await Run(session, e, representation, ct);
        budget.Add(e.ResponseBytes);
    }

    private static void Reset(Entry e)
    {
        e.Status = 0;
        e.Outcome = null;
        e.Warnings = [];
        e.Stored = null;
        e.Location = null;
        e.ReleaseResponse();
    }

    private static void Fail(Entry e, FhirException failure)
    {
        Reset(e);
        e.Status = failure.Status;
        e.Outcome = failure.Issues;
    }

    /// <summary>Performs one entry; client errors are thrown (transaction) or recorded as the entry's status (read misses).</summary>
    private async Task Run(IStoreSession session, Entry e, bool representation, CancellationToken ct)
    {
        if (e.NoOp) return;
        var (type, id) = (e.Type!, e.Id!);
        switch (e.Method)
        {
            case "POST":
            {
                var result = await service.CreateAsync(session, e.Resource!, id, ct, validated: e.Validated);
                Written(e, result, 201, representation);
                break;
            }
            case "PUT":
            {
                var result = await service.UpdateAsync(session, type, id, e.Resource!, e.IfMatch, ct, validated: e.Validated);
                Written(e, result, result.Created ? 201 : 200, representation);
                break;
            }
            case "PATCH":
            {
                service.CheckWritable(type, id, "PATCH");
                var current = ResourceService.Existing(await session.ReadCurrentAsync(type, id, ct), type, id);
                var patched = e.Patch!.Apply(conformance, service.ParseStored(current));
                if (patched.Type != type || patched.Child("id")?.Value != id)
                    throw FhirException.Unprocessable("A patch may not change the resource type or id.");
                var result = await service.UpdateAsync(session, type, id, patched, e.IfMatch, ct, method: VersionMethod.Patch);
                Written(e, result, 200, representation);
                break;
            }
            case "DELETE":
            {
                var deletion = await service.DeleteAsync(session, type, id, e.IfMatch, ct, noContent: true);
                e.Status = 204;
                e.Stored = deletion;
                break;
            }
            default:
            {
                var found = e.Version is { } v ? await session.ReadVersionAsync(type, id, v, ct) : await session.ReadCurrentAsync(type, id, ct);
                if (found is null) throw FhirException.NotFound(e.Version is null ? $"{type}/{id} is not known" : $"{type}/{id} has no version {e.Version}");
                if (found.Deleted) throw FhirException.Gone($"{type}/{id} was deleted (version {found.Version})");
                e.Status = 200;
                e.Stored = found;
                e.ResponseResource = e.Method != "GET" ? null : e.View is null ? found.Body : ResourceViews.Apply(conformance, found.Body!, e.View);
                break;
            }
        }
    }

    /// <summary>
    /// A search or history entry: its searchset or history Bundle as the entry's resource (none for HEAD). A search's url
    /// carries the parameters, <c>_summary</c> and <c>_elements</c> too; the links are absolute, like those of the
    /// interactions themselves.
    /// </summary>
    private async Task ReadBundle(Entry e, string baseUrl, ResponseBudget budget, bool reserved, CancellationToken ct)
    {
        if (budget.Spent() is { } spent) throw spent;
        if (budget.Worked() is { } worked) throw worked;
        if (!reserved && budget.Reserve(e.Page) is { } refused) throw refused;
        // The page carries at most what is left of the answer's bytes (and at least one match, as any page).
        var maxBytes = Math.Min(settings.MaxPageBytes, budget.BytesLeft);
        RecyclableMemoryStream bundle;
        if (e.History is { } history)
            bundle = await FhirEndpoints.HistoryBundleAsync(services, history with { MaxBytes = Math.Min(history.MaxBytes, maxBytes) }, baseUrl, e.HistoryPath!,
                Query(e.HistoryParameters), ct, budget.Read);
        else if (e.Everything)
            bundle = await EverythingEndpoint.EverythingAsync(services, e.Id!, e.Search!, baseUrl, Query(e.Search!), ct, maxBytes);
        else
        {
            var path = e.Compartment is { } c ? $"/{c.OwnerType}/{c.OwnerId}/{e.Type}" : "/" + e.Type;
            bundle = await SearchEndpoints.SearchsetAsync(services, e.Type!, e.Search!, strict: false, e.Compartment, baseUrl, path, Query(e.Search!), ct, maxBytes,
                budget.Read);
        }
        if (budget.Settle(e.Page, bundle.GetReadOnlySequence()) is { } over)
        {
            bundle.Dispose();
            throw over;
        }
        e.Status = 200;
        if (e.Method == "GET") e.ResponseBundle = bundle;
        else bundle.Dispose();
    }

    /// <summary>The issues of a refused entry url, located at the url.</summary>
    private static void AtUrl(Entry entry, FhirException failure) =>
        entry.Issues.AddRange(failure.Issues.Select(i => i with { Expression = entry.Where + ".request.url" }));

    private static QueryCollection Query(List<KeyValuePair<string, string>> pairs) =>
        new(pairs.GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Microsoft.Extensions.Primitives.StringValues([.. g.Select(p => p.Value)])));

    /// <summary>The parameters of an entry url's query, decoded (<c>name=a%20b</c> → name, "a b").</summary>
    private static List<KeyValuePair<string, string>> SearchPairs(string query) =>
        SearchEndpoints.Pairs(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));

    private static void Written(Entry e, WriteResult result, int status, bool representation)
    {
        e.Status = status;
        e.Stored = result.Version;
        e.Location = $"{result.Version.Type}/{result.Version.Id}/_history/{result.Version.Version}";
        e.ResponseResource = representation ? result.Version.FullBody : null;
        e.Warnings = result.Warnings ?? [];
    }

    /// <summary>
    /// Conditional entries (R4 http.html#trules): ifNoneExist on a POST (a match makes the entry a no-op that answers
    /// with the existing resource), and search criteria on PUT, PATCH and DELETE (the match decides the id). Several
    /// matches → 412.
    /// </summary>
    private async Task ResolveConditionals(List<Entry> entries, string baseUrl, CancellationToken ct)
    {
        foreach (var e in entries)
        {
            var criteria = e.Method == "POST" ? e.IfNoneExist : e.Criteria;
            if (criteria is null || e.Type is null) continue;
            IReadOnlyList<StoredVersion> matches;
            try
            {
                matches = await matcher.MatchAsync(e.Type, criteria, baseUrl, ct);
            }
            catch (FhirException failure)
            {
                throw new FhirException(failure.Status, failure.Issues.Select(i => i with { Message = $"{e.Where}: {i.Message}", Expression = e.Where + ".request" }).ToList());
            }
            if (matches.Count > 1)
                throw FhirException.PreconditionFailed($"{e.Where}: '{e.Type}?{criteria}' matches more than one resource.");
            var match = matches.Count == 1 ? matches[0] : null;
            switch (e.Method)
            {
                case "POST" when match is not null:
                    e.NoOp = true;
                    e.Id = match.Id;
                    e.Status = 200;
                    e.Stored = match;
                    e.Location = $"{match.Type}/{match.Id}/_history/{match.Version}";
                    break;
                case "PUT":
                    var bodyId = e.Resource?.Child("id")?.Value;
                    if (match is not null && bodyId is not null && bodyId != match.Id)
                        throw FhirException.BadRequest($"{e.Where}: the resource id '{bodyId}' is not the id of the matching resource '{match.Id}'.", e.Where + ".resource.id");
                    e.Id = match?.Id ?? bodyId ?? ResourceService.NewId();
                    break;
                case "DELETE":
                    if (match is null) { e.NoOp = true; e.Status = 204; }
                    else e.Id = match.Id;
                    break;
                case "PATCH":
                    // R4 http.html#patch: a conditional patch applies to the one match; none is 404.
                    e.Id = match?.Id ?? throw FhirException.NotFound($"{e.Where}: '{e.Type}?{criteria}' matches no resource to patch.");
                    break;
            }
        }
    }

    /// <summary>
    /// Conditional references (<c>Organization?identifier=…</c>, R4 http.html#trules) become <c>Type/id</c>: the one
    /// matching stored resource, or else the entry of this Bundle created with the same ifNoneExist criteria.
    /// </summary>
    private async Task ResolveConditionalReferences(List<Entry> entries, Dictionary<string, string> identities, string baseUrl, CancellationToken ct)
    {
        foreach (var e in entries.Where(e => e.Resource is not null))
            foreach (var node in e.Resource!.Descendants())
            {
                if (node.Name != "reference" || node.Parent?.Type != "Reference" || node.Value is not { } value) continue;
                var q = value.IndexOf('?');
                if (q <= 0 || identities.ContainsKey(value)) continue;
                var type = value[..q];
                if (!conformance.Registry.IsResourceType(type)) continue;
                var criteria = value[(q + 1)..];
                var matches = await matcher.MatchAsync(type, criteria, baseUrl, ct);
                if (matches.Count > 1)
                    throw new FhirException(StatusCodes.Status412PreconditionFailed, "conflict", $"The conditional reference '{value}' matches more than one {type}.", node.Location);
                var target = matches.Count == 1 ? $"{type}/{matches[0].Id}" : null;
                target ??= entries.FirstOrDefault(x => x.Method == "POST" && x.Type == type && x.IfNoneExist == criteria && x.Id is not null) is { } created
                    ? $"{type}/{created.Id}"
                    : null;
                identities[value] = target ?? throw FhirException.BadRequest($"The conditional reference '{value}' matches no {type}.", node.Location);
            }
    }

    /// <summary>
    /// References to other entries by their fullUrl (<c>urn:uuid:…</c>, or an absolute URL) become <c>Type/id</c>
    /// (R4 bundle.html#references), in references, in elements of type uri and url (Attachment.url, extensions), and
    /// in the narrative's links and images (<c>&lt;a href&gt;</c>, <c>&lt;img src&gt;</c>; http.html#trules); a
    /// <c>urn:uuid:</c> reference that names no entry is an error. Elements of type oid and uuid keep their value,
    /// which <c>Type/id</c> would make invalid.
    /// </summary>
    private static void RewriteReferences(Entry e, Dictionary<string, string> identities)
    {
        foreach (var node in e.Resource!.Descendants())
        {
            if (!node.HasValue) continue;
            if (node.Type == "xhtml")
            {
                if (identities.Count > 0) node.Value = RewriteNarrativeLinks(node.Value!, identities);
                continue;
            }
            var isReference = node.Name == "reference" && node.Parent?.Type == "Reference";
            if (!isReference && node.Type is not ("uri" or "url")) continue;
            var value = node.Value!;
            if (identities.TryGetValue(value, out var target)) node.Value = target;
            else if (isReference && value.StartsWith("urn:uuid:", StringComparison.Ordinal))
                throw FhirException.BadRequest($"The reference '{value}' names no entry of the transaction.", node.Location);
        }
    }

    /// <summary>The <c>href</c> of the narrative's <c>a</c> and the <c>src</c> of its <c>img</c> that name an entry, as that entry's <c>Type/id</c>.</summary>
    internal static string RewriteNarrativeLinks(string div, IReadOnlyDictionary<string, string> identities)
    {
        if (!div.Contains("href", StringComparison.Ordinal) && !div.Contains("src", StringComparison.Ordinal)) return div;
        return LinkTag().Replace(div, tag => Attribute().Replace(tag.Value, attribute =>
        {
            if (attribute.Groups["name"].Value is not ("href" or "src")) return attribute.Value;
            var value = attribute.Groups["value"].Value;
            // Attribute values are XML: the fullUrl may be written with character references (&amp;).
            var url = value.Contains('&') ? System.Net.WebUtility.HtmlDecode(value) : value;
            return identities.TryGetValue(url, out var target)
                ? attribute.Value[..(attribute.Groups["value"].Index - attribute.Index)] + target + attribute.Groups["quote"].Value
                : attribute.Value;
        }));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"<(?:[A-Za-z_][\w.-]*:)?(?:a|img)\s[^>]*>")]
    private static partial System.Text.RegularExpressions.Regex LinkTag();

    // Every attribute of the tag in turn, so that text inside another attribute's value is never taken for one.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=\s)(?<name>[^\s=/>]+)\s*=\s*(?<quote>[""'])(?<value>.*?)\k<quote>", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex Attribute();

    /// <summary>
    /// The response Bundle, in a pooled stream: with the entries' answers (up to Server:MaxBundleResponseBytes) it is
    /// the request's largest allocation. Each answer is let go (a page given back to the pool) once copied in.
    /// </summary>
    private RecyclableMemoryStream Response(string type, List<Entry> entries)
    {
        var buffer = services.GetRequiredService<BufferPool>().Rent(type);
        try
        {
            using var bundle = new BundleJson(buffer, type, DateTimeOffset.UtcNow);
            foreach (var e in entries)
            {
                if (e.ResponseBundle is { } page) bundle.StartEntry(null, page.GetReadOnlySequence());
                else bundle.StartEntry(null, e.ResponseResource);
                e.ReleaseResponse();
                var status = e.Status switch
                {
                    200 => "200 OK", 201 => "201 Created", 204 => "204 No Content",
                    var s => $"{s} {ReasonPhrases(s)}",
                };
                bundle.Response(status, e.Location, e.Stored is { Deleted: false } ? e.Stored : null, e.Outcome);
                bundle.EndEntry();
            }
            return bundle.Finish();
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
