using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// What a parser produced: the resource tree (null only when nothing usable could be read) and every issue met
/// on the way. Parsers never throw for bad input; they report.
/// </summary>
public sealed class ParseResult(ElementNode? resource, IReadOnlyList<OutcomeIssue> issues)
{
    public ElementNode? Resource { get; } = resource;
    public IReadOnlyList<OutcomeIssue> Issues { get; } = issues;
    public bool HasErrors => Issues.Any(i => i.IsError);
    public bool Success => Resource is not null && !HasErrors;
}
