namespace FhirServer.Terminology;

/// <summary>
/// A request the terminology engine cannot answer: the host turns it into an OperationOutcome with the issue code
/// (<c>not-found</c>, <c>not-supported</c>, <c>too-costly</c>, <c>invalid</c>) and the matching 4xx status.
/// </summary>
public sealed class TerminologyException(string issueCode, string message) : Exception(message)
{
    public string IssueCode { get; } = issueCode;
    /// <summary>The finer code of http://hl7.org/fhir/tools/CodeSystem/tx-issue-type (not-found, vs-invalid…), if any.</summary>
    public string? Detail { get; init; }
    /// <summary>The message id (see Operations.TxMessages), reported in the operationoutcome-message-id extension.</summary>
    public string? MessageId { get; init; }
    /// <summary>Where in the resource the problem lies (<c>ValueSet.compose.include[0].filter[0]</c>), if known.</summary>
    public string? Expression { get; init; }

    public static TerminologyException NotFound(string message) => new("not-found", message);
    public static TerminologyException NotSupported(string message) => new("not-supported", message);
    public static TerminologyException Invalid(string message) => new("invalid", message);
    public static TerminologyException TooCostly(string message) => new("too-costly", message);
}
