using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// Narrative.div's txt-1 and txt-2, checked natively. R4 writes both as <c>htmlChecks()</c>, yet they say different
/// things: txt-1 "only the basic html formatting elements and attributes", txt-2 "some non-whitespace content". The
/// HL7 validator evaluates them apart (its htmlChecks1 and htmlChecks2), and so does this check: txt-1 holds when every
/// element and attribute is allowed (<see cref="NarrativeAspect.HasOnlyAllowedNames"/>), txt-2 when some text that is
/// not whitespace, or an image, is there. A div that cannot be read as XHTML (the parser said so) meets neither; one
/// whose only fault is an HTML named entity (<c>&amp;reg;</c>) is read with the entity decoded, as the HL7 validator
/// reads it: the parser reported the entity, the content is judged for what it is.
/// </summary>
internal sealed class NarrativeInvariantCheck(string key, IssueSeverity severity, string human, string source) : IElementCheck
{
    public const string Expression = "htmlChecks()";

    // What the first of the two checks on a div found, for the second (ValidationState.LastInvariant).
    private const string WellFormed = "htmlChecks(): well-formed";

    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Value is not { } xhtml) return;
        string? readable;
        // txt-1 and txt-2 run one after the other on the same div: a div found well-formed is not scanned again.
        if (ReferenceEquals(state.LastInvariant.Node, node) && state.LastInvariant is { Expression: WellFormed, Result: true }) readable = xhtml;
        else
        {
            readable = Readable(xhtml);
            state.LastInvariant = (node, WellFormed, ReferenceEquals(readable, xhtml));
        }
        var holds = readable is not null && (key == "txt-2" ? HasContent(readable) : NarrativeAspect.HasOnlyAllowedNames(readable));
        if (!holds) state.Report(severity, "invariant", ConstraintAspect.Message(key, human, source), node);
    }

    private static string? Readable(string xhtml)
    {
        if (XhtmlChecker.Check(xhtml) is null) return xhtml;
        return XhtmlEntities.Replace(xhtml, out _) is { } decoded && XhtmlChecker.Check(decoded) is null ? decoded : null;
    }

    /// <summary>Text other than whitespace outside the markup (a character reference counts), or an img element.</summary>
    internal static bool HasContent(string xhtml)
    {
        var s = xhtml.AsSpan();
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] != '<')
            {
                // Whitespace as Java's trim() sees it: any character up to U+0020.
                if (s[i] > ' ') return true;
                i++;
                continue;
            }
            var rest = s[i..];
            if (rest.StartsWith("<![CDATA["))
            {
                var end = rest.IndexOf("]]>");
                var text = end < 0 ? rest[9..] : rest[9..end];
                foreach (var c in text)
                    if (c > ' ') return true;
                i += end < 0 ? rest.Length : end + 3;
                continue;
            }
            if (rest.StartsWith("<img") && rest.Length > 4 && rest[4] is ' ' or '/' or '>' or '\t' or '\r' or '\n') return true;
            var close = rest.StartsWith("<!--") ? rest.IndexOf("-->") + 3 : TagEnd(rest);
            if (close <= 0) return false;
            i += close;
        }
        return false;
    }

    // Past the '>' that ends the tag: a '>' inside a quoted attribute value does not (XML 1.0 §3.1 allows it there).
    private static int TagEnd(ReadOnlySpan<char> tag)
    {
        var quote = '\0';
        for (var i = 1; i < tag.Length; i++)
        {
            var c = tag[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; }
            else if (c is '"' or '\'') quote = c;
            else if (c == '>') return i + 1;
        }
        return 0;
    }

    public override string ToString() => key;
}
