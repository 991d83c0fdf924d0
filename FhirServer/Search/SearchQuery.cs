using FhirServer.Conformance.Search;

namespace FhirServer.Search;

/// <summary>
/// A parsed search (R4 search.html): clauses ANDed together, each with its OR-values; chains and reverse chains nest
/// a whole clause on another resource type. Immutable; built by <see cref="SearchQueryParser"/>.
/// </summary>
public sealed record SearchQuery(
    string Type,
    IReadOnlyList<SearchClause> Clauses,
    int Count,
    IReadOnlyList<SortKey> Sort,
    TotalMode Total,
    IReadOnlyList<IncludeSpec> Includes,
    IReadOnlyList<IncludeSpec> RevIncludes,
    string? Cursor,
    bool CountOnly,
    IReadOnlyList<string> Ignored,
    string SelfQuery)
{
    /// <summary>
    /// Bytes of bodies the page may carry, matches and includes (null: <see cref="ServerSettings.MaxPageBytes"/>): a
    /// search across types gives each type what the types before it left.
    /// </summary>
    public long? MaxBytes { get; init; }
}

public enum TotalMode { None, Estimate, Accurate }

/// <summary>One parameter of the query. <see cref="Values"/> are ORed; exactly one of Values, Chain or Has is used.</summary>
public sealed record SearchClause(
    SearchParameterInfo? Parameter,
    string Code,
    string? Modifier,
    IReadOnlyList<SearchValue> Values,
    ChainSpec? Chain = null,
    HasSpec? Has = null,
    bool? Missing = null)
{
    /// <summary>
    /// Set by the search, for a string clause of one value whose prefix range holds a single indexed value (<c>name=noel</c>
    /// where every name starting with <c>noel</c> is <c>noel</c>): that value, so that the clause reads as one equality,
    /// whose index rows come in id order and can drive a page.
    /// </summary>
    public string? IndexedValue { get; init; }
}

/// <summary>A value with its prefix (number, date, quantity) already split off.</summary>
public sealed record SearchValue(string Prefix, string Raw);

/// <summary>
/// <c>subject.name=x</c>: the references of the parameter to a resource of one of <see cref="Targets"/> that matches
/// that target's clause. Several targets when the parameter points at several types that all define the chained
/// parameter (a union, R4 search.html#chaining); one with <c>subject:Patient.name</c>.
/// </summary>
public sealed record ChainSpec(IReadOnlyList<ChainTarget> Targets);

/// <summary>One target type of a chain and the clause its resources must match.</summary>
public sealed record ChainTarget(string Type, SearchClause Inner);

/// <summary><c>_has:Observation:patient:code=x</c>: resources referenced through <see cref="ReferenceParameter"/> by a <see cref="SourceType"/> matching <see cref="Inner"/>.
/// <see cref="PerResource"/>: checked on each candidate resource instead of as the set of all referenced ids (set by
/// the search when that set is large).</summary>
public sealed record HasSpec(string SourceType, string ReferenceParameter, SearchClause Inner, bool PerResource = false);

public sealed record SortKey(string Code, SearchParameterInfo? Parameter, bool Descending);

/// <summary><c>_include=Type:param[:target]</c> / <c>_revinclude</c>; <see cref="Parameter"/> null means <c>*</c>.</summary>
public sealed record IncludeSpec(string SourceType, string? Parameter, string? TargetType, bool Iterate);
