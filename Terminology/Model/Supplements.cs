using FhirServer.Conformance.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Model;

/// <summary>
/// CodeSystem supplements (R4 §4.8.7, <c>content</c> = supplement): designations and properties added to the concepts
/// of the code system named by <c>supplements</c>. A supplement cannot add codes nor change the hierarchy: its
/// concepts that the base system does not have are ignored, its display is one more designation (in the
/// supplement's language). Supplements apply when a request asks for them: <c>useSupplement</c>, or the
/// value set's extension http://hl7.org/fhir/StructureDefinition/valueset-supplement.
/// </summary>
public static class Supplements
{
    public const string ValueSetExtension = "http://hl7.org/fhir/StructureDefinition/valueset-supplement";

    public static bool IsSupplement(ElementNode codeSystem) =>
        codeSystem.Child("content")?.Value == "supplement" || codeSystem.Child("supplements") is not null;

    /// <summary>The supplements a value set asks for (its valueset-supplement extensions).</summary>
    public static IEnumerable<string> Referenced(ElementNode valueSet) =>
        valueSet.ChildrenNamed("extension").Where(e => e.Child("url")?.Value == ValueSetExtension).Select(e => e.Child("value")?.Value).OfType<string>();

    /// <summary>Whether the supplement is for this code system (its url, and its version when the supplement names one).</summary>
    public static bool Targets(ElementNode supplement, CodeSystemIndex cs)
    {
        var target = supplement.Child("supplements")?.Value;
        if (target is null) return false;
        var bar = target.IndexOf('|');
        return bar < 0 ? target == cs.Url : target[..bar] == cs.Url && VersionPattern.Matches(cs.Version, target[(bar + 1)..]);
    }

    /// <summary>Adds the supplements' designations and properties to the concepts of <paramref name="cs"/>, an index of its own.</summary>
    public static void Apply(CodeSystemIndex cs, IEnumerable<ElementNode> supplements)
    {
        foreach (var supplement in supplements)
        {
            var language = supplement.Child("language")?.Value;
            cs.AddPropertyDefinitions(supplement);
            foreach (var node in supplement.ChildrenNamed("concept")) Apply(cs, node, language);
        }
    }

    private static void Apply(CodeSystemIndex cs, ElementNode node, string? language)
    {
        if (node.Child("code")?.Value is { } code && cs.Find(code) is { } concept)
        {
            if (node.Child("display")?.Value is { } display && display != concept.Display
                && !concept.Designations.Any(d => d.Value == display && d.Language == language))
                concept.Designations.Add(new Designation(language, null, display));
            concept.Designations.AddRange(node.ChildrenNamed("designation").Select(CodeSystemIndex.ReadDesignation).OfType<Designation>());
            concept.AddExtensions(node);
            concept.Properties.AddRange(node.ChildrenNamed("property").Select(CodeSystemIndex.ReadProperty).OfType<ConceptProperty>()
                .Where(p => p.Code is not ("parent" or "child")));
        }
        foreach (var child in node.ChildrenNamed("concept")) Apply(cs, child, language);
    }
}
