using System.Net;
using System.Text;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// HTML's named entities (<c>&amp;reg;</c>, <c>&amp;nbsp;</c>…) in a narrative. R4 §2.4.1 allows only XML's own five
/// entities and character references, so a div holding another is refused; but its author's meaning is plain, and the
/// HL7 validator reads such a div with the entities decoded and reports "Invalid entity" once, instead of rejecting
/// everything the narrative says. The parsers use this to give that message; the validator, to check the content of
/// the div that the parser reported.
/// </summary>
public static class XhtmlEntities
{
    /// <summary>
    /// The div with every HTML named entity written as a character reference, or null when it holds none (whatever
    /// else it holds). <paramref name="first"/> is the first one replaced, as written (<c>&amp;reg;</c>).
    /// </summary>
    public static string? Replace(string xhtml, out string? first)
    {
        first = null;
        StringBuilder? result = null;
        var copied = 0;
        for (var amp = xhtml.IndexOf('&'); amp >= 0; amp = xhtml.IndexOf('&', amp + 1))
        {
            var semicolon = xhtml.IndexOf(';', amp + 1);
            // Entity names are short (the longest HTML 4 name has 8 letters).
            if (semicolon < 0 || semicolon - amp > 10) continue;
            var name = xhtml.AsSpan(amp + 1, semicolon - amp - 1);
            if (name.IsEmpty || !IsAsciiName(name) || name is "lt" or "gt" or "amp" or "quot" or "apos") continue;
            var entity = xhtml[amp..(semicolon + 1)];
            var decoded = WebUtility.HtmlDecode(entity);
            if (decoded == entity) continue;
            first ??= entity;
            result ??= new StringBuilder(xhtml.Length);
            result.Append(xhtml, copied, amp - copied);
            foreach (var rune in decoded.EnumerateRunes()) result.Append("&#").Append(rune.Value).Append(';');
            copied = semicolon + 1;
        }
        return result?.Append(xhtml, copied, xhtml.Length - copied).ToString();
    }

    private static bool IsAsciiName(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
            if (!char.IsAsciiLetterOrDigit(c)) return false;
        return char.IsAsciiLetter(name[0]);
    }
}
