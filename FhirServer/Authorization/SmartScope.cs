namespace FhirServer.Authorization;

/// <summary>The interactions a SMART scope grants (SMART App Launch 2.x scopes-and-launch-context: c r u d s).</summary>
[Flags]
public enum Interactions
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
    All = Create | Read | Update | Delete | Search,
}

/// <summary>Whose data a scope reaches: the patient in context, what the user may see, or the client's (backend services).</summary>
public enum ScopeContext { Patient, User, System }

/// <summary>
/// One clinical-data scope: <c>patient/Observation.rs</c>, <c>user/*.cruds</c>, <c>system/*.read</c> (SMART v1
/// <c>read</c> = rs, <c>write</c> = cud, <c>*</c> = all) and a query-qualified v2 scope
/// <c>patient/Observation.rs?category=laboratory</c>, whose <see cref="Query"/> restricts what it grants.
/// </summary>
public sealed record SmartScope(ScopeContext Context, string Type, Interactions Interactions, string? Query)
{
    private const string Order = "cruds";

    public bool Grants(string type, Interactions interaction) =>
        (Type == "*" || Type == type) && (Interactions & interaction) != 0;

    /// <summary>The scope, or null for one that is not a clinical-data scope or is malformed (such scopes grant nothing).</summary>
    public static SmartScope? Parse(string text)
    {
        var slash = text.IndexOf('/');
        if (slash <= 0) return null;
        ScopeContext? context = text[..slash] switch
        {
            "patient" => ScopeContext.Patient, "user" => ScopeContext.User, "system" => ScopeContext.System, _ => null,
        };
        if (context is null) return null;
        var rest = text[(slash + 1)..];
        string? query = null;
        if (rest.IndexOf('?') is var q and >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
            if (query.Length == 0) return null;
        }
        var dot = rest.LastIndexOf('.');
        if (dot <= 0) return null;
        var type = rest[..dot];
        if (type != "*" && !(char.IsAsciiLetterUpper(type[0]) && type.All(char.IsAsciiLetter))) return null;
        var interactions = Permissions(rest[(dot + 1)..]);
        if (interactions == Interactions.None) return null;
        // A query qualifies v2 permissions only (SMART 2.x "Finer-grained resource constraints using search parameters").
        if (query is not null && rest[(dot + 1)..] is "read" or "write" or "*") return null;
        return new SmartScope(context.Value, type, interactions, query);
    }

    private static Interactions Permissions(string text)
    {
        switch (text)
        {
            case "read": return Interactions.Read | Interactions.Search;
            case "write": return Interactions.Create | Interactions.Update | Interactions.Delete;
            case "*": return Interactions.All;
        }
        // v2: a non-empty subset of c r u d s, in that order, each at most once.
        var result = Interactions.None;
        var last = -1;
        foreach (var c in text)
        {
            var at = Order.IndexOf(c);
            if (at <= last) return Interactions.None;
            last = at;
            result |= (Interactions)(1 << at);
        }
        return result;
    }

    public override string ToString() =>
        $"{Context.ToString().ToLowerInvariant()}/{Type}.{string.Concat(Order.Where((_, i) => (Interactions & (Interactions)(1 << i)) != 0))}"
        + (Query is null ? "" : "?" + Query);
}
