using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;

namespace FhirServer.Search;

/// <summary>The search parameters and the indexer of the loaded packages, as the server's search and write paths see them.</summary>
public sealed class PackageSearch : ISearchParameters, IResourceIndexer
{
    private readonly SearchParameterRegistry _parameters;
    private readonly SearchIndexer _indexer;

    private readonly bool _fullText;
    private readonly string _bases;

    public PackageSearch(ConformanceContext conformance, ServerSettings settings, ILogger<PackageSearch> logger)
    {
        _bases = string.Join(",", LocalBases.Parse(settings).Urls);
        _parameters = new SearchParameterRegistry(conformance.Registry);
        _fullText = settings.FullText;
        _indexer = new SearchIndexer(_parameters, conformance.Registry, _fullText);
        foreach (var d in _parameters.Diagnostics) logger.LogDebug("Search parameters: {Message}", d);
    }

    public SearchParameterRegistry Registry => _parameters;

    // Only what is indexed can be searched: a parameter without index rows (no expression, or one that did not compile)
    // is unknown to the query side, so a search on it is reported as ignored (or refused under handling=strict)
    // instead of matching nothing, and /metadata does not offer it.
    public SearchParameterInfo? Find(string resourceType, string code) =>
        _parameters.Find(resourceType, code) is { } p && _indexer.Indexes(resourceType, p) ? p : null;

    public IEnumerable<SearchParameterInfo> For(string resourceType) =>
        _parameters.For(resourceType).Values.Where(p => _indexer.Indexes(resourceType, p));

    public IReadOnlyList<IndexEntry> Extract(ElementNode resource, ServerBases local) => _indexer.Extract(resource, local);

    // Full text indexes more rows for the same parameters, and the configured bases decide which absolute references
    // are local: either changing is a change of the index, as is a new version of the indexer.
    public string Fingerprint =>
        $"{_parameters.Fingerprint}+index{SearchIndexer.Version}" + (_fullText ? "+fulltext" : "") + (_bases.Length > 0 ? "+base " + _bases : "");
}
