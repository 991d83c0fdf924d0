using System.Buffers;

namespace FhirServer.Conformance.Serialization;

// Narrative check (R4 §2.4.1: the div is well-formed XHTML in the XHTML namespace, no DTD, no entities other than
// XML's own) without building an XmlReader per div. One pass over the text decides "certainly well-formed" for
// the constructs narratives use: ASCII names, the five predefined entities and character references, comments,
// CDATA, namespace declarations on the root div. Anything else — an error, or a construct this scanner does not
// model (processing instructions, non-ASCII names, prefixes declared below the root, xml:* attributes other than
// lang and space…) — goes to PrimitiveRules.CheckXhtml, which stays the reference: that way the verdict and the
// message are always the reference's, and only the common, valid case is faster.
public static class XhtmlChecker
{
    private const string XhtmlNamespace = "http://www.w3.org/1999/xhtml";
    private const int MaxDepth = 64;
    private const int MaxAttributes = 32;
    private const int MaxRootPrefixes = 8;

    // Characters that need no attention in character data, attribute values and comments: printable ASCII and
    // the three whitespace controls (XML 1.0 §2.2 Char), minus the markup each context reacts to.
    private static readonly SearchValues<char> PlainText = Plain("<&]");
    private static readonly SearchValues<char> PlainAttribute = Plain("<&\"'");
    private static readonly SearchValues<char> PlainChars = Plain("");

    private static SearchValues<char> Plain(string except)
    {
        var chars = new List<char> { '\t', '\n', '\r' };
        for (var c = ' '; c <= '\x7F'; c++)
            if (!except.Contains(c)) chars.Add(c);
        return SearchValues.Create([.. chars]);
    }

    public static string? Check(string value) => IsWellFormed(value) ? null : PrimitiveRules.CheckXhtml(value);

    /// <summary>The same check on characters held outside a string: one is made only for the reference check.</summary>
    public static string? Check(ReadOnlySpan<char> value) => IsWellFormed(value) ? null : PrimitiveRules.CheckXhtml(value.ToString());

    // True only when the reference check is certain to accept the value; false means "ask the reference".
    internal static bool IsWellFormed(ReadOnlySpan<char> s)
    {
        Span<int> open = stackalloc int[MaxDepth * 2];
        Span<int> prefixes = stackalloc int[MaxRootPrefixes * 2];
        Span<int> attributes = stackalloc int[MaxAttributes * 2];
        var prefixCount = 0;
        var depth = 0;
        var i = 0;
        // Prolog: whitespace and comments only (XML 1.0 §2.8 Misc); a declaration, PI or DOCTYPE goes to the reference.
        if (!SkipMisc(s, ref i) || i == s.Length) return false;
        if (!StartTag(s, ref i, root: true, attributes, prefixes, ref prefixCount, out var name, out var empty)) return false;
        if (!empty) Push(open, ref depth, name);

        while (depth > 0)
        {
            i = SkipPlain(s, i, PlainText);
            if (i == s.Length) return false;
            switch (s[i])
            {
                case '&':
                    if (!Reference(s, ref i)) return false;
                    break;
                case ']':
                    // "]]>" is not allowed in character data (XML 1.0 §2.4).
                    if (s[i..].StartsWith("]]>")) return false;
                    i++;
                    break;
                case '<' when i + 1 < s.Length && s[i + 1] == '/':
                    // The end tag repeats the open name exactly, followed by S? '>' (XML 1.0 §3.1 [42], WFC Element Type Match).
                    var openName = s.Slice(open[depth * 2 - 2], open[depth * 2 - 1]);
                    i += 2;
                    if (!s[i..].StartsWith(openName)) return false;
                    i += openName.Length;
                    SkipSpace(s, ref i);
                    if (i == s.Length || s[i] != '>') return false;
                    i++;
                    depth--;
                    break;
                case '<' when s[i..].StartsWith("<!--"):
                    if (!Comment(s, ref i)) return false;
                    break;
                case '<' when s[i..].StartsWith("<![CDATA["):
                    // CDATA ends at the first "]]>" (XML 1.0 §2.7).
                    var end = s[(i + 9)..].IndexOf("]]>");
                    if (end < 0 || !ValidChars(s.Slice(i + 9, end))) return false;
                    i += 9 + end + 3;
                    break;
                case '<' when BareStartTag(s, i) is var bare and > 0:
                    if (!Push(open, ref depth, (i + 1, bare - i - 1))) return false;
                    i = bare + 1;
                    break;
                case '<':
                    if (!StartTag(s, ref i, root: false, attributes, prefixes, ref prefixCount, out name, out empty)) return false;
                    if (!empty && !Push(open, ref depth, name)) return false;
                    break;
                default:
                    if (!OtherChar(s, ref i)) return false;
                    break;
            }
        }
        // Epilog: nothing but whitespace and comments after the root (XML 1.0 §2.1 document).
        return SkipMisc(s, ref i) && i == s.Length;
    }

