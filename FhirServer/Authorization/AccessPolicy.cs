using FhirServer.Conformance.Search;
using FhirServer.Http;
using FhirServer.Search;
using FhirServer.Storage;
using Microsoft.AspNetCore.WebUtilities;

namespace FhirServer.Authorization;

/// <summary>
/// The one place where FHIR interactions are authorized (docs/authorization.md, "Enforcement"). The store
/// (<see cref="AuthorizedResourceStore"/>) and the search (<see cref="SqlSearch"/>) ask it on every read, write and
/// search, whether from an endpoint or from a Bundle entry, so no interaction passes beside it. A request not on a FHIR
/// endpoint with <c>Auth:Mode=smart</c> (start-up work, the authorization server's own pages) is not restricted.
/// </summary>
public sealed class AccessPolicy(IHttpContextAccessor accessor, IServiceProvider services, PatientCompartment compartment,
    SearchQueryParser parser, ServerSettings settings)
{
    private static readonly object Key = new();

    // A principal kept across requests (the same bearer token: Smart.CachedBearerAuthentication) gives the same access,
    // read from its claims once; the table holds it only as long as the principal lives.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<System.Security.Claims.ClaimsPrincipal, AccessContext> _contexts = new();

    /// <summary>The access of the current request; null when nothing is restricted.</summary>
    public AccessContext? Current
    {
        get
        {
            if (accessor.HttpContext is not { } http || http.GetEndpoint()?.Metadata.GetMetadata<FhirAccessRequired>() is null) return null;
            if (http.Items.TryGetValue(Key, out var cached)) return (AccessContext)cached!;
            var context = _contexts.GetValue(http.User, AccessContext.From);
            http.Items[Key] = context;
            return context;
        }
    }

    public PatientCompartment Compartment => compartment;

    /// <summary>The access granted for an interaction on a type; 403 naming the scope needed when there is none.</summary>
    public Access Require(string type, Interactions interaction)
    {
        if (Current is not { } context) return Access.Full;
        var access = context.Decide(type, interaction);
        return access.Granted ? access : throw Forbidden(type, interaction);
    }

    public static FhirException Forbidden(string type, Interactions interaction)
    {
        var letter = interaction switch
        {
            Interactions.Create => "c", Interactions.Read => "r", Interactions.Update => "u", Interactions.Delete => "d", _ => "s",
        };
        return new FhirException(StatusCodes.Status403Forbidden, "forbidden",
            $"The access token does not grant {interaction.ToString().ToLowerInvariant()} on {type}: it needs a scope such as patient/{type}.{letter}, user/{type}.{letter} or system/{type}.{letter}.");
    }

    /// <summary>
    /// A search as this request may run it: 403 when a type it searches, chains through or has (<c>_has</c>) is not
    /// granted; bounded by the patient's compartment (as if it were <c>Patient/{id}/{type}?…</c>) and by the query of a
    /// qualified scope. Null when it can match nothing (another patient's compartment, a type outside the compartment).
    /// </summary>
    public (SearchQuery Query, CompartmentSpec? Compartment)? Constrain(SearchQuery query, CompartmentSpec? given)
    {
        if (Current is null) return (query, given);
        var access = Require(query.Type, Interactions.Search);
        foreach (var clause in query.Clauses) RequireReferenced(clause);
        if (access.Query is { } qualifier) query = query with { Clauses = [.. query.Clauses, .. Qualifier(query.Type, qualifier)] };
        if (access.Patient is not { } patient) return (query, given);
        if (given is not null)
            return given.OwnerType == "Patient" && given.OwnerId == patient ? (query, given) : null;
        return compartment.For(query.Type, patient) is { } spec ? (query, spec) : null;
    }

    // Chains and _has read other resources to decide: their types need the search permission too.
    private void RequireReferenced(SearchClause clause)
    {
        if (clause.Chain is { } chain)
            foreach (var target in chain.Targets)
            {
                Require(target.Type, Interactions.Search);
                RequireReferenced(target.Inner);
            }
        if (clause.Has is { } has)
        {
            Require(has.SourceType, Interactions.Search);
            RequireReferenced(has.Inner);
        }
    }

    private IReadOnlyList<SearchClause> Qualifier(string type, string query) =>
        parser.Parse(type, [.. QueryHelpers.ParseQuery(query).SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? "")))], strict: true).Clauses;

    /// <summary>What of <paramref name="versions"/> the request may see: types granted <paramref name="interaction"/>, within its bounds.</summary>
    public async Task<IReadOnlyList<StoredVersion>> VisibleAsync(IReadOnlyList<StoredVersion> versions, Interactions interaction, CancellationToken ct)
    {
        if (Current is not { } context || versions.Count == 0) return versions;
        var kept = new HashSet<(string, string)>();
        foreach (var group in versions.GroupBy(v => v.Type))
        {
            var access = context.Decide(group.Key, interaction);
            if (!access.Granted) continue;
            foreach (var id in await VisibleIdsAsync(group.Key, group.Select(v => v.Id).Distinct().ToList(), access, ct)) kept.Add((group.Key, id));
        }
        return [.. versions.Where(v => kept.Contains((v.Type, v.Id)))];
    }

    /// <summary>The ids, of those given, of resources within an access's bounds, found by the search itself (compartment and qualifier).</summary>
    public async Task<IReadOnlyCollection<string>> VisibleIdsAsync(string type, IReadOnlyList<string> ids, Access access, CancellationToken ct)
    {
        if (!access.Restricted) return ids;
        // The patient's own Patient resource, the most frequent read of a patient app, needs no query.
        if (access is { Query: null, Patient: { } owner } && type == "Patient" && ids.All(id => id == owner)) return ids;
        CompartmentSpec? spec = null;
        if (access.Patient is { } patient && (spec = compartment.For(type, patient)) is null) return [];
        var search = services.GetRequiredService<SqlSearch>();
        var visible = new List<string>();
        foreach (var chunk in ids.Chunk(settings.MaxPageSize))
        {
            var query = parser.Parse(type, [new("_id", string.Join(',', chunk)), new("_count", chunk.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))], strict: false);
            if (access.Query is { } qualifier) query = query with { Clauses = [.. query.Clauses, .. Qualifier(type, qualifier)] };
            var page = await search.RunUnconstrainedAsync(query, spec, "", ct);
            visible.AddRange(page.Matches.Select(m => m.Id));
        }
        return visible;
    }

    /// <summary>403 unless the request may write this version: the interaction granted, and the result in the patient's compartment.</summary>
    public void CheckWrite(StoredVersion version, IReadOnlyList<IndexEntry>? index)
    {
        if (Current is null) return;
        var interaction = version.Method switch
        {
            VersionMethod.Create => Interactions.Create,
            VersionMethod.Update or VersionMethod.Patch => Interactions.Update,
            _ => Interactions.Delete,
        };
        var access = Require(version.Type, interaction);
        if (access.Patient is { } patient && !version.Deleted && !compartment.Contains(version.Type, version.Id, index ?? [], patient))
            throw OutsideCompartment(version.Type, patient);
    }

    /// <summary>403 unless the current version of a resource about to be written (or read in a write) is within the request's bounds.</summary>
    public async Task CheckExistingAsync(StoredVersion current, CancellationToken ct)
    {
        if (Current is not { } context || current.Deleted) return;
        var access = new[] { Interactions.Update, Interactions.Delete, Interactions.Read }
            .Select(i => context.Decide(current.Type, i)).Where(a => a.Granted).OrderBy(a => a.Rank).FirstOrDefault()
            ?? throw Forbidden(current.Type, Interactions.Update);
        if ((await VisibleIdsAsync(current.Type, [current.Id], access, ct)).Count == 0)
            throw access.Patient is { } patient ? OutsideCompartment(current.Type, patient)
                : new FhirException(StatusCodes.Status403Forbidden, "forbidden", $"{current.Type}/{current.Id} is outside what the access token's scope ({access.Query}) grants.");
    }

    private static FhirException OutsideCompartment(string type, string patient) =>
        new(StatusCodes.Status403Forbidden, "forbidden",
            $"The access token is for Patient/{patient}: it may write only resources in that patient's compartment, and this {type} is not.");
}

/// <summary>Endpoint metadata: the endpoint is a FHIR interaction, authorized by <see cref="AccessPolicy"/>.</summary>
public sealed class FhirAccessRequired;
