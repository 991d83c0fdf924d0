using System.Security.Claims;

namespace FhirServer.Authorization;

/// <summary>
/// What an authenticated request may do, from its claims (docs/authorization.md, "Enforcement"): the granted scopes
/// (one <c>scope</c> claim each), the patient and encounter in context (ids), <c>fhirUser</c>, <c>client_id</c>, <c>sub</c>.
/// </summary>
public sealed class AccessContext
{
    public IReadOnlyList<SmartScope> Scopes { get; }
    public string? Patient { get; }
    public string? Encounter { get; }
    public string? FhirUser { get; }
    public string? ClientId { get; }
    public string? Subject { get; }

    public AccessContext(IReadOnlyList<SmartScope> scopes, string? patient = null, string? encounter = null, string? fhirUser = null,
        string? clientId = null, string? subject = null)
    {
        Scopes = scopes;
        Patient = patient;
        Encounter = encounter;
        FhirUser = fhirUser;
        ClientId = clientId;
        Subject = subject;
    }

    public static AccessContext From(ClaimsPrincipal user)
    {
        // One claim per scope is the contract; a space-separated value (as in a token's "scope" string) is read too.
        var scopes = user.FindAll("scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(SmartScope.Parse).OfType<SmartScope>().ToList();
        return new AccessContext(scopes, Value(user, "patient"), Value(user, "encounter"), Value(user, "fhirUser"),
            Value(user, "client_id"), Value(user, "sub"));
    }

    private static string? Value(ClaimsPrincipal user, string type) => user.FindFirst(type)?.Value is { Length: > 0 } v ? v : null;

    /// <summary>
    /// The broadest of the scopes that grant <paramref name="interaction"/> on <paramref name="type"/>: without a patient
    /// restriction or a query before those with one. Several restricted grants are a union this server does not
    /// combine: the one taken reaches a part of it, never more.
    /// </summary>
    public Access Decide(string type, Interactions interaction)
    {
        if (_decisions.TryGetValue((type, interaction), out var decided)) return decided;
        decided = DecideNow(type, interaction);
        // An access context lives as long as its principal (kept across the requests of one token): its decisions too,
        // for as many types as a server has.
        if (_decisions.Count < MaxDecisions) _decisions.TryAdd((type, interaction), decided);
        return decided;
    }

    private const int MaxDecisions = 1024;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, Interactions), Access> _decisions = new();

    private Access DecideNow(string type, Interactions interaction)
    {
        Access? best = null;
        foreach (var scope in Scopes)
        {
            if (!scope.Grants(type, interaction)) continue;
            string? patient = null;
            if (scope.Context == ScopeContext.Patient)
            {
                // A patient/ scope with no patient in context reaches nothing.
                if (Patient is null) continue;
                patient = Patient;
            }
            var access = new Access(true, patient, scope.Query);
            if (best is null || access.Rank < best.Rank) best = access;
        }
        return best ?? Access.Denied;
    }
}

/// <summary>
/// A decision: granted or not, and when granted, the patient whose compartment bounds it and the search-parameter
/// query of a qualified scope (both null: everything of the type).
/// </summary>
public sealed record Access(bool Granted, string? Patient, string? Query)
{
    public static readonly Access Denied = new(false, null, null);
    public static readonly Access Full = new(true, null, null);

    public bool Restricted => Patient is not null || Query is not null;

    internal int Rank => (Patient is null ? 0 : 2) + (Query is null ? 0 : 1);
}
