using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// What snapshot generation gives: the StructureDefinition with its snapshot (null when the base could not be had),
/// and the problems met, located in the differential (<c>StructureDefinition.differential.element[3]</c>).
/// </summary>
public sealed record SnapshotOutcome(JsonObject? StructureDefinition, IReadOnlyList<OutcomeIssue> Issues)
{
    public bool Success => StructureDefinition is not null && !Issues.Any(i => i.IsError);
}
