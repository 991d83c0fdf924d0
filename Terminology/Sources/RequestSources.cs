using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;

namespace FhirServer.Terminology.Sources;

/// <summary>The sources one request sees: its <c>tx-resource</c> resources first, then the packages.</summary>
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
        var entry = _shared.Entries(url, version, "CodeSystem").FirstOrDefault();
        return entry is null ? null : _shared.CodeSystem(entry);
    }

    /// <summary>Every version of a code system that is known, for messages that list them.</summary>
    public IReadOnlyList<string> KnownVersions(string url) =>
        [.. _local.Where(r => r.Type == "CodeSystem" && r.Child("url")?.Value == url).Select(r => r.Child("version")?.Value).OfType<string>()
            .Concat(_shared.Entries(url, null, "CodeSystem").Select(e => e.Version).OfType<string>()).Distinct()];

    /// <summary>A value set by canonical (<c>url</c> or <c>url|version</c>).</summary>
    public ElementNode? FindValueSet(string canonical)
    {
        var bar = canonical.IndexOf('|');
        var url = bar < 0 ? canonical : canonical[..bar];
        string? version = bar < 0 ? null : canonical[(bar + 1)..];
        var local = Local("ValueSet", url, version);
        if (local is not null) return local;
        var entry = _shared.Entries(url, version, "ValueSet").FirstOrDefault();
        return entry is null ? null : _shared.ValueSet(entry);
    }

    /// <summary>A value set by canonical; an unknown one is a not-found error naming it.</summary>
    public ElementNode RequireValueSet(string canonical) =>
        FindValueSet(canonical) ?? throw new TerminologyException("not-found", TxMessages.Format(TxMessages.UnknownValueSet, canonical))
            { Detail = "not-found", MessageId = TxMessages.UnknownValueSet };

    private ElementNode? Local(string type, string url, string? version) =>
        _local.Where(r => r.Type == type && r.Child("url")?.Value == url
                && (version is null || TerminologySources.VersionMatches(r.Child("version")?.Value, version)))
            .OrderByDescending(r => r.Child("version")?.Value, StringComparer.Ordinal)
            .FirstOrDefault();
}
