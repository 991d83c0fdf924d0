using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Conformance.Search;

/// <summary>
/// The SearchParameters of the loaded packages, by resource type and code. The resources are read the first time
/// anyone asks (not at start-up); expressions are compiled by <see cref="SearchIndexer"/> when a type is indexed.
/// </summary>
public sealed class SearchParameterRegistry
{
    public const string CorePackage = "hl7.fhir.r4.core";

    private readonly Lazy<Loaded> _loaded;
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, SearchParameterInfo>> _byType = new(StringComparer.Ordinal);

    public SearchParameterRegistry(DefinitionRegistry registry)
    {
        Definitions = registry;
        _loaded = new Lazy<Loaded>(Load);
    }

    public DefinitionRegistry Definitions { get; }

    internal bool IsLoaded => _loaded.IsValueCreated;

    /// <summary>Every SearchParameter of the packages, usable or not (one per package resource).</summary>
    public IEnumerable<SearchParameterInfo> All => _loaded.Value.All;

    /// <summary>What loading noticed: parameters left out and why, and which of two same-code parameters won.</summary>
    public IReadOnlyList<string> Diagnostics => _loaded.Value.Diagnostics;

    /// <summary>
    /// SHA-256 of every parameter's url, version, type, expression, bases and components, in a stable order: when it
    /// changes (a package added, removed or upgraded), the stored index rows no longer match and need rebuilding.
    /// </summary>
    public string Fingerprint => _loaded.Value.Fingerprint;

    /// <summary>
    /// The parameters usable on a resource type by code: its own, then those of its ancestors (DomainResource,
    /// Resource). Empty for a name that is no resource type.
    /// </summary>
    public IReadOnlyDictionary<string, SearchParameterInfo> For(string resourceType)
    {
        if (_byType.TryGetValue(resourceType, out var known)) return known;
        var built = BuildFor(resourceType);
        // A name that is no resource type (from a client: a chain's type, a _type) is not kept.
        return built.Count == 0 ? built : _byType.GetOrAdd(resourceType, built);
    }

    /// <summary>How many resource types' parameters are cached now.</summary>
    internal int CachedTypeCount => _byType.Count;

    public SearchParameterInfo? Find(string resourceType, string code) => For(resourceType).GetValueOrDefault(code);

    /// <summary>A parameter by canonical (<c>url</c> or <c>url|version</c>); of several, the one the precedence prefers.</summary>
    public SearchParameterInfo? FindByUrl(string canonical)
    {
        var bar = canonical.IndexOf('|');
        var url = bar < 0 ? canonical : canonical[..bar];
        if (!_loaded.Value.ByUrl.TryGetValue(url, out var candidates)) return null;
        return bar < 0 ? candidates[0] : candidates.FirstOrDefault(c => c.Version == canonical[(bar + 1)..]);
    }

