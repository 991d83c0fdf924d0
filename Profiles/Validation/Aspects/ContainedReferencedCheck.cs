using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// dom-3 (R4 DomainResource; references.html §2.3.0.4): "If the resource is contained in another resource, it SHALL
/// be referred to from elsewhere in the resource or SHALL refer to the containing resource". Checked natively: its
/// published expression applies <c>as(canonical)</c>, <c>as(uri)</c> and <c>as(url)</c> to all of
/// <c>%resource.descendants()</c>, and FHIRPath's <c>as()</c> is an error on a collection of several items (FHIRPath
/// N1 §6.3.3), so the expression could never be evaluated; it also walks the whole resource once per contained
/// resource. Here one walk of the container collects every <c>#id</c> it refers to (in a <c>reference</c>, a canonical,
/// a uri or a url, contained resources included, and the narrative's links), as the expression means; each contained
/// resource left out is reported on itself, as the HL7 validator does.
/// </summary>
internal sealed class ContainedReferencedCheck(IssueSeverity severity) : IElementCheck
{
    public void Check(ElementNode node, ValidationState state)
    {
        if (!state.Options.ValidateContained) return;
        HashSet<string>? referred = null;
        var children = node.Children;
        for (var i = 0; i < children.Count; i++)
        {
            var contained = children[i];
            // A contained resource without id cannot be referred to; the expression (with '#' + id empty) leaves it alone.
            if (contained.Name != "contained" || contained.Child("id")?.Value is not { Length: > 0 } id) continue;
            if (referred is null)
            {
                referred = new HashSet<string>(StringComparer.Ordinal);
                CollectLocalReferences(node, referred);
            }
            if (referred.Contains(id) || RefersToContainer(contained)) continue;
            state.Report(severity, "invalid",
                $"The contained resource '{id}' is not referenced to from elsewhere in the containing resource nor does it refer to the containing resource (dom-3)",
                contained);
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
            else if (child.Type == "xhtml" && child.Value is { } xhtml) AddNarrativeLinks(xhtml, ids);
            CollectLocalReferences(child, ids);
        }
    }

    // A narrative that shows a contained resource (an image's src="#id", a link's href="#id") refers to it, as the HL7
    // validator counts it: a contained Binary that only the narrative displays is referred to.
    private static void AddNarrativeLinks(string xhtml, HashSet<string> referred)
    {
        for (var i = xhtml.IndexOf('#'); i >= 0; i = xhtml.IndexOf('#', i + 1))
        {
            // An attribute value that starts with '#': ="#id" or ='#id'.
            if (i < 2 || xhtml[i - 1] is not ('"' or '\'') || xhtml[i - 2] != '=') continue;
            var end = xhtml.IndexOf(xhtml[i - 1], i + 1);
            if (end > i + 1) referred.Add(xhtml[(i + 1)..end]);
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
