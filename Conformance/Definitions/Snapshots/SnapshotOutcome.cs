using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// What snapshot generation gives: the StructureDefinition with its snapshot, and the problems met, located in the
/// differential (<c>StructureDefinition.differential.element[3]</c>). The snapshot is made despite errors in the
/// differential (an element the base does not have, a cardinality wider than the base's: that element is left as the
/// base has it, or widened as written), as the HL7 Java validator makes it; it is null only when there is nothing to
/// build on (no url or type, an unknown or circular base, a base of another type).
/// </summary>
public sealed record SnapshotOutcome(JsonObject? StructureDefinition, IReadOnlyList<OutcomeIssue> Issues)
{
    /// <summary>A snapshot, and no error.</summary>
    public bool Success => StructureDefinition is not null && !Issues.Any(i => i.IsError);
}