    private IReadOnlyDictionary<string, SearchParameterInfo> BuildFor(string resourceType)
    {
        if (!Definitions.IsResourceType(resourceType)) return FrozenDictionary<string, SearchParameterInfo>.Empty;
        var result = new Dictionary<string, SearchParameterInfo>(StringComparer.Ordinal);
        // The type's own parameters first: an ancestor's parameter of the same code does not override them.
        foreach (var baseType in AncestorsAndSelf(resourceType))
            if (_loaded.Value.ByBase.TryGetValue(baseType, out var byCode))
                foreach (var (code, parameter) in byCode)
                    result.TryAdd(code, parameter);
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private IEnumerable<string> AncestorsAndSelf(string type)
    {
        yield return type;
        var current = Definitions.GetTypeDefinition(type);
        for (var depth = 0; current?.BaseDefinition is { } baseUrl && depth < 16; depth++)
        {
            var name = baseUrl[(baseUrl.LastIndexOf('/') + 1)..];
            yield return name;
            current = Definitions.GetTypeDefinition(name);
        }
    }

    private Loaded Load()
    {
        var diagnostics = new List<string>();
        var all = new List<SearchParameterInfo>();
        foreach (var entry in Definitions.ListByResourceType("SearchParameter"))
        {
            try
            {
                using var doc = Definitions.ReadJson(entry);
                if (Read(doc.RootElement, entry, diagnostics) is { } parameter) all.Add(parameter);
            }
            catch (JsonException e)
            {
                diagnostics.Add($"{entry}: not readable JSON ({e.Message})");
            }
        }

        var byUrl = all.GroupBy(p => p.Url, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(p => p, Precedence.Instance).ToArray(), StringComparer.Ordinal);

        // Resolve composite components to the parameter they name: the one of the composite's own package if it has one.
        for (var i = 0; i < all.Count; i++)
        {
            var parameter = all[i];
            if (parameter.Components.Count == 0) continue;
            var components = parameter.Components.Select(c =>
            {
                var candidates = byUrl.GetValueOrDefault(c.DefinitionUrl.Split('|')[0]) ?? [];
                var target = candidates.FirstOrDefault(t => t.PackageId == parameter.PackageId) ?? candidates.FirstOrDefault();
                if (target is null) diagnostics.Add($"{parameter.Url} ({parameter.PackageId}): component {c.DefinitionUrl} is no loaded SearchParameter; the parameter is not indexed");
                return c with { Type = target?.Type };
            }).ToList();
            all[i] = parameter with { Components = components };
        }
        byUrl = all.GroupBy(p => p.Url, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(p => p, Precedence.Instance).ToArray(), StringComparer.Ordinal);

        var byBase = new Dictionary<string, FrozenDictionary<string, SearchParameterInfo>>(StringComparer.Ordinal);
        foreach (var group in all.SelectMany(p => p.Bases.Select(b => (Base: b, Parameter: p))).GroupBy(x => x.Base, StringComparer.Ordinal))
        {
            var chosen = new Dictionary<string, SearchParameterInfo>(StringComparer.Ordinal);
            foreach (var sameCode in group.Select(x => x.Parameter).GroupBy(p => p.Code, StringComparer.Ordinal))
            {
                var ranked = sameCode.OrderBy(p => p, Precedence.Instance).ToList();
                chosen[sameCode.Key] = ranked[0];
                if (ranked.Count > 1)
                    diagnostics.Add($"{group.Key}.{sameCode.Key}: {Describe(ranked[0])} is used; also defined by " +
                                    string.Join(", ", ranked.Skip(1).Select(Describe)));
            }
            byBase[group.Key] = chosen.ToFrozenDictionary(StringComparer.Ordinal);
        }

        return new Loaded(all, byUrl, byBase.ToFrozenDictionary(StringComparer.Ordinal), diagnostics, ComputeFingerprint(all));
    }

    private static string Describe(SearchParameterInfo p) => $"{p.Url}{(p.Version is null ? "" : "|" + p.Version)} ({p.PackageId})";

    private static SearchParameterInfo? Read(JsonElement root, CanonicalEntry entry, List<string> diagnostics)
    {
        var url = String(root, "url") ?? entry.Url;
        var code = String(root, "code");
        var typeText = String(root, "type");
        if (url is null || code is null || typeText is null)
        {
            diagnostics.Add($"{entry}: no url, code or type; left out");
            return null;
        }
        if (!typeText.All(char.IsAsciiLetterLower) || !Enum.TryParse<SearchParamType>(typeText, ignoreCase: true, out var type))
        {
            diagnostics.Add($"{url} ({entry.PackageId}): unknown type '{typeText}'; left out");
            return null;
        }
        var bases = Strings(root, "base");
        if (bases.Count == 0) diagnostics.Add($"{entry}: no base; usable on no resource type");
        var components = new List<CompositeComponent>();
        if (root.TryGetProperty("component", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var component in list.EnumerateArray())
                if (String(component, "definition") is { } definition && String(component, "expression") is { } expression)
                    components.Add(new CompositeComponent(definition, expression));
        var version = String(root, "version");
        var indexed = SearchParameterErrata.Expression(url, version, String(root, "expression"), diagnostics);
        return new SearchParameterInfo(code, url, type, indexed, bases, Strings(root, "target"), components, entry.PackageId)
        {
            Version = version,
        };
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
            : [];

    private static string ComputeFingerprint(IEnumerable<SearchParameterInfo> all)
    {
        var lines = all.Select(p => string.Join('\u001f',
                p.Url, p.Version ?? "", p.Type.ToString(), p.Expression ?? "", string.Join(',', p.Bases),
                string.Join(',', p.Components.Select(c => c.DefinitionUrl + " " + c.Expression))))
            .Order(StringComparer.Ordinal);
        var text = string.Join('\n', lines);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    // Of two parameters with the same code on the same base: R4 core first (the guides' copies of core parameters
    // and the extension pack's redefinitions must not change what a core search means); then one published at its
    // package's version over one that is not (R4 core also carries the spec's example SearchParameters, such as
    // 'example' for _id, without its version); then package load order (the sorts are stable).
    private sealed class Precedence : IComparer<SearchParameterInfo>
    {
        public static readonly Precedence Instance = new();

        public int Compare(SearchParameterInfo? x, SearchParameterInfo? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return 1;
            if (y is null) return -1;
            var c = IsCore(y).CompareTo(IsCore(x));
            if (c != 0) return c;
            return AtPackageVersion(y).CompareTo(AtPackageVersion(x));
        }

        private static bool IsCore(SearchParameterInfo p) => p.PackageId.StartsWith(CorePackage + "#", StringComparison.Ordinal);

        private static bool AtPackageVersion(SearchParameterInfo p) =>
            p.Version is { } v && p.PackageId.EndsWith("#" + v, StringComparison.Ordinal);
    }

    private sealed record Loaded(
        IReadOnlyList<SearchParameterInfo> All,
        FrozenDictionary<string, SearchParameterInfo[]> ByUrl,
        FrozenDictionary<string, FrozenDictionary<string, SearchParameterInfo>> ByBase,
        IReadOnlyList<string> Diagnostics,
        string Fingerprint);
}
