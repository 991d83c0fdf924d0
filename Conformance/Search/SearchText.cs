using System.Globalization;
using System.Text;

namespace FhirServer.Conformance.Search;

/// <summary>
/// The one normalization of string search (R4 search.html §2.1.1.5.2: "case- and accent-insensitive"): the index
/// stores it and the query side applies it to what it searches for, so both compare the same text.
/// </summary>
public static class SearchText
{
    private const char FirstFolded = '\u00C0';
    private const char LastFolded = '\u1FFF';

    // Indexed by (c - FirstFolded): the folded letter, or '\0' when the character stays.
    private static readonly char[] Folding = BuildFolding();

    /// <summary>
    /// Lower-case, without diacritics (what NFD and dropping the non-spacing marks would give:
    /// <c>Hélène</c> → <c>helene</c>), the ligatures æ, œ and ß spelled out (<c>Œuvre</c> → <c>oeuvre</c>, as
    /// French users type them), white space runs collapsed to one space and trimmed. Idempotent.
    /// </summary>
    public static string Normalize(string text)
    {
        if (IsNormalizedAscii(text)) return text;
        var sb = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var original in text)
        {
            if (char.IsWhiteSpace(original))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            // Already decomposed input: the marks go, as NFD would have separated them.
            if (CharUnicodeInfo.GetUnicodeCategory(original) == UnicodeCategory.NonSpacingMark) continue;
            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }
            var c = char.ToLowerInvariant(original);
            switch (c)
            {
                case 'æ': sb.Append("ae"); continue;
                case 'œ': sb.Append("oe"); continue;
                case 'ß': sb.Append("ss"); continue;
            }
            if (c is >= FirstFolded and <= LastFolded && Folding[c - FirstFolded] is var folded and not '\0') c = folded;
            sb.Append(c);
        }
        return sb.ToString();
    }

    // Most values (codes, ASCII names already lower-case) need no work: answer without allocating.
    private static bool IsNormalizedAscii(string text)
    {
        if (text.Length == 0) return true;
        if (text[0] == ' ' || text[^1] == ' ') return false;
        var previousSpace = false;
        foreach (var c in text)
        {
            if (c >= 0x80 || c < ' ' || char.IsAsciiLetterUpper(c)) return false;
            if (c == ' ' && previousSpace) return false;
            previousSpace = c == ' ';
        }
        return true;
    }

    private static char[] BuildFolding()
    {
        var table = new char[LastFolded - FirstFolded + 1];
        for (var i = 0; i < DiacriticTable.From.Length; i++)
            table[DiacriticTable.From[i] - FirstFolded] = char.ToLowerInvariant(DiacriticTable.To[i]);
        return table;
    }
}
