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

    /// <summary>Every text the concept is displayed by, for display checks: the display and the display designations.</summary>
    public static IEnumerable<string> All(Concept concept) =>
        (concept.Display is null ? [] : new[] { concept.Display }).Concat(concept.Designations.Where(IsDisplay).Select(d => d.Value));

    /// <summary>
    /// The texts a concept is displayed by with their languages: the display (in the code system's language) and the
    /// designations that are displays.
    /// </summary>
    public static IEnumerable<(string Text, string? Language)> Candidates(Concept concept, string? systemLanguage)
    {
        if (concept.Display is { } display) yield return (display, systemLanguage);
        foreach (var d in concept.Designations.Where(IsDisplay)) yield return (d.Value, d.Language);
    }

    /// <summary>
    /// A designation is a display unless its use says it serves another purpose (R4 CodeSystem.concept.designation.use:
    /// "how this designation would be used"): one without a use, or with a display use (preferred for a language, a
    /// SNOMED CT synonym or fully specified name) is a way to display the concept; one for a special purpose (an
    /// abbreviation, a code system's own use) is not a display a client may send.
    /// </summary>
    public static bool IsDisplay(Designation designation) => designation.Use is not { } use || DisplayUses.Contains($"{use.System}|{use.Code}");

    private static readonly HashSet<string> DisplayUses =
    [
        "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra|preferredForLanguage",
        "http://terminology.hl7.org/CodeSystem/designation-usage|display",
        "http://snomed.info/sct|900000000000013009",
        "http://snomed.info/sct|900000000000003001",
    ];

    /// <summary>The languages of a displayLanguage or Accept-Language value ("en, en-AU; q=0.4"), weights dropped, "*" ignored.</summary>
    public static IReadOnlyList<string> ParseLanguages(string? value) => value is null ? [] :
        [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(';')[0].Trim()).Where(l => l.Length > 0 && l != "*")];

    /// <summary>
    /// The displayLanguage parameter as given, once every language in it is a language tag (BCP 47: letters, then
    /// subtags of letters and digits, as in "en-AU"); anything else is refused.
    /// </summary>
    public static string? RequireValidLanguages(string? value)
    {
        if (ParseLanguages(value).Any(l => !LanguageTag.IsMatch(l)))
            throw new TerminologyException("processing", TxMessages.Format(TxMessages.InvalidDisplayLanguage, value))
                { Detail = "invalid-display", MessageId = TxMessages.InvalidDisplayLanguage };
        return value;
    }

    private static readonly System.Text.RegularExpressions.Regex LanguageTag =
        new("^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>A display with its runs of whitespace made single spaces, to tell a whitespace slip from a wrong display.</summary>
    public static string CollapseWhitespace(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>"fr" matches "fr-FR" (BCP 47 prefix, as Accept-Language does).</summary>
    public static bool LanguageMatches(string? actual, string wanted) =>
        actual is not null && (string.Equals(actual, wanted, StringComparison.OrdinalIgnoreCase)
            || actual.StartsWith(wanted + "-", StringComparison.OrdinalIgnoreCase));
}
