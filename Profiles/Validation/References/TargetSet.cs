using FhirServer.Conformance.Definitions;

namespace FhirServer.Profiles.Validation.References;

/// <summary>
/// What an element's <c>type.targetProfile</c> allows, compiled once: the resource types a reference (or canonical)
/// may point to, and, per type, the profiles a resolved target must conform to (at least one: R4
/// elementdefinition.html, "targetProfile"). A target profile that is not known here is listed in
/// <see cref="Unresolved"/>: it could be of any type, so <see cref="Allows"/> says nothing against a type while there
/// is one (a guide not loaded never turns into errors about targets that are not at hand); a target that is resolved
/// is another matter (<see cref="AllowsKnown"/>).
/// </summary>
public sealed class TargetSet
{
    private static readonly IReadOnlyList<string> NoProfiles = [];
    private readonly Dictionary<string, List<string>> _profiles = new(StringComparer.Ordinal);

    private TargetSet(HashSet<string>? types, IReadOnlyList<string>? unresolved = null)
    {
        Types = types;
        Unresolved = unresolved ?? NoProfiles;
    }

    /// <summary>The target profiles that are not known here.</summary>
    public IReadOnlyList<string> Unresolved { get; }

    /// <summary>The allowed resource types; null when any type is allowed.</summary>
    public HashSet<string>? Types { get; }

    /// <summary>Whether a target of some type has profiles to conform to.</summary>
    public bool HasProfiles => _profiles.Count > 0;

    /// <summary>The allowed types as messages list them: <c>Patient, Location</c>.</summary>
    public string Allowed => Types is null ? "any" : string.Join(", ", Types.Order(StringComparer.Ordinal));

    public bool Allows(string type) => Types is null || Unresolved.Count > 0 || Types.Contains(type);

    /// <summary>Whether a target of <paramref name="type"/> is allowed by the target profiles known here.</summary>
    public bool AllowsKnown(string type) => Types is null || Types.Contains(type);

    /// <summary>The profiles a target of <paramref name="type"/> must conform to one of; empty when its type's base is allowed.</summary>
    public IReadOnlyList<string> ProfilesFor(string type) => _profiles.TryGetValue(type, out var list) ? list : NoProfiles;

    public static TargetSet Compile(IReadOnlyList<string> targetProfiles, ProfileSource source)
    {
        if (targetProfiles.Count == 0) return new TargetSet(null);
        var types = new HashSet<string>(StringComparer.Ordinal);
        var profiles = new List<(string Type, string Canonical)>();
        var bases = new HashSet<string>(StringComparer.Ordinal);
        List<string>? unresolved = null;
        foreach (var canonical in targetProfiles)
        {
            var (type, isProfile) = TypeOf(canonical, source);
            if (type is null)
            {
                (unresolved ??= []).Add(canonical);
                continue;
            }
            // Resource or DomainResource: any type may be the target.
            if (type is "Resource" or "DomainResource") return new TargetSet(null);
            types.Add(type);
            if (isProfile) profiles.Add((type, canonical));
            else bases.Add(type);
        }
        var set = new TargetSet(types, unresolved);
        foreach (var (type, canonical) in profiles)
        {
            // A target of a type whose base definition is also allowed conforms whatever its profiles say.
            if (bases.Contains(type)) continue;
            if (!set._profiles.TryGetValue(type, out var list)) set._profiles[type] = list = [];
            list.Add(canonical);
        }
        return set;
    }

    private static (string? Type, bool IsProfile) TypeOf(string canonical, ProfileSource source)
    {
        if (source.Find(canonical) is { } found) return (found.Info.Type, found.Info.IsProfile);
        var url = canonical.Split('|')[0];
        if (url.StartsWith(DefinitionRegistry.CoreStructurePrefix, StringComparison.Ordinal) &&
            url[DefinitionRegistry.CoreStructurePrefix.Length..] is var name && source.Registry.IsKnownType(name))
            return (name, false);
        return (null, false);
    }
}
