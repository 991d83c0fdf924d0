using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;

namespace FhirServer.Terminology.Sources;

/// <summary>The sources one request sees: its <c>tx-resource</c> resources first, then the store's, then the packages.</summary>
public sealed class RequestSources
{
    private readonly TerminologySources _shared;
    private readonly List<ElementNode> _local;
    private readonly Dictionary<ElementNode, CodeSystemIndex> _localIndexes = new(ReferenceEqualityComparer.Instance);
    // The supplements the request asked for, and the code systems indexed anew with them (per request: never shared).
    private readonly List<ElementNode> _supplements = [];
    private readonly Dictionary<string, CodeSystemIndex> _supplemented = new(StringComparer.Ordinal);

    internal RequestSources(TerminologySources shared, IEnumerable<ElementNode> local)
    {
        _shared = shared;
        _local = [.. local];
    }

    /// <summary>
    /// A code system by URL and optional version (or version pattern, <see cref="VersionPattern"/>); without a version,
    /// the highest one known. Supplements are not code systems.
    /// </summary>
    public CodeSystemIndex? FindCodeSystem(string url, string? version = null)
    {
        var local = Local("CodeSystem", url, version, r => !Supplements.IsSupplement(r));
        var ucum = local is null && url == _shared.Ucum.Url && (version is null || version == _shared.Ucum.Version);
        var entry = local is null && !ucum ? _shared.Entries(url, version, "CodeSystem").FirstOrDefault(e => e.Entry.Supplements is null) : null;
        CodeSystemIndex? index;
        ElementNode? stored = null;
        if (local is not null)
        {
            if (!_localIndexes.TryGetValue(local, out index)) _localIndexes[local] = index = CodeSystemIndex.Build(local);
        }
        else if (Pick(_shared.Stored.Find("CodeSystem", url).Where(r => !Supplements.IsSupplement(r)), url, version) is { } storedNode)
        {
            stored = storedNode;
            index = _shared.StoredCodeSystem(storedNode);
        }
        else index = ucum ? _shared.Ucum : entry is null ? null : _shared.CodeSystem(entry);
        if (index is null || _supplements.Count == 0) return index;

        var applicable = _supplements.Where(s => Supplements.Targets(s, index)).ToList();
        if (applicable.Count == 0) return index;
        // The shared index is not changed: the system is indexed again for this request, with its supplements.
        var key = index.Url + "|" + index.Version;
        if (!_supplemented.TryGetValue(key, out var supplemented) && (local ?? stored ?? (entry is null ? null : _shared.Resource(entry))) is { } node)
        {
            _supplemented[key] = supplemented = CodeSystemIndex.Build(node);
            Supplements.Apply(supplemented, applicable);
        }
        return supplemented ?? index;
    }

    /// <summary>
    /// Applies the supplements named (<c>url</c> or <c>url|version</c>) to the code systems this request finds from now
    /// on; a supplement that is not known is an error (R4: a required supplement that is missing is not ignored).
    /// </summary>
    public void UseSupplements(IEnumerable<string> canonicals)
    {
        foreach (var canonical in canonicals)
        {
            var supplement = FindSupplement(canonical) ?? throw TerminologyException.NotFound($"Required supplement not found: {canonical}");
            if (_supplements.Contains(supplement)) continue;
            _supplements.Add(supplement);
            _supplemented.Clear();
        }
    }

    /// <summary>The supplements applied to a code system this request found, as <c>url|version</c> (the used-supplement expansion parameter).</summary>
    public IEnumerable<string> SupplementsOf(CodeSystemIndex cs) =>
        _supplements.Where(s => Supplements.Targets(s, cs))
            .Select(s => s.Child("url")?.Value + (s.Child("version")?.Value is { } v ? "|" + v : ""));

    /// <summary>A supplement by canonical: the request's own first, then the store's, then the packages.</summary>
    public ElementNode? FindSupplement(string canonical)
    {
        var (url, version) = SplitCanonical(canonical);
        if (Local("CodeSystem", url, version, Supplements.IsSupplement) is { } local) return local;
        if (Pick(_shared.Stored.Find("CodeSystem", url).Where(Supplements.IsSupplement), url, version) is { } stored) return stored;
        var entry = _shared.Entries(url, version, "CodeSystem").FirstOrDefault(e => e.Entry.Supplements is not null);
        return entry is null ? null : _shared.Resource(entry);
    }

