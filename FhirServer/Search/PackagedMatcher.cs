using FhirServer.Conformance.Search;
using FhirServer.Http;
using FhirServer.Rest;

namespace FhirServer.Search;

/// <summary>
/// Evaluates the clauses of a <see cref="SearchQuery"/> in memory over the index rows of a packaged conformance
/// resource (<see cref="PackagedIndex"/>), with the meaning <see cref="SqlSearch"/> gives them over the index tables
/// (R4 search.html): token, string, uri, reference and date parameters, <c>_id</c>, and the modifiers
/// <c>:exact</c>, <c>:contains</c>, <c>:missing</c>, <c>:not</c>, <c>:above</c>/<c>:below</c> (uri) and
/// <c>:[type]</c> (reference). <see cref="Check"/> refuses the rest with 400 before anything is read: ignoring the
/// packaged resources would answer a different search than the one asked.
/// </summary>
public static class PackagedMatcher
{
    /// <summary>400 naming the first parameter of the query the in-memory evaluator cannot answer.</summary>
    public static void Check(SearchQuery query)
    {
        foreach (var clause in query.Clauses)
            if (Unsupported(clause) is { } why) throw Refuse(query.Type, clause.Code + (clause.Modifier is null ? "" : ":" + clause.Modifier), why);
        foreach (var key in query.Sort)
            if (key.Parameter is null ? key.Code != "_id" : !Sortable(key.Parameter.Type))
                throw Refuse(query.Type, "_sort", $"sorting by {key.Code}");
        if (query.Includes.Count > 0) throw Refuse(query.Type, "_include", "_include");
        if (query.RevIncludes.Count > 0) throw Refuse(query.Type, "_revinclude", "_revinclude");
    }

    private static FhirException Refuse(string type, string parameter, string what) =>
        FhirException.BadRequest(
            $"{parameter}: {what} is not supported in a search of {type}, whose conformance resources from the loaded packages are searched in memory " +
            "(token, string, uri, reference and date parameters; :exact, :contains, :missing, :not, :above, :below).", parameter);

    private static string? Unsupported(SearchClause clause)
    {
        if (clause.Chain is not null) return "a chained parameter";
        if (clause.Has is not null) return "_has";
        if (clause.Missing is not null) return null;
        if (clause.Parameter is null)
            return clause.Code == "_id" && clause.Modifier is null or "not" ? null : $"the parameter {clause.Code}";
        var modifier = clause.Modifier;
        return clause.Parameter.Type switch
        {
            SearchParamType.Token when modifier is null or "not" => null,
            SearchParamType.String when clause.Parameter.IsPhonetic => "a phonetic parameter",
            SearchParamType.String when modifier is null or "exact" or "contains" => null,
            SearchParamType.Uri when modifier is null or "above" or "below" or "not" => null,
            SearchParamType.Reference when modifier is null || char.IsUpper(modifier[0]) => null,
            SearchParamType.Date when modifier is null && clause.Values.All(v => v.Prefix != "ap" && DateRange.TryParse(v.Raw, out _)) => null,
            SearchParamType.Date when modifier is null => "the prefix ap, or a value that is not a date,",
            _ => modifier is null ? $"a {clause.Parameter.Type.ToString().ToLowerInvariant()} parameter" : $"the modifier :{modifier}",
        };
    }

    /// <summary>Whether the resource (its id and index rows) matches every clause.</summary>
    public static bool Matches(PackagedRow row, SearchQuery query) => query.Clauses.All(c => Matches(row, c));

    private static bool Matches(PackagedRow row, SearchClause clause)
    {
        if (clause.Missing is { } missing) return row.Values(clause.Code).Count == 0 == missing;
        if (clause.Parameter is null)
            return clause.Values.Any(v => v.Raw == row.Id) != (clause.Modifier == "not");
        var values = row.Values(clause.Code);
        var any = clause.Values.Any(v => values.Any(stored => ValueMatches(clause, v, stored)));
        return clause.Modifier == "not" ? !any : any;
    }

