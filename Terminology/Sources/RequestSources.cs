using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Sources;

/// <summary>The sources one request sees: its <c>tx-resource</c> resources first, then the store's, then the packages.</summary>
public sealed class RequestSources
{
    private readonly TerminologySources _shared;
    private readonly List<ElementNode> _local;
    private readonly Dictionary<ElementNode, CodeSystemIndex> _localIndexes = new(ReferenceEqualityComparer.Instance);

    internal RequestSources(TerminologySources shared, IEnumerable<ElementNode> local)
    {
        _shared = shared;
        _local = [.. local];
    }

    /// <summary>A code system by URL and optional version; without a version, the highest one known.</summary>
    public CodeSystemIndex? FindCodeSystem(string url, string? version = null)
    {
        var local = Local("CodeSystem", url, version);
        if (local is not null)
        {
            if (!_localIndexes.TryGetValue(local, out var index)) _localIndexes[local] = index = CodeSystemIndex.Build(local);
            return index;
        }
        if (Pick(_shared.Stored.Find("CodeSystem", url), url, version) is { } stored) return _shared.StoredCodeSystem(stored);
        var entry = _shared.Entries(url, version, "CodeSystem").FirstOrDefault();
        return entry is null ? null : _shared.CodeSystem(entry);
    }

    /// <summary>Every version of a code system that is known, for messages that list them.</summary>
    public IReadOnlyList<string> KnownVersions(string url) =>
        [.. _local.Where(r => r.Type == "CodeSystem" && r.Child("url")?.Value == url).Concat(_shared.Stored.Find("CodeSystem", url))
            .Select(r => r.Child("version")?.Value).OfType<string>()
            .Concat(_shared.Entries(url, null, "CodeSystem").Select(e => e.Version).OfType<string>()).Distinct()];

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
        FindValueSet(canonical) ?? throw TerminologyException.NotFound($"A definition for the value set '{canonical}' could not be found");

    private ElementNode? Local(string type, string url, string? version) => Pick(_local.Where(r => r.Type == type), url, version);

    // The resource of that url and version (a shorter version matches its patches); without a version, the highest.
    private static ElementNode? Pick(IEnumerable<ElementNode> resources, string url, string? version) =>
        resources.Where(r => r.Child("url")?.Value == url
                && (version is null || TerminologySources.VersionMatches(r.Child("version")?.Value, version)))
            .OrderByDescending(r => r.Child("version")?.Value, StringComparer.Ordinal)
            .FirstOrDefault();
}
