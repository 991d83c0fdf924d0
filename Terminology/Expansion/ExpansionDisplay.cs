using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// The display and designations of one expansion entry for the display language asked for (R4 ValueSet-expand
/// <c>displayLanguage</c>, <c>designation</c>). When the code system's own language is not the one wanted and a
/// designation in a wanted language exists, that designation becomes the display and the code system's display is
/// kept as a designation marked <c>preferredForLanguage</c> in the code system's language. When nothing matches
/// and other languages are refused ("de,*; q=0"), the entry has no display.
/// </summary>
public static class ExpansionDisplay
{
    public static readonly CodingValue PreferredForLanguage =
        new("http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra", "preferredForLanguage", "Preferred For Language");

    private const string LanguageSystem = "urn:ietf:bcp:47";

    public static (string? Display, IReadOnlyList<Designation> Designations) For(string? display, string? systemLanguage,
        IReadOnlyList<Designation> designations, LanguagePreference? preference, IReadOnlyList<string> wantedDesignations)
    {
        var list = designations.ToList();
        if (preference is not null) display = Translate(display, systemLanguage, list, preference);
        if (wantedDesignations.Count > 0) list.RemoveAll(d => !wantedDesignations.Any(w => Matches(d, w)));
        // Languages in order, the preferred designation of a language first (OrderBy is stable).
        return (display, [.. list.OrderBy(d => d.Language, StringComparer.OrdinalIgnoreCase)]);
    }

    private static string? Translate(string? display, string? systemLanguage, List<Designation> designations, LanguagePreference preference)
    {
        foreach (var language in preference.Wanted)
        {
            if (Displays.LanguageMatches(systemLanguage, language)) return display;
            var translation = designations.FirstOrDefault(d => Displays.LanguageMatches(d.Language, language));
            if (translation is null) continue;
            designations.Remove(translation);
            if (display is not null) designations.Insert(0, new Designation(systemLanguage, PreferredForLanguage, display));
            return translation.Value;
        }
        if (preference.AcceptsOthers) return display;
        if (display is not null) designations.Insert(0, new Designation(systemLanguage, PreferredForLanguage, display));
        return null;
    }

    // "urn:ietf:bcp:47|es" asks for the designations in that language; any other "system|code" for a use.
    private static bool Matches(Designation d, string wanted)
    {
        var bar = wanted.IndexOf('|');
        var system = bar < 0 ? null : wanted[..bar];
        var code = bar < 0 ? wanted : wanted[(bar + 1)..];
        return system == LanguageSystem
            ? string.Equals(d.Language, code, StringComparison.OrdinalIgnoreCase)
            : d.Use is { } use && use.Code == code && (system is null || use.System == system);
    }
}
