using System.Text;

namespace FhirServer.Conformance.Search;

/// <summary>
/// The sound of a name, for the <c>phonetic</c> search parameters (R4 Patient, Practitioner, Person, RelatedPerson:
/// "a portion of the name using some kind of phonetic matching algorithm", left to the server). A key for French
/// and English names: spellings that sound alike get the same key (Strohman / Stroman, Dupont / Dupond,
/// Lefèvre / Lefebvre, Philippe / Filipe, Catherine / Katherine, Stephen / Steven).
/// <para>
/// Per word, on the normalized text (<see cref="SearchText.Normalize"/>: lower case, no accents): letter groups that
/// spell one sound become one consonant (ph → f, th → t, ch / sh / sch → x, chr → kr, qu / ck / c before a, o, u →
/// k, c before e, i, y → s, g before e, i, y → j, gu before e, i, y → k, gn → n, bv → v); voiced and unvoiced pairs
/// merge (b → p, d → t, g → k, v → f, w → f, z → s), x → ks; h is silent; vowels (and y) are dropped but a word's
/// first sound, when a vowel, is kept as <c>a</c>; a letter repeated (pp, ss, ll…) counts once. The words' keys are
/// joined with a space. Unlike Soundex the first letter is coded too (Philippe and Filipe both start with f).
/// </para>
/// </summary>
public static class PhoneticKey
{
    /// <summary>The key of a text (several words: their keys, space-separated); empty when it has no letters.</summary>
    public static string Of(string text) => string.Join(' ', Words(text));

    /// <summary>The key of each word of the text, in order (words without a key left out).</summary>
    public static IEnumerable<string> Words(string text)
    {
        var normalized = SearchText.Normalize(text);
        var start = -1;
        for (var i = 0; i <= normalized.Length; i++)
        {
            var letter = i < normalized.Length && char.IsAsciiLetterLower(normalized[i]);
            if (letter && start < 0) start = i;
            else if (!letter && start >= 0)
            {
                var key = Word(normalized.AsSpan(start, i - start));
                if (key.Length > 0) yield return key;
                start = -1;
            }
        }
    }

    private static string Word(ReadOnlySpan<char> w)
    {
        var key = new StringBuilder(w.Length);
        var afterConsonant = false;
        for (var i = 0; i < w.Length; i++)
        {
            var c = w[i];
            var next = i + 1 < w.Length ? w[i + 1] : '\0';
            var afterNext = i + 2 < w.Length ? w[i + 2] : '\0';
            string code;
            switch (c)
            {
                case var vowel when IsVowel(vowel):
                    code = key.Length == 0 ? "a" : "";
                    break;
                case 'h':
                    code = "";
                    break;
                case 'p' when next == 'h':
                    code = "f";
                    i++;
                    break;
                case 't' when next == 'h':
                    code = "t";
                    i++;
                    break;
                case 's' when next == 'c' && afterNext == 'h':
                    code = "x";
                    i += 2;
                    break;
                case 's' when next == 'h':
                    code = "x";
                    i++;
                    break;
                case 'c' when next == 'h' && afterNext == 'r':
                    code = "k";
                    i++;
                    break;
                case 'c' when next == 'h':
                    code = "x";
                    i++;
                    break;
                case 'c' when next == 'k':
                    code = "k";
                    i++;
                    break;
                case 'c':
                    code = IsFront(next) ? "s" : "k";
                    break;
                case 'q':
                    code = "k";
                    if (next == 'u') i++;
                    break;
                case 'g' when next == 'u' && IsFront(afterNext):
                    code = "k";
                    i++;
                    break;
                case 'g' when next == 'n':
                    code = "n";
                    i++;
                    break;
                case 'g':
                    code = IsFront(next) ? "j" : "k";
                    break;
                case 'b' when next == 'v':
                    code = "";
                    break;
                case 'b': code = "p"; break;
                case 'd': code = "t"; break;
                case 'v' or 'w': code = "f"; break;
                case 'z': code = "s"; break;
                case 'x': code = "ks"; break;
                default: code = c.ToString(); break;
            }
            // A doubled letter (pp, ss, ll) or two spellings of one sound side by side count once; separated by a
            // vowel they are two sounds (Lefèvre: l-f-f-r).
            if (code.Length > 0 && afterConsonant && key.Length > 0 && key[^1] == code[0]) code = code[1..];
            key.Append(code);
            // Silent letters (h, the b of bv) leave the neighbours side by side.
            if (code.Length > 0 || IsVowel(c)) afterConsonant = !IsVowel(c);
        }
        return key.ToString();
    }

    private static bool IsFront(char c) => c is 'e' or 'i' or 'y';

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';
}