    /// <summary>Every version of a code system that is known, lowest first, for messages that list them.</summary>
    public IReadOnlyList<string> KnownVersions(string url) =>
        [.. _local.Where(r => r.Type == "CodeSystem" && r.Child("url")?.Value == url).Concat(_shared.Stored.Find("CodeSystem", url))
            .Select(r => r.Child("version")?.Value).OfType<string>()
            .Concat(_shared.Entries(url, null, "CodeSystem").Select(e => e.Version).OfType<string>()).Distinct()
            .Order(Conformance.Packages.SemanticVersionComparer.Instance)];

    /// <summary>A value set by canonical (<c>url</c> or <c>url|version</c>).</summary>
    public ElementNode? FindValueSet(string canonical)
    {
        var bar = canonical.IndexOf('|');
        var url = bar < 0 ? canonical : canonical[..bar];
        string? version = bar < 0 ? null : canonical[(bar + 1)..];
        var local = Local("ValueSet", url, version);
        if (local is not null) return local;
        if (Pick(_shared.Stored.Find("ValueSet", url), url, version) is { } stored) return stored;
        var entry = _shared.Entries(url, version, "ValueSet").FirstOrDefault();
        return entry is null ? null : _shared.ValueSet(entry);
    }

    /// <summary>A value set by canonical; an unknown one is a not-found error naming it.</summary>
    public ElementNode RequireValueSet(string canonical) =>
        FindValueSet(canonical) ?? throw new TerminologyException("not-found", TxMessages.Format(TxMessages.UnknownValueSet, canonical))
            { Detail = "not-found", MessageId = TxMessages.UnknownValueSet };

    /// <summary>A ConceptMap by canonical (<c>url</c> or <c>url|version</c>): the request's own first, then the packages.</summary>
    public ConceptMapModel? FindConceptMap(string canonical)
    {
        var (url, version) = SplitCanonical(canonical);
        if (Local("ConceptMap", url, version) is { } local) return ConceptMapModel.Read(local);
        if (Pick(_shared.Stored.Find("ConceptMap", url), url, version) is { } stored) return ConceptMapModel.Read(stored);
        var entry = _shared.Entries(url, version, "ConceptMap").FirstOrDefault();
        return entry is null ? null : _shared.ConceptMap(entry);
    }

    /// <summary>
    /// Every ConceptMap the request can see: its own, then the store's, then those of the packages, each canonical
    /// once (the first source that has it wins, as for a map named by url).
    /// </summary>
    public IEnumerable<ConceptMapModel> ConceptMaps()
    {
        var local = _local.Where(r => r.Type == "ConceptMap").Select(ConceptMapModel.Read).ToList();
        var seen = local.Select(m => m.Canonical).ToHashSet(StringComparer.Ordinal);
        var stored = _shared.Stored.All("ConceptMap").Select(ConceptMapModel.Read).Where(m => seen.Add(m.Canonical)).ToList();
        return local.Concat(stored).Concat(_shared.ConceptMapEntries().Select(_shared.ConceptMap).OfType<ConceptMapModel>().Where(m => !seen.Contains(m.Canonical)));
    }

    private static (string Url, string? Version) SplitCanonical(string canonical)
    {
        var bar = canonical.IndexOf('|');
        return bar < 0 ? (canonical, null) : (canonical[..bar], canonical[(bar + 1)..]);
    }

    private ElementNode? Local(string type, string url, string? version, Func<ElementNode, bool>? where = null) =>
        Pick(_local.Where(r => r.Type == type && (where is null || where(r))), url, version);

    // The resource of that url and version (or version pattern); without a version, the highest.
    private static ElementNode? Pick(IEnumerable<ElementNode> resources, string url, string? version) =>
        resources.Where(r => r.Child("url")?.Value == url
                && (version is null || VersionPattern.Matches(r.Child("version")?.Value, version)))
            .OrderByDescending(r => r.Child("version")?.Value ?? "", Conformance.Packages.SemanticVersionComparer.Instance)
            .FirstOrDefault();
}