    // Half the text runs in narratives are empty (<tr><td>): one lookup before starting a vector search.
    private static int SkipPlain(ReadOnlySpan<char> s, int i, SearchValues<char> plain)
    {
        if (i == s.Length || !plain.Contains(s[i])) return i;
        var rest = s[(i + 1)..].IndexOfAnyExcept(plain);
        return rest < 0 ? s.Length : i + 1 + rest;
    }

    // A start tag that is a bare ASCII name (<tr>, <td>, <b>), most of them in narratives: the end of its name, or -1.
    private static int BareStartTag(ReadOnlySpan<char> s, int i)
    {
        var k = i + 1;
        if (k == s.Length || !char.IsAsciiLetter(s[k])) return -1;
        while (++k < s.Length && char.IsAsciiLetterOrDigit(s[k])) { }
        return k < s.Length && s[k] == '>' ? k : -1;
    }

    private static bool Push(Span<int> open, ref int depth, (int Start, int Length) name)
    {
        if (depth == MaxDepth) return false;
        open[depth * 2] = name.Start;
        open[depth * 2 + 1] = name.Length;
        depth++;
        return true;
    }

    // '<' QName (S Attribute)* S? ('>' | '/>') — XML 1.0 §3.1, with the namespace rules of Namespaces in XML §3–5.
    private static bool StartTag(ReadOnlySpan<char> s, ref int i, bool root, Span<int> attributes, Span<int> prefixes,
        ref int prefixCount, out (int Start, int Length) name, out bool empty)
    {
        name = default;
        empty = false;
        if (s[i] != '<') return false;
        var start = ++i;
        if (!QName(s, ref i, out var colon)) return false;
        name = (start, i - start);
        var element = s.Slice(start, i - start);
        var count = 0;
        var defaultIsXhtml = false;
        var xhtmlPrefix = -1;
        while (true)
        {
            var spaced = SkipSpace(s, ref i);
            if (i == s.Length) return false;
            if (s[i] == '>') { i++; break; }
            if (s[i] == '/')
            {
                if (i + 1 == s.Length || s[i + 1] != '>') return false;
                i += 2;
                empty = true;
                break;
            }
            // Attributes are separated by whitespace: <a x='1'y='2'> is not well-formed (XML 1.0 §3.1 [40]).
            if (!spaced || count == MaxAttributes) return false;
            var attributeStart = i;
            if (!QName(s, ref i, out var attributeColon)) return false;
            var attribute = s.Slice(attributeStart, i - attributeStart);
            var local = attributeColon < 0 ? attribute : attribute[(attributeColon + 1)..];
            // A repeated local name is a duplicate (an error) or, under two prefixes, depends on the namespaces
            // they name (Namespaces in XML §6.3): both are the reference's call. Only lang="…" next to
            // xml:lang="…" is certainly fine: an unprefixed attribute is in no namespace, a prefixed one always is.
            for (var k = 0; k < count; k++)
            {
                var other = s.Slice(attributes[k * 2], attributes[k * 2 + 1]);
                var otherColon = other.IndexOf(':');
                if ((otherColon < 0) != (attributeColon < 0)) continue;
                if ((otherColon < 0 ? other : other[(otherColon + 1)..]).SequenceEqual(local)) return false;
            }
            attributes[count * 2] = attributeStart;
            attributes[count * 2 + 1] = attribute.Length;
            count++;

            SkipSpace(s, ref i);
            if (i == s.Length || s[i] != '=') return false;
            i++;
            SkipSpace(s, ref i);
            var valueStart = i + 1;
            if (!AttributeValue(s, ref i)) return false;
            var value = s[valueStart..(i - 1)];

            if (attribute is "xmlns")
            {
                if (!PlainNamespace(value)) return false;
                defaultIsXhtml = value is XhtmlNamespace;
            }
            else if (attributeColon >= 0)
            {
                var prefix = attribute[..attributeColon];
                if (prefix is "xmlns")
                {
                    // Prefixes are only followed when declared on the root; a prefix declared below it (and
                    // possibly redefined) is left to the reference, as are reserved and empty bindings.
                    if (!root || prefixCount == MaxRootPrefixes || value.IsEmpty || !PlainNamespace(value)) return false;
                    if (local.StartsWith("xml", StringComparison.OrdinalIgnoreCase)) return false;
                    if (value is XhtmlNamespace && colon >= 0 && local.SequenceEqual(element[..colon])) xhtmlPrefix = prefixCount;
                    prefixes[prefixCount * 2] = attributeStart + attributeColon + 1;
                    prefixes[prefixCount * 2 + 1] = local.Length;
                    prefixCount++;
                }
                else if (prefix is "xml")
                {
                    // xml:lang takes any value; xml:space only these two (XML 1.0 §2.10).
                    if (!(local is "lang" || (local is "space" && value is "default" or "preserve"))) return false;
                }
                else if (local is "xmlns") return false;
            }
        }

        // Every prefix used must be declared (Namespaces in XML §5); only the root's declarations count here.
        if (colon >= 0 && !Declared(s, element[..colon], prefixes, prefixCount)) return false;
        for (var k = 0; k < count; k++)
        {
            var attribute = s.Slice(attributes[k * 2], attributes[k * 2 + 1]);
            var attributeColon = attribute.IndexOf(':');
            if (attributeColon < 0) continue;
            var prefix = attribute[..attributeColon];
            if (prefix is not ("xmlns" or "xml") && !Declared(s, prefix, prefixes, prefixCount)) return false;
        }
        // R4 §2.4.1: the root is a div in the XHTML namespace.
        return !root || (element[(colon + 1)..] is "div" && (colon < 0 ? defaultIsXhtml : xhtmlPrefix >= 0));
    }

