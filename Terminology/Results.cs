using FhirServer.Terminology.Model;

namespace FhirServer.Terminology;

/// <summary>CodeSystem/$lookup output.</summary>
public sealed record LookupResult(string Name, string? Version, string Code, string? Display, string? Definition,
    bool Abstract, IReadOnlyList<Designation> Designations, IReadOnlyList<ConceptProperty> Properties)
{
    /// <summary>The code system's url, returned beside the code as the reference servers return them.</summary>
    public string? System { get; init; }
}

/// <summary>
/// A problem found while validating a code, reported in the <c>issues</c> output (an OperationOutcome). Detail is
/// the finer code of http://hl7.org/fhir/tools/CodeSystem/tx-issue-type (invalid-code, invalid-display, not-in-vs…).
/// </summary>
public sealed record ValidationIssue(string Severity, string Code, string Text, string? Expression = null, string? Detail = null)
{
    /// <summary>The id of the message (<see cref="Operations.TxMessages"/>), reported in the operationoutcome-message-id extension.</summary>
    public string? MessageId { get; init; }
}

/// <summary>$validate-code output: <c>result</c>, <c>message</c>, the concept's <c>display</c> and the <c>issues</c>.</summary>
public sealed record ValidateCodeResult(bool Result, string? Message, CodingValue? Coding, string? Display, bool Inactive,
    IReadOnlyList<ValidationIssue> Issues)
{
    /// <summary>The code as the code system writes it, when the code given differs by case (case-insensitive systems).</summary>
    public string? NormalizedCode { get; init; }
    /// <summary>The concept's status (its <c>status</c> property or standards status), when it has one.</summary>
    public string? Status { get; init; }
    /// <summary>The code systems (<c>url</c> or <c>url|version</c>) that were not found: <c>x-unknown-system</c>.</summary>
    public IReadOnlyList<string> UnknownSystems { get; init; } = [];
    /// <summary>Unknown code systems the value set draws on, so that membership could not be decided: <c>x-caused-by-unknown-system</c>.</summary>
    public IReadOnlyList<string> CausedByUnknownSystems { get; init; } = [];
}

/// <summary>$subsumes output: <c>equivalent</c>, <c>subsumes</c>, <c>subsumed-by</c> or <c>not-subsumed</c>.</summary>
public sealed record SubsumesResult(string Outcome);

/// <summary>One entry of an expansion; nested under its parent when the value set keeps the hierarchy.</summary>
public sealed record ExpansionEntry(string System, string? Version, string Code, string? Display, bool Abstract, bool Inactive,
    IReadOnlyList<Designation> Designations)
{
    /// <summary>The concept properties asked for with the <c>property</c> parameter, and those returned unasked.</summary>
    public IReadOnlyList<ConceptProperty> Properties { get; init; } = [];
    /// <summary>The extensions of the concept and of the value set's entry for it that the expansion echoes.</summary>
    public IReadOnlyList<ElementExtension> Extensions { get; init; } = [];
    public List<ExpansionEntry> Contains { get; } = [];
}

/// <summary>ValueSet/$expand output: the value set expanded, the entries of the requested page, the total and the parameters used.</summary>
public sealed record ExpansionResult(FhirServer.Conformance.Model.ElementNode ValueSet, string? Url, string? Version, int Total, int Offset, IReadOnlyList<ExpansionEntry> Contains,
    IReadOnlyList<(string Name, string Value)> Parameters)
{
    /// <summary>The properties returned with the codes (R5 ValueSet.expansion.property): code and URI.</summary>
    public IReadOnlyList<(string Code, string? Uri)> Properties { get; init; } = [];
    /// <summary>Why the expansion may not hold every code (valueset-unclosed): the fragments of code systems it drew on.</summary>
    public IReadOnlyList<string> UnclosedReasons { get; init; } = [];
}
