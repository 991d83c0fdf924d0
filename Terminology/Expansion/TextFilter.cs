using FhirServer.Conformance.Search;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// The $expand <c>filter</c> parameter: server-defined text matching (R4 ValueSet-expand). Here every word of the
/// filter must start a word of the display, case and accents ignored — "hyperten art" finds "Hypertension artérielle".
/// </summary>
public static class TextFilter
{
    private static readonly char[] Separators = [' ', '-', ',', '(', ')', '/', '.', '\'', '\t'];

    public static bool Matches(string? display, string filter)
    {
        if (display is null) return false;
        var words = Fold(display).Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        return Fold(filter).Split(Separators, StringSplitOptions.RemoveEmptyEntries)
            .All(f => words.Any(w => w.StartsWith(f, StringComparison.Ordinal)));
    }

    private static string Fold(string text) => SearchText.Normalize(text);
}
