using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>Limits and checks applied by the JSON and XML parsers. The defaults suit a public server.</summary>
public sealed record ParserOptions
{
    public static readonly ParserOptions Default = new();

    /// <summary>
    /// Deepest nesting of JSON objects and arrays accepted (the root object is level 1); deeper input is refused, not
    /// recursed into. Legitimate content stays far below it: a Questionnaire's items nested 126 deep, or a Reference's
    /// identifier.assigner chained 250 times, would be needed to meet it. What walks a resource recursively (the
    /// writers, the search indexer, FHIRPath, the views, patching) survives many times this depth on a thread pool
    /// thread's stack (docs/conformance.md, "Nesting limits").
    /// </summary>
    public int MaxDepth { get; init; } = 256;

    /// <summary>
    /// Deepest nesting of XML elements accepted: half of <see cref="MaxDepth"/>, rounded up. Each XML element is at
    /// most two levels of FHIR JSON (an array and an object), so that whatever is read from XML stays within
    /// <see cref="MaxDepth"/> once stored and written as JSON, and can be read back.
    /// </summary>
    public int MaxXmlDepth => (MaxDepth + 1) / 2;

    /// <summary>R4 §2.24.0.1 (string): "Strings SHALL NOT exceed 1MB (1024*1024 characters)".</summary>
    public int MaxStringLength { get; init; } = 1024 * 1024;

    /// <summary>base64Binary carries attachments (Binary.data), so it has its own, larger limit.</summary>
    public int MaxBase64Length { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Errors reported for one resource; past it the parser counts them and ends its list with one issue saying how
    /// many more there were. A body of 100,000 unknown elements would otherwise be answered with 200,000 issues (a
    /// 50 MB OperationOutcome that took a minute and a half to make); a client fixes the first ones first anyway.
    /// </summary>
    public int MaxIssues { get; init; } = 100;

    /// <summary>The issue that closes a list cut at <see cref="MaxIssues"/>.</summary>
    internal OutcomeIssue Omitted(int count) => new(IssueSeverity.Error, "too-costly",
        $"{count:N0} more issue(s) not reported: a resource is answered with at most {MaxIssues} (ParserOptions.MaxIssues).");

    /// <summary>Check primitive values against their type's regex (dates, ids, codes, uris…).</summary>
    public bool ValidatePrimitives { get; init; } = true;

    /// <summary>Check that narrative <c>div</c> is well-formed XHTML.</summary>
    public bool ValidateXhtml { get; init; } = true;
}
