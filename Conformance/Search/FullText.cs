using System.Net;
using System.Text.RegularExpressions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Search;

/// <summary>Where the words of a full-text parameter come from.</summary>
public enum FullTextSource { Narrative, Content }

/// <summary>
/// The words of <c>_text</c> (R4 search.html: "search on the narrative of the resource") and <c>_content</c> ("search
/// on the entire content of the resource"), indexed as string rows, one per distinct word, in the normalized form of
/// string search (<see cref="SearchText"/>: <c>Hélène</c> → <c>helene</c>). A searched value matches when each of its
/// words starts a word of the resource (<c>_content=hypert diab</c> finds "Hypertension … diabetes").
/// </summary>
public static partial class FullText
{
    /// <summary>At most this many words of one resource are indexed (the first ones met), which bounds the write.</summary>
    public const int MaxWords = 2_000;

    public static FullTextSource? Of(string code) => code switch
    {
        "_text" => FullTextSource.Narrative,
        "_content" => FullTextSource.Content,
        _ => null,
    };

    /// <summary>The distinct normalized words of the narrative (<c>text.div</c>, markup removed) or of every text of the resource.</summary>
    public static IReadOnlyCollection<string> Words(ElementNode resource, FullTextSource source)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        if (source == FullTextSource.Narrative)
        {
            if (resource.Child("text")?.Child("div")?.Value is { } div) AddWords(Markup().Replace(div, " "), words, decode: true);
            return words;
        }
        foreach (var node in resource.Descendants())
        {
            if (words.Count >= MaxWords) break;
            if (node.Value is not { } value || node.Type == "base64Binary") continue;
            if (node.Type == "xhtml") AddWords(Markup().Replace(value, " "), words, decode: true);
            else AddWords(value, words, decode: false);
        }
        return words;
    }

    /// <summary>The words of a searched value, normalized as the index is (empty when it has none).</summary>
    public static List<string> SearchWords(string value)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        AddWords(value, words, decode: false);
        return [.. words];
    }

    private static void AddWords(string text, HashSet<string> words, bool decode)
    {
        if (decode) text = WebUtility.HtmlDecode(text);
        foreach (var word in NonWord().Split(SearchText.Normalize(text)))
        {
            if (word.Length == 0) continue;
            if (words.Count >= MaxWords) return;
            words.Add(word);
        }
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Markup();

    [GeneratedRegex(@"[^\p{L}\p{N}]+")]
    private static partial Regex NonWord();
}
