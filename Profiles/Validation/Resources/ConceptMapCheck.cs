using FhirServer.Conformance.Model;
using FhirServer.Terminology.Membership;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// A ConceptMap's codes against what it maps from and to (R4 conceptmap.html): each group.element.code is a code of
/// the group's source system and, when the map names its source value set (source[x]), a member of it; each
/// target.code likewise of the group's target system and the target value set. Codes of systems not here with their
/// whole content are not judged. Messages are the HL7 validator's.
/// </summary>
public sealed class ConceptMapCheck : IResourceCheck
{
    public string? ResourceType => "ConceptMap";

    public void Check(ElementNode resource, ValidationState state)
    {
        if (state.Terminology is not { } tx) return;
        var sourceValueSet = resource.Child("source")?.Value;
        var targetValueSet = resource.Child("target")?.Value;
        foreach (var group in resource.ChildrenNamed("group"))
        {
            var source = group.Child("source")?.Value;
            var sourceVersion = group.Child("sourceVersion")?.Value;
            var target = group.Child("target")?.Value;
            var targetVersion = group.Child("targetVersion")?.Value;
            foreach (var element in group.ChildrenNamed("element"))
            {
                if (element.Child("code") is { Value: { } code } codeNode)
                    CheckCode(tx, "source", source, sourceVersion, sourceValueSet, code, codeNode, state);
                foreach (var mapped in element.ChildrenNamed("target"))
                    if (mapped.Child("code") is { Value: { } targetCode } targetNode)
                        CheckCode(tx, "target", target, targetVersion, targetValueSet, targetCode, targetNode, state);
            }
        }
    }

    private static void CheckCode(IValueSetMembership tx, string side, string? system, string? version, string? valueSet, string code, ElementNode node,
        ValidationState state)
    {
        if (system is null) return;
        // A code of a system not here with its content (SNOMED CT, an edition not loaded) is not judged, not even by a
        // value set listing codes of it.
        var inSystem = tx.IsInCodeSystem(system, code, version);
        if (inSystem == Membership.NotMember)
            state.Report(IssueSeverity.Error, "code-invalid", $"The {side} code '{code}' is not valid in the code system {system}", node);
        else if (inSystem == Membership.Member && valueSet is not null && tx.IsMember(valueSet, system, code, version) == Membership.NotMember)
            state.Report(IssueSeverity.Error, "code-invalid", $"The {side} code '{code}' is not valid in the value set {valueSet}", node);
    }
}
