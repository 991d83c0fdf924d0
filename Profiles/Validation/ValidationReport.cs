using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation;

/// <summary>The outcome of validating one resource: every issue found, in the order found.</summary>
public sealed record ValidationReport(IReadOnlyList<OutcomeIssue> Issues)
{
    /// <summary>No error or fatal issue (warnings and information do not make a resource invalid).</summary>
    public bool IsValid => !Issues.Any(i => i.IsError);

    public int ErrorCount => Issues.Count(i => i.IsError);
}
