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
/// a uri or a url, contained resources included), as the expression means.
/// </summary>
internal sealed class ContainedReferencedCheck : IElementCheck
{
    public void Check(ElementNode node, ValidationState state)
    {
        if (!state.Options.ValidateContained || node.Child("contained") is null) return;
        var referred = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in node.Descendants())
        {
            if (IsReferenceText(d) && d.Value is ['#', _, ..] local) referred.Add(local[1..]);
            else if (d.Type == "xhtml" && d.Value is { } xhtml) AddNarrativeLinks(xhtml, referred);
        }
        foreach (var contained in node.ChildrenNamed("contained"))
        {
            // A contained resource without id cannot be referred to; the expression (with '#' + id empty) leaves it alone.
            if (contained.Child("id")?.Value is not { } id || referred.Contains(id) || RefersToContainer(contained)) continue;
            state.Report(IssueSeverity.Error, "invalid",
                $"The contained resource '{id}' is not referenced to from elsewhere in the containing resource nor does it refer to the containing resource (dom-3)",
                contained);
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

    private static bool IsReferenceText(ElementNode node) => node.Name == "reference" || node.Type is "canonical" or "uri" or "url";

    private static bool RefersToContainer(ElementNode contained)
    {
        foreach (var d in contained.Descendants())
            if (d.Value == "#" && (d.Name == "reference" || d.Type == "canonical")) return true;
        return false;
    }
}
