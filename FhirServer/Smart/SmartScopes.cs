namespace FhirServer.Smart;

/// <summary>
/// Which of the scopes a client asks for it may be granted: those its configuration lists, or that a listed SMART
/// pattern covers (SMART App Launch 2.x "Scopes for requesting clinical data": <c>system/*.cruds</c> covers
/// <c>system/Observation.rs</c>; v1 <c>read</c> is <c>rs</c>, <c>write</c> is <c>cud</c>, <c>*</c> is <c>cruds</c>).
/// </summary>
public static class SmartScopes
{
    /// <summary>
    /// The identity, launch-context and refresh scopes this server supports (SMART App Launch "Scopes for requesting
    /// context data", "identity data", "refresh tokens"): granted to a signed-in user whenever asked.
    /// </summary>
    public static readonly IReadOnlySet<string> ContextScopes = new HashSet<string>(StringComparer.Ordinal)
    {
        "openid", "fhirUser", "launch", "launch/patient", "launch/encounter", "offline_access", "online_access",
    };

    public static List<string> Grant(IEnumerable<string> requested, IReadOnlyCollection<string> allowed) =>
        [.. requested.Distinct(StringComparer.Ordinal).Where(scope => allowed.Any(a => Covers(a, scope)))];

    /// <summary>
    /// What a signed-in user grants an app of what it asks: the context scopes, and the clinical scopes the client's
    /// configuration covers — <c>patient/</c> and <c>user/</c> for a practitioner, <c>patient/</c> only for a patient
    /// (a <c>user/</c> scope is not bounded by <c>fhirUser</c>: it would open every record), never <c>system/</c>
    /// (Backend Services). Unknown scopes are left out; with both refresh scopes, <c>offline_access</c> wins.
    /// </summary>
    public static List<string> GrantToUser(IEnumerable<string> requested, SmartClient client, SignedInUser user)
    {
        var granted = new List<string>();
        foreach (var scope in requested.Distinct(StringComparer.Ordinal))
        {
            if (ContextScopes.Contains(scope)) granted.Add(scope);
            else if (TryParse(scope, out var parsed) && parsed.Context != "system" && (parsed.Context == "patient" || !user.IsPatient)
                     && client.Scopes.Any(a => Covers(a, scope)))
                granted.Add(scope);
        }
        if (granted.Contains("offline_access")) granted.Remove("online_access");
        return granted;
    }

    /// <summary>A clinical scope bounded to the patient in context (<c>patient/…</c>).</summary>
    public static bool IsPatientScope(string scope) => TryParse(scope, out var parsed) && parsed.Context == "patient";

    public static bool Covers(string allowed, string requested)
    {
        if (allowed == requested) return true;
        if (!TryParse(allowed, out var a) || !TryParse(requested, out var r)) return false;
        // A query-qualified allowance covers only itself; a plain one covers its query-qualified narrowings.
        if (a.Query is not null || a.Context != r.Context) return false;
        if (a.Resource != "*" && a.Resource != r.Resource) return false;
        return r.Permissions.All(a.Permissions.Contains);
    }

    private readonly record struct Parsed(string Context, string Resource, string Permissions, string? Query);

    // context/Resource.permissions[?query], context in patient, user, system.
    private static bool TryParse(string scope, out Parsed parsed)
    {
        parsed = default;
        var slash = scope.IndexOf('/');
        if (slash <= 0) return false;
        var context = scope[..slash];
        if (context is not ("patient" or "user" or "system")) return false;
        var rest = scope[(slash + 1)..];
        string? query = null;
        if (rest.IndexOf('?') is var q and >= 0) { query = rest[(q + 1)..]; rest = rest[..q]; }
        var dot = rest.LastIndexOf('.');
        if (dot <= 0) return false;
        var permissions = rest[(dot + 1)..] switch
        {
            "read" => "rs",
            "write" => "cud",
            "*" => "cruds",
            var p when p.Length > 0 && p.All("cruds".Contains) => p,
            _ => null,
        };
        if (permissions is null) return false;
        parsed = new Parsed(context, rest[..dot], permissions, query);
        return true;
    }
}
