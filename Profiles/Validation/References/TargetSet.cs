using FhirServer.Conformance.Definitions;

namespace FhirServer.Profiles.Validation.References;

/// <summary>
/// What an element's <c>type.targetProfile</c> allows, compiled once: the resource types a reference (or canonical)
/// may point to, and, per type, the profiles a resolved target must conform to (at least one: R4
/// elementdefinition.html, "targetProfile"). A target profile that is not known here says nothing about types, so
/// that a guide not loaded never turns into errors (the HL7 validator without a fetcher does the same).
/// </summary>
public sealed class TargetSet
{
    private static readonly IReadOnlyList<string> NoProfiles = [];
    private readonly Dictionary<string, List<string>> _profiles = new(StringComparer.Ordinal);

    private TargetSet(HashSet<string>? types) => Types = types;

    /// <summary>The allowed resource types; null when any type is allowed.</summary>
    public HashSet<string>? Types { get; }

    /// <summary>Whether a target of some type has profiles to conform to.</summary>
    public bool HasProfiles => _profiles.Count > 0;

    /// <summary>The allowed types as messages list them: <c>Patient, Location</c>.</summary>
    public string Allowed => Types is null ? "any" : string.Join(", ", Types.Order(StringComparer.Ordinal));

    public bool Allows(string type) => Types is null || Types.Contains(type);

    /// <summary>The profiles a target of <paramref name="type"/> must conform to one of; empty when its type's base is allowed.</summary>
    public IReadOnlyList<string> ProfilesFor(string type) => _profiles.TryGetValue(type, out var list) ? list : NoProfiles;

    public static TargetSet Compile(IReadOnlyList<string> targetProfiles, ProfileSource source)
    {
        if (targetProfiles.Count == 0) return new TargetSet(null);
        var types = new HashSet<string>(StringComparer.Ordinal);
        var profiles = new List<(string Type, string Canonical)>();
        var bases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var canonical in targetProfiles)
        {
            var (type, isProfile) = TypeOf(canonical, source);
            // Resource, DomainResource or a definition not loaded: any type may be the target.
            if (type is null or "Resource" or "DomainResource") return new TargetSet(null);
            types.Add(type);
            if (isProfile) profiles.Add((type, canonical));
            else bases.Add(type);
        }
        var set = new TargetSet(types);
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
