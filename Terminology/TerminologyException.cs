namespace FhirServer.Terminology;

/// <summary>
/// A request the terminology engine cannot answer: the host turns it into an OperationOutcome with the issue code
/// (<c>not-found</c>, <c>not-supported</c>, <c>too-costly</c>, <c>invalid</c>, <c>exception</c>) and the matching
/// 4xx status. Detail is the finer code of http://hl7.org/fhir/tools/CodeSystem/tx-issue-type, as terminology
/// servers report it in the issue's details.
/// </summary>
public sealed class TerminologyException(string issueCode, string message, string? detail = null) : Exception(message)
{
    public string IssueCode { get; } = issueCode;
    /// <summary>The finer code of http://hl7.org/fhir/tools/CodeSystem/tx-issue-type (not-found, vs-invalid…), if any.</summary>
    public string? Detail { get; init; } = detail;
    /// <summary>The message id (see Operations.TxMessages), reported in the operationoutcome-message-id extension.</summary>
    public string? MessageId { get; init; }
    /// <summary>Where in the resource the problem lies (<c>ValueSet.compose.include[0].filter[0]</c>), if known.</summary>
    public string? Expression { get; init; }

    public static TerminologyException NotFound(string message) => new("not-found", message, "not-found");
    public static TerminologyException NotSupported(string message) => new("not-supported", message);
    public static TerminologyException Invalid(string message) => new("invalid", message);
    public static TerminologyException TooCostly(string message) => new("too-costly", message);
    /// <summary>A version the request's check-system-version refuses.</summary>
    public static TerminologyException VersionError(string message) => new("exception", message, "version-error");

    /// <summary>A value set that cannot be processed as defined (it refers to itself): processing, vs-invalid.</summary>
    public static TerminologyException InvalidValueSet(string message) => new("processing", message, "vs-invalid");
}
