using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ref-1, natively (R4 Reference: "SHALL have a contained resource if a local reference is provided"): a reference
/// <c>#id</c> names a contained resource of <c>%rootResource</c>, the container when the reference lies in a contained
/// resource (R4 fhirpath.html §variables). Every Reference carries it, and its FHIRPath walks to the root each time.
/// A bare <c>#</c> refers to the container itself: its <c>substring(1)</c> is empty, so the invariant holds.
/// </summary>
internal sealed class LocalReferenceCheck(IssueSeverity severity, string human, string source) : IElementCheck
{
    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Child("reference")?.Value is not ['#', _, ..] reference) return;
        var resource = node.ResourceNode;
        var root = resource is { Name: "contained", Parent: { } parent } && parent.ResourceNode is { } container ? container : resource;
        if (root is not null)
        {
            var id = reference.AsSpan(1);
            var children = root.Children;
            for (var i = 0; i < children.Count; i++)
                if (children[i].Name == "contained" && children[i].Child("id")?.Value is { } containedId && id.SequenceEqual(containedId))
                    return;
        }
        state.Report(severity, "invariant", ConstraintAspect.Message("ref-1", human, source), node);
    }

    // Names the check in timings (benchmarks' `validation --check-timings`).
    public override string ToString() => "ref-1";
}