    private static bool ValueMatches(SearchClause clause, SearchValue value, IndexValue stored)
    {
        var raw = value.Raw;
        switch (stored)
        {
            case StringIndex s:
                if (clause.Modifier == "exact") return s.Exact == raw;
                var normalized = SearchText.Normalize(raw);
                return clause.Modifier == "contains"
                    ? s.Normalized.Contains(normalized, StringComparison.Ordinal)
                    : s.Normalized.StartsWith(normalized, StringComparison.Ordinal);
            case TokenIndex t:
            {
                var (system, code) = SqlSearch.SplitToken(raw);
                if (code is null && system is null) return false;
                return (code is null || t.Code == code) && (system is null || (system.Length == 0 ? t.System is null : t.System == system));
            }
            case UriIndex u:
                return clause.Modifier switch
                {
                    "below" => u.Uri.StartsWith(raw, StringComparison.Ordinal),
                    "above" => raw.StartsWith(u.Uri, StringComparison.Ordinal),
                    _ => u.Uri == raw,
                };
            case ReferenceIndex r:
                return ReferenceMatches(clause, raw, r);
            case DateIndex d:
            {
                DateRange.TryParse(raw, out var range);
                return DateMatches(value.Prefix, d.Low, d.High, Micros(range.Low), Micros(range.High));
            }
            default:
                return false;
        }
    }

    /// <summary>A reference value as <see cref="SqlSearch"/> reads it: a canonical or URL (with |version), else [type/]id.</summary>
    private static bool ReferenceMatches(SearchClause clause, string raw, ReferenceIndex stored)
    {
        var target = raw;
        var history = target.IndexOf("/_history/", StringComparison.Ordinal);
        if (history > 0) target = target[..history];
        if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("urn:", StringComparison.Ordinal))
        {
            var bar = target.IndexOf('|');
            return bar > 0 ? stored.Url == target[..bar] && stored.Version == target[(bar + 1)..] : stored.Url == target;
        }
        var slash = target.LastIndexOf('/');
        var type = clause.Modifier ?? (slash > 0 ? target[..slash] : null);
        var id = slash > 0 ? target[(slash + 1)..] : target;
        return stored.TargetId == id && (type is null || stored.TargetType == type);
    }

    /// <summary>The stored interval [low, high) against the searched one, per prefix (R4 search.html#prefix), as SqlSearch's DateCondition.</summary>
    private static bool DateMatches(string prefix, long low, long high, long lo, long hi)
    {
        var within = low >= lo && high <= hi;
        return prefix switch
        {
            "ne" => !within,
            "gt" => high > hi,
            "lt" => low < lo,
            "ge" => high > lo && (high > hi || within),
            "le" => low < hi && (low < lo || within),
            "sa" => low >= hi,
            "eb" => high <= lo,
            _ => low < hi && within,
        };
    }

    private static long Micros(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static bool Sortable(SearchParamType type) =>
        type is SearchParamType.String or SearchParamType.Token or SearchParamType.Uri or SearchParamType.Reference or SearchParamType.Date;

    /// <summary>
    /// The sort value of a resource for a parameter: the smallest of its values (the largest when descending), as text
    /// (string: normalized; token: code; uri; reference: URL or type/id) or as a number (date: start or end). Null: none.
    /// </summary>
    public static IComparable? SortValue(IReadOnlyList<IndexValue> values, bool descending)
    {
        IEnumerable<IComparable?> keys = values.Select(v => v switch
        {
            StringIndex s => s.Normalized,
            TokenIndex t => t.Code,
            UriIndex u => u.Uri,
            ReferenceIndex r => r.Url ?? (r.TargetId is null ? null : r.TargetType + "/" + r.TargetId),
            DateIndex d => descending ? d.High : (IComparable)d.Low,
            _ => null,
        }).Where(k => k is not null);
        return descending ? keys.Max(Comparer) : keys.Min(Comparer);
    }

    /// <summary>Ordinal for text, numeric for dates; a missing value after every value.</summary>
    public static readonly IComparer<IComparable?> Comparer = Comparer<IComparable?>.Create((a, b) =>
        a is null ? (b is null ? 0 : 1) : b is null ? -1
        : a is string x && b is string y ? string.CompareOrdinal(x, y) : a.CompareTo(b));
}
