using FhirServer.Http;
using FhirServer.Storage;
using Microsoft.AspNetCore.WebUtilities;

namespace FhirServer.Search;

/// <summary>
/// The search behind conditional create, update and delete and conditional references (R4 http.html#cond-update):
/// the criteria are parsed strictly (an unknown parameter must not silently match everything) and at most two
/// matches are fetched, which is all the rules need (none, one, several).
/// </summary>
public sealed class ConditionalMatcher(SearchQueryParser parser, SqlSearch search)
{
    public async Task<IReadOnlyList<StoredVersion>> MatchAsync(string type, string criteria, string baseUrl, CancellationToken ct)
    {
        var pairs = QueryHelpers.ParseQuery(criteria.StartsWith('?') ? criteria : "?" + criteria)
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string>(p.Key, v ?? "")))
            .ToList();
        if (pairs.Count == 0) throw FhirException.BadRequest($"A conditional operation on {type} needs search criteria.");
        var query = parser.Parse(type, pairs, strict: true) with { Count = 2, Total = TotalMode.None, Includes = [], RevIncludes = [], Sort = [], Cursor = null, CountOnly = false };
        var page = await search.RunAsync(query, null, baseUrl, ct);
        return page.Matches;
    }
}