    private static bool Declared(ReadOnlySpan<char> s, ReadOnlySpan<char> prefix, Span<int> prefixes, int count)
    {
        for (var k = 0; k < count; k++)
            if (s.Slice(prefixes[k * 2], prefixes[k * 2 + 1]).SequenceEqual(prefix)) return true;
        return false;
    }

    // A namespace name written literally and not one of the two names that may not be bound (Namespaces in XML §3).
    private static bool PlainNamespace(ReadOnlySpan<char> value) =>
        !value.Contains('&') && value is not ("http://www.w3.org/XML/1998/namespace" or "http://www.w3.org/2000/xmlns/");

    // An ASCII QName: NCName (':' NCName)?. Non-ASCII name characters are legal XML but left to the reference.
    private static bool QName(ReadOnlySpan<char> s, ref int i, out int colon)
    {
        var start = i;
        colon = -1;
        if (!NameStart(s, i)) return false;
        i++;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_') i++;
            else if (c == ':' && colon < 0 && NameStart(s, i + 1)) { colon = i - start; i += 2; }
            else break;
        }
        // The name must end on a delimiter, not on a character this scanner does not model.
        return i < s.Length && (s[i] is ' ' or '\t' or '\r' or '\n' or '/' or '>' or '=');
    }

    private static bool NameStart(ReadOnlySpan<char> s, int i) => i < s.Length && (char.IsAsciiLetter(s[i]) || s[i] == '_');

    // '"' ([^<&"] | Reference)* '"' or the same with "'" (XML 1.0 §3.1 [10]).
    private static bool AttributeValue(ReadOnlySpan<char> s, ref int i)
    {
        if (i == s.Length || s[i] is not ('"' or '\'')) return false;
        var quote = s[i++];
        while (true)
        {
            i = SkipPlain(s, i, PlainAttribute);
            if (i == s.Length) return false;
            var c = s[i];
            if (c == quote) { i++; return true; }
            if (c == '<') return false;
            if (c == '&') { if (!Reference(s, ref i)) return false; }
            else if (c is '"' or '\'') i++;
            else if (!OtherChar(s, ref i)) return false;
        }
    }

    // The five predefined entities and character references to legal characters (XML 1.0 §4.1, §4.6): with no
    // DTD no other entity exists (R4 §2.4.1 forbids them anyway).
    private static bool Reference(ReadOnlySpan<char> s, ref int i)
    {
        var rest = s[i..];
        var named = rest.StartsWith("&lt;") || rest.StartsWith("&gt;") ? 4
            : rest.StartsWith("&amp;") ? 5
            : rest.StartsWith("&quot;") || rest.StartsWith("&apos;") ? 6
            : 0;
        if (named > 0)
        {
            i += named;
            return true;
        }
        if (!rest.StartsWith("&#")) return false;
        var hex = rest.Length > 2 && rest[2] == 'x';
        var j = hex ? 3 : 2;
        var first = j;
        var code = 0;
        for (; j < rest.Length && j - first < 7; j++)
        {
            var digit = rest[j] switch
            {
                >= '0' and <= '9' => rest[j] - '0',
                >= 'a' and <= 'f' when hex => rest[j] - 'a' + 10,
                >= 'A' and <= 'F' when hex => rest[j] - 'A' + 10,
                _ => -1,
            };
            if (digit < 0) break;
            code = code * (hex ? 16 : 10) + digit;
        }
        // Seven digits bound the value without overflow; longer (zero-padded) references go to the reference.
        if (j == first || j == rest.Length || rest[j] != ';' || !IsXmlChar(code)) return false;
        i += j + 1;
        return true;
    }

    // Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] (XML 1.0 §2.2).
    private static bool IsXmlChar(int c) =>
        c is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);

    // A character outside the plain ASCII set: legal non-ASCII (a surrogate only as a pair), or not well-formed.
    private static bool OtherChar(ReadOnlySpan<char> s, ref int i)
    {
        var c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i += 2; return true; }
        if (c < 0x80 || char.IsSurrogate(c) || c > 0xFFFD) return false;
        i++;
        return true;
    }

    private static bool ValidChars(ReadOnlySpan<char> s)
    {
        var i = 0;
        while (true)
        {
            var plain = s[i..].IndexOfAnyExcept(PlainChars);
            if (plain < 0) return true;
            i += plain;
            if (!OtherChar(s, ref i)) return false;
        }
    }

    // '<!--' ((Char - '-') | ('-' (Char - '-')))* '-->' — no "--" inside, no '-' just before the end (XML 1.0 §2.5).
    private static bool Comment(ReadOnlySpan<char> s, ref int i)
    {
        var body = s[(i + 4)..];
        var end = body.IndexOf("--");
        if (end < 0 || end + 2 == body.Length || body[end + 2] != '>' || !ValidChars(body[..end])) return false;
        i += 4 + end + 3;
        return true;
    }

    private static bool SkipMisc(ReadOnlySpan<char> s, ref int i)
    {
        while (true)
        {
            SkipSpace(s, ref i);
            if (!s[i..].StartsWith("<!--")) return true;
            if (!Comment(s, ref i)) return false;
        }
    }

    private static bool SkipSpace(ReadOnlySpan<char> s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n') i++;
        return i > start;
    }
}
