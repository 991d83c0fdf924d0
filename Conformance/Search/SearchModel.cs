namespace FhirServer.Conformance.Search;

/// <summary>SearchParameter.type (R4 valueset-search-param-type).</summary>
public enum SearchParamType { Number, Date, String, Token, Reference, Composite, Quantity, Uri, Special }

/// <summary>One SearchParameter of the loaded packages, as the indexer and the query parser need it.</summary>
public sealed record SearchParameterInfo(
    string Code,
    string Url,
    SearchParamType Type,
    string? Expression,
    IReadOnlyList<string> Bases,
    IReadOnlyList<string> Targets,
    IReadOnlyList<CompositeComponent> Components,
    string PackageId)
{
    /// <summary>SearchParameter.version (part of the registry's fingerprint).</summary>
    public string? Version { get; init; }

    /// <summary>
    /// A string parameter matched by sound (<c>phonetic</c> of R4 Patient, Practitioner, Person, RelatedPerson, or
    /// a code ending in <c>-phonetic</c>): indexed and searched by <see cref="PhoneticKey"/>.
    /// </summary>
    public bool IsPhonetic => Type == SearchParamType.String && (Code == "phonetic" || Code.EndsWith("-phonetic", StringComparison.Ordinal));
}

/// <summary>A component of a composite parameter: the component parameter's canonical and its expression relative to the composite's value.</summary>
public sealed record CompositeComponent(string DefinitionUrl, string Expression)
{
    /// <summary>The type of the component parameter <see cref="DefinitionUrl"/> names; null when no loaded package defines it.</summary>
    public SearchParamType? Type { get; init; }
}

/// <summary>A value extracted from a resource for one search parameter, in the form its index table keeps.</summary>
public abstract record IndexValue;

/// <summary>A string (and each string part of HumanName and Address): <see cref="Normalized"/> is lower-case, without accents, whitespace collapsed.</summary>
public sealed record StringIndex(string Normalized, string Exact) : IndexValue;

/// <summary>
/// A token: Coding, CodeableConcept coding, Identifier, ContactPoint, code, boolean… <see cref="Text"/> feeds
/// <c>:text</c> and is already normalized like <see cref="StringIndex.Normalized"/> (Coding.display,
/// CodeableConcept.text, Identifier.type.text). A CodeableConcept gives one token per coding, and one with only
/// <see cref="Text"/> when its text is not already some coding's display (or when it has no coding).
/// An Identifier is <see cref="System"/> = Identifier.system, <see cref="Code"/> = Identifier.value, and for
/// <c>:of-type</c> (R4 search.html §2.1.1.5.7) one token per Identifier.type coding carrying that coding in
/// <see cref="TypeSystem"/>/<see cref="TypeCode"/>: <c>identifier:of-type=ts|tc|v</c> is then one row with
/// TypeSystem = ts, TypeCode = tc, Code = v, and plain <c>identifier=s|v</c> matches any of the identifier's rows.
/// </summary>
public sealed record TokenIndex(string? System, string? Code, string? Text = null) : IndexValue
{
    public string? TypeSystem { get; init; }
    public string? TypeCode { get; init; }
}

/// <summary>
/// A reference: a relative or server-local reference as <see cref="TargetType"/>/<see cref="TargetId"/>; an absolute
/// URL or canonical in <see cref="Url"/> (with <see cref="Version"/> for <c>canonical|version</c>, or the
/// <c>_history</c> version of a versioned reference). An absolute URL ending in <c>/Type/id</c> fills both.
/// Reference.identifier is kept in <see cref="IdentifierSystem"/>/<see cref="IdentifierValue"/> for
/// <c>:identifier</c>; a logical reference (identifier only) has no target and no URL.
/// </summary>
public sealed record ReferenceIndex(string? TargetType, string? TargetId, string? Url, string? Version = null) : IndexValue
{
    public string? IdentifierSystem { get; init; }
    public string? IdentifierValue { get; init; }
}

/// <summary>A date, dateTime, instant, Period or Timing as the interval [Low, High) in microseconds since the Unix epoch (UTC).</summary>
public sealed record DateIndex(long Low, long High) : IndexValue;

/// <summary>A number with the interval its precision implies (<c>1.5</c> → [1.45, 1.55)).</summary>
public sealed record NumberIndex(decimal Value, decimal Low, decimal High) : IndexValue;

/// <summary>
/// A quantity as written, and in canonical UCUM units where it converts (for comparisons across units). A Range
/// is one quantity whose [Low, High) spans low to high (an open end is decimal.MinValue / MaxValue) and whose
/// Value is its low end (else its high end).
/// </summary>
public sealed record QuantityIndex(decimal Value, decimal Low, decimal High, string? System, string? Code, string? Unit,
    decimal? CanonicalValue = null, string? CanonicalCode = null) : IndexValue
{
    /// <summary>[Low, High) in the canonical unit, when <see cref="CanonicalCode"/> is set.</summary>
    public decimal? CanonicalLow { get; init; }
    public decimal? CanonicalHigh { get; init; }
}

public sealed record UriIndex(string Uri) : IndexValue;

/// <summary>One combination of component values of a composite parameter.</summary>
public sealed record CompositeIndex(IReadOnlyList<IndexValue> Components) : IndexValue;

/// <summary>An index row: the parameter's code, its type, and the value.</summary>
public sealed record IndexEntry(string Param, SearchParamType Type, IndexValue Value);
