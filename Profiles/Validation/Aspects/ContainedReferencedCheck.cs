using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// dom-3, natively (R4 references.html §contained: "a contained resource SHALL only be included in a resource if
/// something in that resource refers to it", or it refers to its container): each contained resource with an id is
/// named <c>#id</c> by a <c>reference</c>, a canonical, a uri or a url somewhere in the resource, or has a
/// <c>reference</c> or canonical <c>#</c> in it. Its FHIRPath (<c>%resource.descendants().as(canonical)</c>) walks
/// the whole resource four times for each contained resource, and <c>as()</c> on a collection is an error in
/// FHIRPath N1, so evaluated as written it never gives an answer.
/// </summary>
internal sealed class ContainedReferencedCheck(IssueSeverity severity, string human, string source) : IElementCheck
{
    public void Check(ElementNode node, ValidationState state)
    {
        HashSet<string>? referenced = null;
        var children = node.Children;
        for (var i = 0; i < children.Count; i++)
        {
            var contained = children[i];
            if (contained.Name != "contained" || contained.Child("id")?.Value is not { Length: > 0 } id) continue;
            if (referenced is null)
            {
                referenced = new HashSet<string>(StringComparer.Ordinal);
                CollectLocalReferences(node, referenced);
            }
            if (referenced.Contains(id) || RefersToContainer(contained)) continue;
            // As the invariant, one failure for the resource, however many contained resources are not referred to.
            state.Report(severity, "invariant", ConstraintAspect.Message("dom-3", human, source), node);
            return;
        }
    }

    /// <summary>The ids named <c>#id</c> below <paramref name="node"/>, without their <c>#</c>.</summary>
    private static void CollectLocalReferences(ElementNode node, HashSet<string> ids)
    {
        var children = node.Children;
        for (var i = 0; i < children.Count; i++)
        {
            var child = children[i];
            if (IsReferenceValue(child) && child.Value is ['#', _, ..] value) ids.Add(value[1..]);
            CollectLocalReferences(child, ids);
        }
    }

    private static bool RefersToContainer(ElementNode node)
    {
        var children = node.Children;
        for (var i = 0; i < children.Count; i++)
        {
            var child = children[i];
            if ((child.Name == "reference" || child.Type == "canonical") && child.Value == "#") return true;
            if (RefersToContainer(child)) return true;
        }
        return false;
    }

    private static bool IsReferenceValue(ElementNode node) =>
        node.HasValue && (node.Name == "reference" || node.Type is "canonical" or "uri" or "url");

    // Names the check in timings (benchmarks' `validation --check-timings`).
    public override string ToString() => "dom-3";
}
