using FhirServer.Conformance.Search;

namespace FhirServer.Search;

/// <summary>The search parameters the query side may use: by resource type and code.</summary>
public interface ISearchParameters
{
    SearchParameterInfo? Find(string resourceType, string code);

    IEnumerable<SearchParameterInfo> For(string resourceType);
}
