using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;

namespace FhirServer.Search;

/// <summary>What the write path asks of search: the index rows of a resource version, written in the same transaction.</summary>
public interface IResourceIndexer
{
    /// <summary>The rows of a resource; an absolute reference is to a local resource only on one of the <paramref name="local"/> bases.</summary>
    IReadOnlyList<IndexEntry> Extract(ElementNode resource, ServerBases local);

    /// <summary>Changes when the rows of a resource would change: the search parameters, the indexer's version, the configured bases (then the stored index is rebuilt).</summary>
    string Fingerprint { get; }
}
