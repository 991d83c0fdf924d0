using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Profiles.Validation.Aspects;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// What makes a StructureDefinition unusable as a profile beyond its invariants (R4 profiling.html): its differential
/// must give a snapshot (one without a snapshot gets it generated here, over the definitions known to the validator,
/// and what the generator refuses is an error), a profile cannot slice its root, and a binding is only on an element
/// whose types carry codes (R4 terminologies.html §4.1.1: code, Coding, CodeableConcept, Quantity, string, uri).
/// </summary>
public sealed class StructureDefinitionCheck : IResourceCheck
{
    public string? ResourceType => "StructureDefinition";

    public void Check(ElementNode resource, ValidationState state)
    {
        var differential = resource.Child("differential");
        var snapshot = resource.Child("snapshot");
        if (differential is not null)
        {
            if (differential.ChildrenNamed("element").FirstOrDefault() is { } root && root.Child("slicing") is not null &&
                root.Child("path")?.Value is { } path && !path.Contains('.') && resource.Child("derivation")?.Value == "constraint")
                state.Report(IssueSeverity.Error, "structure", "Slicing is not allowed at the root of a profile", root);
            CheckBindings(differential, state);
        }
        if (snapshot is not null) CheckBindings(snapshot, state);
        else if (differential is not null && resource.Child("baseDefinition") is not null) CheckSnapshot(resource, state);
    }

    private static void CheckBindings(ElementNode list, ValidationState state)
    {
        foreach (var element in list.ChildrenNamed("element"))
        {
            if (element.Child("binding") is null) continue;
            var types = element.ChildrenNamed("type").Select(t => t.Child("code")?.Value).OfType<string>().ToList();
            if (types.Count == 0 || types.Any(t => BindingAspect.IsBindable(t) || t == "CodeableReference")) continue;
            state.Report(IssueSeverity.Error, "structure",
                $"This element has a Binding but the types [{string.Join(", ", types)}] do not make this kind of constraint relevant", element);
        }
    }

    // The snapshot its differential gives: the generator's errors about the differential are the definition's (as the
    // HL7 validator, which generates it to validate the definition). A base not known here is not one: the definition
    // may build on a guide not loaded (or, being validated, on itself).
    private static void CheckSnapshot(ElementNode resource, ValidationState state)
    {
        if (JsonNode.Parse(FhirJsonWriter.WriteToBytes(resource)) is not JsonObject json) return;
        foreach (var issue in state.Schemas.Source.GenerateSnapshot(json).Issues)
            if (issue.IsError && issue.Expression?.StartsWith("StructureDefinition.differential", StringComparison.Ordinal) == true)
                state.Report(IssueSeverity.Error, issue.Code, $"Error generating Snapshot: {issue.Message}{(issue.Expression is { } at ? $" (at {at})" : "")}", resource);
    }
}
