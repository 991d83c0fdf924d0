using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;

namespace FhirServer.Search;

/// <summary>What the write path asks of search: the index rows of a resource version, written in the same transaction.</summary>
public interface IResourceIndexer
{
    IReadOnlyList<IndexEntry> Extract(ElementNode resource);

    /// <summary>Changes when the set of search parameters changes (then the stored index is rebuilt).</summary>
    string Fingerprint { get; }
}
