using System.Collections.Frozen;
using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// What a narrative may hold (R4 narrative.html §2.4.1, txt-1): "only the basic html formatting elements and
/// attributes described in chapters 7-11 (except section 4 of chapter 9) and 15 of the HTML 4.0 standard, &lt;a&gt;
/// elements (either name or href), images and internally contained style attributes" — so no script, no form, no
/// event attribute (<c>onclick</c>…), and no <c>javascript:</c> link. The parsers already refuse a div that is not
/// well-formed XHTML (XhtmlChecker, PrimitiveRules.CheckXhtml), so this check reads a well-formed value with a plain
/// scan and never builds an XML reader. The lists are the HL7 validator's, with chapter 15's font, s, u and strike.
/// </summary>
public sealed class NarrativeAspect : IAspectBuilder
{
    private static readonly FrozenSet<string> Elements = FrozenSet.ToFrozenSet([
        "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "a", "span", "b", "em", "i", "strong", "small", "big", "tt",
        "dfn", "q", "var", "abbr", "acronym", "cite", "blockquote", "hr", "address", "bdo", "kbd", "sub", "sup", "ul",
        "ol", "li", "dl", "dt", "dd", "pre", "table", "caption", "colgroup", "col", "thead", "tr", "tfoot", "tbody", "th",
        "td", "code", "samp", "img", "map", "area", "font", "basefont", "s", "u", "strike",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string> Attributes = FrozenSet.ToFrozenSet([
        "title", "style", "class", "id", "lang", "xml:lang", "xml:space", "dir", "accesskey", "tabindex",
        "span", "width", "align", "valign", "char", "charoff", "abbr", "axis", "headers", "scope", "rowspan", "colspan",
        "a.charset", "a.type", "a.name", "a.href", "a.hreflang", "a.rel", "a.rev", "a.shape", "a.coords",
        "img.src", "img.alt", "img.longdesc", "img.height", "img.width", "img.usemap", "img.ismap", "img.border",
        "map.name", "area.shape", "area.coords", "area.href", "area.nohref", "area.alt",
        "table.summary", "table.border", "table.frame", "table.rules", "table.cellspacing", "table.cellpadding",
        "pre.space", "td.nowrap", "th.nowrap", "blockquote.cite", "q.cite", "ol.start", "ol.type", "ul.type",
        "li.type", "li.value", "font.size", "font.color", "font.face", "basefont.size", "basefont.color", "basefont.face",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> ElementLookup = Elements.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> AttributeLookup = Attributes.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly NarrativeCheck Instance = new();

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        foreach (var t in element.Types)
            if (t.Code == "xhtml")
            {
                checks.Add(Instance);
                checks.Add(NarrativeLinkCheck.Instance);
                return;
            }
    }

    private sealed class NarrativeCheck : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (node.Type != "xhtml" || node.Value is not { } xhtml) return;
            Scan(xhtml, (message, _) => state.Report(IssueSeverity.Error, "invalid", message, node));
        }
    }

    /// <summary>Calls <paramref name="report"/> with a message for each element, attribute or link a narrative may not have.</summary>
    public static void Scan(string xhtml, Action<string, int> report) => Scan(xhtml, report, links: true);

    /// <summary>
    /// Whether every element and attribute is one a narrative may have: txt-1 as the HL7 validator evaluates it (its
    /// FHIRPath <c>htmlChecks()</c> looks at names only; links are this aspect's own check).
    /// </summary>
    public static bool HasOnlyAllowedNames(string xhtml) => Scan(xhtml, null, links: false);

    // With no report, stops at the first problem and answers false.
    private static bool Scan(string xhtml, Action<string, int>? report, bool links)
    {
        var ok = true;
        var s = xhtml.AsSpan();
        var i = 0;
        while (true)
        {
            var lt = s[i..].IndexOf('<');
            if (lt < 0) return ok;
            i += lt;
            var rest = s[i..];
            if (rest.StartsWith("<!--")) { i = Skip(s, i, "-->"); continue; }
            if (rest.StartsWith("<![CDATA[")) { i = Skip(s, i, "]]>"); continue; }
            if (rest.StartsWith("<?")) { i = Skip(s, i, "?>"); continue; }
            if (rest.StartsWith("</") || rest.StartsWith("<!")) { i = Skip(s, i, ">"); continue; }
            i++;
            var name = Name(s, ref i);
            var element = LocalName(name);
            if (!ElementLookup.Contains(element))
            {
                if (report is null) return false;
                ok = false;
                report($"Illegal element name in the XHTML ('{element}')", i);
            }
            // Attributes up to the end of the tag; the value is well-formed, so quotes are balanced.
            while (i < s.Length && s[i] != '>')
            {
                if (char.IsWhiteSpace(s[i]) || s[i] == '/') { i++; continue; }
                var attribute = Name(s, ref i);
                while (i < s.Length && s[i] != '"' && s[i] != '\'') i++;
                if (i == s.Length) return ok;
                var quote = s[i];
                var end = s[(i + 1)..].IndexOf(quote);
                if (end < 0) return ok;
                var value = s.Slice(i + 1, end);
                i += end + 2;
                if (attribute is "xmlns" || attribute.StartsWith("xmlns:")) continue;
                if (!IsAllowed(element, attribute))
                {
                    if (report is null) return false;
                    ok = false;
                    report($"Illegal attribute name in the XHTML ('{attribute}' on '{element}')", i);
                }
                else if (links && attribute is "href" or "src" && value.Trim().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase))
                {
                    ok = false;
                    report?.Invoke($"The {attribute} of '{element}' is a javascript: URL, which a narrative may not have", i);
                }
            }
        }
    }

    // A global attribute, or one of the element's own (listed as element.attribute).
    private static bool IsAllowed(ReadOnlySpan<char> element, ReadOnlySpan<char> attribute)
    {
        if (AttributeLookup.Contains(attribute)) return true;
        var length = element.Length + 1 + attribute.Length;
        if (length > 64) return false;
        Span<char> qualified = stackalloc char[length];
        element.CopyTo(qualified);
        qualified[element.Length] = '.';
        attribute.CopyTo(qualified[(element.Length + 1)..]);
        return AttributeLookup.Contains(qualified);
    }

    private static int Skip(ReadOnlySpan<char> s, int i, string end)
    {
        var at = s[i..].IndexOf(end);
        return at < 0 ? s.Length : i + at + end.Length;
    }

    private static ReadOnlySpan<char> Name(ReadOnlySpan<char> s, ref int i)
    {
        var start = i;
        while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('>' or '/' or '=')) i++;
        return s[start..i];
    }

    private static ReadOnlySpan<char> LocalName(ReadOnlySpan<char> name)
    {
        var colon = name.IndexOf(':');
        return colon < 0 ? name : name[(colon + 1)..];
    }
}
