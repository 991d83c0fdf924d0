using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;

namespace FhirServer.Terminology;

/// <summary>CodeSystem/$lookup input (R4 OperationDefinition CodeSystem-lookup).</summary>
public sealed record LookupRequest(CodingValue Coding, string? DisplayLanguage = null, IReadOnlyList<string>? Properties = null)
{
    public IReadOnlyList<ElementNode> TxResources { get; init; } = [];
    /// <summary>Supplements to apply (<c>useSupplement</c>): an unknown one is an error.</summary>
    public IReadOnlyList<string> UseSupplements { get; init; } = [];
}

/// <summary>$validate-code input: one coding, or the codings of a CodeableConcept (any one valid suffices).</summary>
public sealed record ValidateCodeRequest(IReadOnlyList<CodingValue> Codings, string? DisplayLanguage = null)
{
    /// <summary>ValueSet/$validate-code: the value set's canonical (<c>url</c> or <c>url|version</c>), or the value set itself.</summary>
    public string? ValueSetUrl { get; init; }
    public ElementNode? ValueSet { get; init; }
    public bool IsCodeableConcept { get; init; }
    /// <summary>The code came as a Coding (issues point into <c>Coding</c>), not as the code and system parameters.</summary>
    public bool IsCoding { get; init; }
    public VersionParameters Versions { get; init; } = VersionParameters.None;
    /// <summary><c>inferSystem</c>: a code without a system takes the one system of the value set that defines it.</summary>
    public bool InferSystem { get; init; }
    /// <summary><c>abstract</c>: whether abstract (notSelectable) concepts are acceptable here; true unless the client says false.</summary>
    public bool AbstractAllowed { get; init; } = true;
    /// <summary><c>activeOnly</c>: an inactive concept is not a valid member.</summary>
    public bool ActiveOnly { get; init; }
    /// <summary><c>lenient-display-validation</c>: a wrong display is a warning, not an error.</summary>
    public bool LenientDisplay { get; init; }
    /// <summary><c>valueset-membership-only</c>: report only whether the code is in the value set.</summary>
    public bool MembershipOnly { get; init; }
    public IReadOnlyList<ElementNode> TxResources { get; init; } = [];
    /// <summary>Supplements to apply (<c>useSupplement</c>): an unknown one is an error.</summary>
    public IReadOnlyList<string> UseSupplements { get; init; } = [];
}

/// <summary>CodeSystem/$subsumes input: codeA and codeB of one system.</summary>
public sealed record SubsumesRequest(string System, string? Version, string CodeA, string CodeB)
{
    public IReadOnlyList<ElementNode> TxResources { get; init; } = [];
}

/// <summary>ValueSet/$expand input (R4 OperationDefinition ValueSet-expand).</summary>
public sealed record ExpandRequest
{
    public string? Url { get; init; }
    public ElementNode? ValueSet { get; init; }
    public string? Filter { get; init; }
    /// <summary>Null when not given (0); a given offset or count is echoed in the expansion parameters.</summary>
    public int? Offset { get; init; }
    public int? Count { get; init; }
    /// <summary>Null when not given: the booleans given are echoed in the expansion parameters, with their value.</summary>
    public bool? ActiveOnly { get; init; }
    public bool? IncludeDesignations { get; init; }
    /// <summary>True: a flat list. False or absent: codes drawn from a hierarchy nest under their parents (contains.contains).</summary>
    public bool? ExcludeNested { get; init; }
    /// <summary>The displayLanguage parameter: a language, or a list with quality values as in Accept-Language.</summary>
    public string? DisplayLanguage { get; init; }
    public VersionParameters Versions { get; init; } = VersionParameters.None;
    /// <summary>The HTTP Accept-Language header: the display language when neither the request nor the value set names one.</summary>
    public string? AcceptLanguage { get; init; }
    /// <summary>The <c>designation</c> parameters (<c>system|code</c> of a use, or <c>urn:ietf:bcp:47|lang</c>): only those designations.</summary>
    public IReadOnlyList<string> Designations { get; init; } = [];
    /// <summary>The <c>property</c> parameters: the concept properties to return with each code.</summary>
    public IReadOnlyList<string> Properties { get; init; } = [];
    public IReadOnlyList<ElementNode> TxResources { get; init; } = [];
    /// <summary>Supplements to apply (<c>useSupplement</c>): an unknown one is an error.</summary>
    public IReadOnlyList<string> UseSupplements { get; init; } = [];
    /// <summary>
    /// The <c>exclude-system</c> parameters (R4 ValueSet-expand): code systems (<c>url</c>, or <c>url|version</c> with a
    /// version or version pattern) whose codes the expansion leaves out.
    /// </summary>
    public IReadOnlyList<string> ExcludeSystems { get; init; } = [];
}
