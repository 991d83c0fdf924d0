using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Operations;

/// <summary>Which text represents a concept in a language: a designation in that language, else the display.</summary>
public static class Displays
{
    public static string? For(Concept concept, string? language, string? systemLanguage)
    {
        if (language is null || LanguageMatches(systemLanguage, language)) return concept.Display;
        return concept.Designations.FirstOrDefault(d => LanguageMatches(d.Language, language))?.Value ?? concept.Display;
    }

    /// <summary>Every text the concept is known by, for display checks: the display and every designation.</summary>
    public static IEnumerable<string> All(Concept concept) =>
        (concept.Display is null ? [] : new[] { concept.Display }).Concat(concept.Designations.Select(d => d.Value));

    /// <summary>"fr" matches "fr-FR" (BCP 47 prefix, as Accept-Language does).</summary>
    public static bool LanguageMatches(string? actual, string wanted) =>
        actual is not null && (string.Equals(actual, wanted, StringComparison.OrdinalIgnoreCase)
            || actual.StartsWith(wanted + "-", StringComparison.OrdinalIgnoreCase));
}
