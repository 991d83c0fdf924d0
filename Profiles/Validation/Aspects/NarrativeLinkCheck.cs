using System.Xml;
using System.Xml.Linq;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// The hyperlinks of a narrative go somewhere a reader can follow (R4 narrative.html §2.4.1; references.html §2.3.0.4
/// for <c>#id</c> links to contained resources), as the HL7 validator checks them:
/// <list type="bullet">
/// <item>an <c>href</c> is not empty;</item>
/// <item><c>#x</c> names something in the resource: an element or resource id, or an <c>id</c> attribute or
/// <c>&lt;a name&gt;</c> in any of its narratives; failing that, the same anywhere in the Bundle the resource is in
/// (a document's narratives link to each other's anchors). No match is an error, several a warning;</item>
/// <item>an absolute URL has a scheme a browser can follow: <c>urn:</c> and <c>cid:</c> name things, they do not locate
/// them (javascript: links are <see cref="NarrativeAspect"/>'s).</item>
/// </list>
/// Issues are located on the div and say where the link is (<c>div/p/a</c>) and what it reads, in the HL7 validator's
/// words. Most links go to web pages: a div is read as XML only when one of its links needs following.
/// </summary>
internal sealed class NarrativeLinkCheck : IElementCheck
{
    public static readonly NarrativeLinkCheck Instance = new();

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
    };

    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Type != "xhtml" || node.Value is not { } xhtml || !HasLinkToCheck(xhtml)) return;
        // A div that is not well-formed was reported by the parser; there is nothing to follow in it.
        if (Load(xhtml) is not { } div) return;
        CheckLinks(div, "div", node, state);
    }

    private static void CheckLinks(XElement element, string xpath, ElementNode node, ValidationState state)
    {
        if (element.Name.LocalName == "a" && element.Attribute("href") is { } attribute) CheckLink(attribute.Value, xpath, element, node, state);
        foreach (var child in element.Elements()) CheckLinks(child, xpath + "/" + child.Name.LocalName, node, state);
    }

    private static void CheckLink(string href, string xpath, XElement a, ElementNode node, ValidationState state)
    {
        var text = a.Value.ReplaceLineEndings(" ").Trim();
        if (href.Length == 0)
        {
            state.Report(IssueSeverity.Error, "invalid", $"Hyperlink at '{xpath}' for '{text}' has an empty href", node);
            return;
        }
        if (href.Length > 1 && href[0] == '#')
        {
            var count = Targets(node, state).Count(href[1..]);
            if (count == 0)
                state.Report(IssueSeverity.Error, "invalid", $"Hyperlink '{href}' at '{xpath}' for '{text}' does not resolve", node);
            else if (count > 1)
                state.Report(IssueSeverity.Warning, "invalid", $"Hyperlink '{href}' at '{xpath}' for '{text}' resolves to {count} targets", node);
            return;
        }
        if (Scheme(href) is { } scheme && scheme is "urn" or "cid")
            state.Report(IssueSeverity.Error, "invalid",
                $"Hyperlink scheme '{scheme}' in '{href}' at '{xpath}' for '{text}' is not a valid hyperlinkable scheme", node);
    }

    // Most links go to web pages (an IG's generated narratives link every type and profile): the div is read as XML
    // only when some href is empty, a fragment or a urn:/cid: one.
    private static bool HasLinkToCheck(string xhtml)
    {
        var s = xhtml.AsSpan();
        for (var at = s.IndexOf("href"); at >= 0; at = s.IndexOf("href"))
        {
            s = s[(at + 4)..];
            var i = 0;
            while (i < s.Length && s[i] is ' ' or '\t' or '\r' or '\n' or '=') i++;
            if (i == s.Length || s[i] is not ('"' or '\'')) continue;
            var value = s[(i + 1)..];
            var end = value.IndexOf(s[i]);
            value = (end < 0 ? value : value[..end]).Trim();
            if (value.IsEmpty || (value[0] == '#' && value.Length > 1)
                || value.StartsWith("urn:", StringComparison.OrdinalIgnoreCase) || value.StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    // The scheme of an absolute URI (RFC 3986 §3.1), or null for a relative one.
    private static string? Scheme(string href)
    {
        var colon = href.IndexOf(':');
        if (colon < 1 || !char.IsAsciiLetter(href[0])) return null;
        for (var i = 1; i < colon; i++)
            if (!char.IsAsciiLetterOrDigit(href[i]) && href[i] is not ('+' or '-' or '.')) return null;
        return href[..colon].ToLowerInvariant();
    }

    // The link targets of the div's resource, and of the Bundle it is in, computed once per validation.
    private static LinkTargets Targets(ElementNode node, ValidationState state)
    {
        var resource = node.ResourceNode ?? node;
        return state.Memo(resource, r => new LinkTargets((ElementNode)r));
    }

    internal static XElement? Load(string xhtml)
    {
        try
        {
            using var reader = XmlReader.Create(new StringReader(xhtml), Settings);
            return XElement.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    public override string ToString() => "narrative links";

    /// <summary>
    /// What <c>#x</c> may name, counted: in the resource (ids of its elements and of itself, ids and anchor names in its
    /// narratives, contained resources included), else in the nearest Bundle holding it.
    /// </summary>
    private sealed class LinkTargets(ElementNode resource)
    {
        private Dictionary<string, int>? _inResource;
        private Dictionary<string, int>? _inBundle;

        public int Count(string fragment)
        {
            _inResource ??= Collect(resource);
            if (_inResource.TryGetValue(fragment, out var count)) return count;
            for (var n = resource.Parent; n is not null; n = n.Parent)
                if (n.IsResource && n.Type == "Bundle")
                {
                    _inBundle ??= Collect(n);
                    return _inBundle.GetValueOrDefault(fragment);
                }
            return 0;
        }

        private static Dictionary<string, int> Collect(ElementNode root)
        {
            var targets = new Dictionary<string, int>(StringComparer.Ordinal);
            Add(root, targets);
            return targets;
        }

        private static void Add(ElementNode node, Dictionary<string, int> targets)
        {
            var children = node.Children;
            for (var i = 0; i < children.Count; i++)
            {
                var child = children[i];
                if (child.Name == "id" && child.Value is { } id) Increment(targets, id);
                else if (child.Type == "xhtml" && child.Value is { } xhtml && Load(xhtml) is { } div) AddAnchors(div, targets);
                Add(child, targets);
            }
        }

        private static void AddAnchors(XElement element, Dictionary<string, int> targets)
        {
            var id = element.Attribute("id")?.Value;
            if (id is not null) Increment(targets, id);
            // An anchor with the same name and id is one target.
            if (element.Name.LocalName == "a" && element.Attribute("name")?.Value is { } name && name != id) Increment(targets, name);
            foreach (var child in element.Elements()) AddAnchors(child, targets);
        }

        private static void Increment(Dictionary<string, int> targets, string key) =>
            targets[key] = targets.GetValueOrDefault(key) + 1;
    }
}
