using System.Globalization;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// A display language request: one language, or a list in the form of the HTTP Accept-Language header
/// (RFC 9110 §12.5.4), as the $expand <c>displayLanguage</c> parameter allows — "en,*" prefers English and accepts any
/// other language, "de,*; q=0" wants German and nothing else.
/// </summary>
public sealed class LanguagePreference
{
    private LanguagePreference(string text, IReadOnlyList<(string Tag, double Quality)> entries)
    {
        Text = text;
        Entries = entries;
    }

    /// <summary>The preference as echoed in the expansion parameters.</summary>
    public string Text { get; }
    public IReadOnlyList<(string Tag, double Quality)> Entries { get; }

    /// <summary>The languages wanted, best first (highest quality, then as written); "*" and refused ones left out.</summary>
    public IEnumerable<string> Wanted => Entries.Where(e => e.Tag != "*" && e.Quality > 0)
        .Select((e, i) => (e, i)).OrderByDescending(x => x.e.Quality).ThenBy(x => x.i).Select(x => x.e.Tag);

    /// <summary>False when "*" has quality 0: a language that is not listed must not be used.</summary>
    public bool AcceptsOthers => !Entries.Any(e => e.Tag == "*" && e.Quality == 0);

    /// <summary>Null for no preference; a malformed list is the client's error.</summary>
    public static LanguagePreference? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var entries = new List<(string, double)>();
        var weighted = false;
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split(';', StringSplitOptions.TrimEntries);
            var quality = 1.0;
            foreach (var parameter in parts.Skip(1))
            {
                if (!parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    || !double.TryParse(parameter[2..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out quality) || quality > 1)
                    throw TerminologyException.Invalid($"The display language '{text}' is not a valid language list: '{parameter}' is not a quality value (q=0 to q=1)");
                weighted = true;
            }
            entries.Add((parts[0], quality));
        }
        if (entries.Count == 0) return null;
        // A list with quality values is echoed in the form HTTP writes it ("de, *; q=0"), any other as it was given.
        var echo = weighted
            ? string.Join(", ", entries.Select(e => e.Item2 == 1 ? e.Item1 : $"{e.Item1}; q={e.Item2.ToString(CultureInfo.InvariantCulture)}"))
            : text.Trim();
        return new LanguagePreference(echo, entries);
    }
}
