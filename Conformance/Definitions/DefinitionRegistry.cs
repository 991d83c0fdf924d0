using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions.Snapshots;
using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Definitions;

/// <summary>
/// Every conformance resource of the loaded packages, found by canonical URL (<c>url</c>, <c>url|version</c>) or by
/// resource type. Start-up reads only the packages' indexes; a resource's JSON is read, and a StructureDefinition
/// compiled, the first time someone asks for it, then cached.
/// </summary>
public sealed class DefinitionRegistry
{
    public const string CoreStructurePrefix = "http://hl7.org/fhir/StructureDefinition/";

    private readonly FrozenDictionary<string, CanonicalEntry[]> _byUrl;
    private readonly FrozenDictionary<string, CanonicalEntry[]> _byType;
    private readonly FrozenDictionary<string, TypeKind> _coreTypes;
    private readonly ConcurrentDictionary<CanonicalEntry, Lazy<StructureDefinitionInfo>> _compiled = new();
    private readonly ConcurrentDictionary<string, StructureDefinitionInfo> _typeCache = new(StringComparer.Ordinal);
    private readonly Lazy<SnapshotGenerator> _snapshots;

    public DefinitionRegistry(IEnumerable<FhirPackage> packages)
    {
        _snapshots = new(() => new SnapshotGenerator(this));
        Packages = packages.ToList();
        var byUrl = new Dictionary<string, List<CanonicalEntry>>(StringComparer.Ordinal);
        var byType = new Dictionary<string, List<CanonicalEntry>>(StringComparer.Ordinal);
        var types = new Dictionary<string, TypeKind>(StringComparer.Ordinal);
        foreach (var package in Packages)
        {
            foreach (var entry in package.Entries)
            {
                var ce = new CanonicalEntry(package, entry);
                Add(byType, entry.ResourceType, ce);
                if (entry.Url is not { Length: > 0 } url) continue;
                Add(byUrl, url, ce);
                // Base types and resources are the specializations published under the core prefix with id = type.
                if (entry.ResourceType == "StructureDefinition" && entry.Type is { } t &&
                    url.Length == CoreStructurePrefix.Length + t.Length && url.StartsWith(CoreStructurePrefix, StringComparison.Ordinal) &&
                    url.EndsWith(t, StringComparison.Ordinal))
                {
                    types.TryAdd(t, entry.Kind switch
                    {
                        "primitive-type" => TypeKind.Primitive,
                        "resource" => TypeKind.Resource,
                        "logical" => TypeKind.Logical,
                        _ => TypeKind.Complex,
                    });
                }
            }
        }
        // Within one URL, the highest version first; equal versions keep package load order.
        _byUrl = byUrl.ToFrozenDictionary(kv => kv.Key,
            kv => kv.Value.OrderByDescending(e => e.Version ?? "", SemanticVersionComparer.Instance).ToArray(), StringComparer.Ordinal);
        _byType = byType.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
        _coreTypes = types.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IReadOnlyList<FhirPackage> Packages { get; }

    /// <summary>Names of every base type the loaded packages define (primitive, complex, resource).</summary>
    public IEnumerable<string> TypeNames => _coreTypes.Keys;

    public bool IsPrimitiveType(string type) => _coreTypes.TryGetValue(type, out var k) && k == TypeKind.Primitive;
    public bool IsResourceType(string type) => _coreTypes.TryGetValue(type, out var k) && k == TypeKind.Resource;
    public bool IsKnownType(string type) => _coreTypes.ContainsKey(type);

    /// <summary>Resolves <c>url</c> (highest version) or <c>url|version</c>.</summary>
    public CanonicalEntry? Resolve(string canonical)
    {
        var bar = canonical.IndexOf('|');
        var url = bar < 0 ? canonical : canonical[..bar];
        if (!_byUrl.TryGetValue(url, out var entries)) return null;
        if (bar < 0) return entries[0];
        var version = canonical[(bar + 1)..];
        return entries.FirstOrDefault(e => e.Version == version)
            // "url|4.0" matches 4.0.x: a version given with fewer parts is a prefix (R4 §2.9.0.14 canonical versions).
            ?? entries.FirstOrDefault(e => e.Version is { } v && v.StartsWith(version + ".", StringComparison.Ordinal));
    }

    public IReadOnlyList<CanonicalEntry> ListByResourceType(string resourceType) =>
        _byType.TryGetValue(resourceType, out var list) ? list : [];

    public IReadOnlyList<CanonicalEntry> AllVersions(string url) => _byUrl.TryGetValue(url, out var list) ? list : [];

    public byte[] ReadBytes(CanonicalEntry entry) => entry.Package.ReadFile(entry.Entry);

    public JsonDocument ReadJson(CanonicalEntry entry) => JsonDocument.Parse(ReadBytes(entry));

    /// <summary>A StructureDefinition by canonical, compiled once.</summary>
    public StructureDefinitionInfo? GetStructureDefinition(string canonical)
    {
        var entry = Resolve(canonical);
        return entry is null || entry.ResourceType != "StructureDefinition" ? null : Compile(entry);
    }

    public StructureDefinitionInfo Compile(CanonicalEntry entry) =>
        _compiled.GetOrAdd(entry, e => new Lazy<StructureDefinitionInfo>(() =>
        {
            using var doc = ReadJson(e);
            var info = StructureDefinitionCompiler.Compile(WithSnapshot(doc.RootElement), e.PackageId);
            info.Entry = e;
            return info;
        })).Value;

    // A profile may be published with its differential only (R4 structuredefinition.html#snapshot: the snapshot is
    // optional in a package): it gets one generated, so that it serves like the others. Should that fail, it is
    // compiled without (HasSnapshot false), as before.
    private JsonElement WithSnapshot(JsonElement sd)
    {
        if (sd.TryGetProperty("snapshot", out _) || !sd.TryGetProperty("differential", out _) ||
            !sd.TryGetProperty("derivation", out var derivation) || derivation.GetString() != "constraint")
            return sd;
        var outcome = _snapshots.Value.Generate((JsonObject)JsonNode.Parse(sd.GetRawText())!);
        return outcome.Success ? JsonSerializer.SerializeToElement(outcome.StructureDefinition) : sd;
    }

    /// <summary>The base definition of a type by name (<c>Patient</c>, <c>HumanName</c>, <c>string</c>), or of an absolute type URL.</summary>
    public StructureDefinitionInfo? GetTypeDefinition(string type)
    {
        // TryGetValue first: the parsers call this for every complex element.
        if (_typeCache.TryGetValue(type, out var known)) return known;
        var found = GetStructureDefinition(type.Contains(':') ? type : CoreStructurePrefix + type);
        // Only the names of definitions are kept: the others come from clients (a resourceType, a profile), and
        // keeping each would let the cache grow with every new name sent.
        return found is null ? null : _typeCache.GetOrAdd(type, found);
    }

    /// <summary>How many type names are cached now.</summary>
    internal int CachedTypeCount => _typeCache.Count;

    /// <summary>Element information for a path of a base type, e.g. <c>Patient.name.given</c> or <c>Observation.valueQuantity</c>.</summary>
    public ElementDefinitionInfo? GetElement(string path) => ResolvePath(null, path)?.Element;

    /// <summary>Element information for a path within a profile; paths the profile does not constrain fall back to the types' base definitions.</summary>
    public ElementDefinitionInfo? GetElement(string profileCanonical, string path) => ResolvePath(profileCanonical, path)?.Element;

    /// <summary>Walks a dotted path; a choice name (<c>valueQuantity</c>) resolves to the choice element with that type.</summary>
    public ElementPathMatch? ResolvePath(string? profileCanonical, string path)
    {
        var segments = path.Split('.');
        var sd = profileCanonical is null ? GetTypeDefinition(segments[0]) : GetStructureDefinition(profileCanonical);
        if (sd?.Root is null) return null;
        if (profileCanonical is not null && sd.Type != segments[0]) return null;
        var current = new ElementPathMatch(sd.Root, null);
        for (var i = 1; i < segments.Length; i++)
        {
            var next = Child(current, segments[i]);
            if (next is null) return null;
            current = next;
        }
        return current;
    }

    /// <summary>The children of an element: inline (backbone, contentReference) or those of its (single or chosen) type.</summary>
    public IReadOnlyList<ElementDefinitionInfo> ChildrenOf(ElementDefinitionInfo element, string? typeCode = null)
    {
        if (element.HasInlineChildren) return element.Children;
        var type = typeCode ?? element.TypeCode;
        return type is null ? [] : GetTypeDefinition(type)?.Root?.Children ?? [];
    }

    private ElementPathMatch? Child(ElementPathMatch parent, string name)
    {
        var element = parent.Element;
        var bracket = name.IndexOf('[');
        if (bracket > 0 && !name.EndsWith("[x]", StringComparison.Ordinal)) name = name[..bracket];
        if (name.EndsWith("[x]", StringComparison.Ordinal)) name = name[..^3];

        if (element.HasInlineChildren)
        {
            if (element.TryGetChildByJsonName(name, out var c, out var ct)) return new(c, ct?.Code);
            if (element.GetChild(name) is { } plain) return new(plain, null);
            return null;
        }
        // Follow the type: the chosen choice type, the type's profile if the profile names one, else the base type.
        var typeRef = parent.ChoiceType is { } chosen
            ? element.Types.FirstOrDefault(t => t.Code == chosen)
            : element.Types.Count == 1 ? element.Types[0] : null;
        if (typeRef is null) return null;
        var typeSd = typeRef.Profiles.Count == 1 ? GetStructureDefinition(typeRef.Profiles[0]) : null;
        typeSd ??= GetTypeDefinition(typeRef.Code);
        if (typeSd?.Root is null) return null;
        return Child(new ElementPathMatch(typeSd.Root, null), name);
    }

    private static void Add(Dictionary<string, List<CanonicalEntry>> map, string key, CanonicalEntry e)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(e);
    }

    private enum TypeKind { Primitive, Complex, Resource, Logical }
}

/// <summary>An element found by path, with the concrete type when the path named a choice type (<c>valueQuantity</c>).</summary>
public sealed record ElementPathMatch(ElementDefinitionInfo Element, string? ChoiceType);
