using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Operations;

/// <summary>CodeSystem/$lookup (R4 §4.8.16): a concept's display, designations and properties, parent and child included.</summary>
public sealed class LookupOperation(TerminologySources sources)
{
    public LookupResult Run(LookupRequest request)
    {
        var coding = request.Coding;
        if (coding.System is null || coding.Code is null)
            throw TerminologyException.Invalid("$lookup needs a system and a code (or a coding with both)");
        var sourcesForRequest = sources.ForRequest(request.TxResources);
        sourcesForRequest.UseSupplements(request.UseSupplements);
        var cs = sourcesForRequest.FindCodeSystem(coding.System, coding.Version)
            ?? throw TerminologyException.NotFound(UnknownSystem.Message(sourcesForRequest, coding.System, coding.Version));
        var concept = cs.Find(coding.Code)
            ?? throw TerminologyException.NotFound($"Unknown code '{coding.Code}' in the CodeSystem '{cs.Url}'" + (cs.Version is null ? "" : $" version '{cs.Version}'"));

        var properties = new List<ConceptProperty>(concept.Properties.Where(p => p.Code is not "parent" and not "child"));
        properties.AddRange(concept.Parents.Select(p => new ConceptProperty("parent", "code", p.Code)));
        properties.AddRange(concept.Children.Select(c => new ConceptProperty("child", "code", c.Code)));
        // Whether the concept is active is always told (R4 concept-properties#inactive), as the reference servers do.
        if (!properties.Any(p => p.Code == "inactive")) properties.Add(new ConceptProperty("inactive", "boolean", concept.Inactive ? "true" : "false"));
        if (request.Properties is { Count: > 0 } wanted && !wanted.Contains("*"))
            properties.RemoveAll(p => !wanted.Contains(p.Code));

        // The name is the code system's name (CodeSystem.name), as terminology servers answer, not its title.
        return new LookupResult(cs.Name ?? cs.Title ?? cs.Url, cs.Version, concept.Code,
            Displays.For(concept, request.DisplayLanguage, cs.Language),
            Translated(concept.Definition, concept.DefinitionTranslations, cs.Language, request.DisplayLanguage),
            concept.Abstract, Designations(concept, cs.Language), properties) { System = cs.Url };
    }

    // The display is the concept's designation in the code system's language (preferred for it), listed first as the
    // reference servers list it, then the concept's other designations.
    private static IReadOnlyList<Designation> Designations(Concept concept, string? systemLanguage) =>
        systemLanguage is null || concept.Display is not { } display || concept.Designations.Any(d => d.Language == systemLanguage && d.Value == display)
            ? concept.Designations
            : [new Designation(systemLanguage, ExpansionDisplay.PreferredForLanguage, display), .. concept.Designations];

    // The text in the display language when the code system carries a translation into it (R4 languages.html).
    private static string? Translated(string? text, IReadOnlyList<(string Language, string Value)> translations, string? systemLanguage, string? language)
    {
        if (text is null || language is null || Displays.LanguageMatches(systemLanguage, language)) return text;
        return translations.FirstOrDefault(t => Displays.LanguageMatches(t.Language, language)).Value ?? text;
    }
}
