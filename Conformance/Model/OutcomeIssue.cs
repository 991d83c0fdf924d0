namespace FhirServer.Conformance.Model;

/// <summary>Severity of an issue, as OperationOutcome.issue.severity (R4 §issue-severity).</summary>
public enum IssueSeverity { Fatal, Error, Warning, Information }

/// <summary>
/// One problem found while reading or checking a resource. Shaped like OperationOutcome.issue so the REST
/// layer can return it as is: <see cref="Code"/> is an issue-type code (structure, invalid, value, too-long…),
/// <see cref="Expression"/> the FHIRPath location, and Line/Column point into the source text (1-based; 0 = unknown).
/// </summary>
public sealed record OutcomeIssue(
    IssueSeverity Severity,
    string Code,
    string Message,
    string? Expression = null,
    int Line = 0,
    int Column = 0)
{
    public bool IsError => Severity is IssueSeverity.Error or IssueSeverity.Fatal;

    public override string ToString()
    {
        var where = Expression is null ? "" : $" @ {Expression}";
        var pos = Line > 0 ? $" (line {Line}, col {Column})" : "";
        return $"{Severity.ToString().ToLowerInvariant()} [{Code}]{where}{pos}: {Message}";
    }
}
