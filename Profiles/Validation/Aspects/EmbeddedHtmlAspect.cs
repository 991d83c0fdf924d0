using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// HTML written into primitive values other than the narrative, as the HL7 validator looks for it:
/// <list type="bullet">
/// <item>with <see cref="ValidatorOptions.SecurityChecks"/>, a value that looks like it holds an HTML tag
/// (<c>&lt;script&gt;</c>) is an error ("not allowed for security reasons"): a system that shows the value in a page
/// without escaping it would run it;</item>
/// <item>markdown with a raw tag (<c>&lt;r</c>: '&lt;' then a letter, not escaped by '\'): CommonMark would pass it
/// through as HTML, where FHIR renders it as text (R4 datatypes.html#markdown: "no embedded HTML"); a warning by
/// default, an error or nothing as <see cref="ValidatorOptions.HtmlInMarkdown"/> says. The comment of an
/// ElementDefinition for a narrative's div is exempt: it talks about HTML.</item>
/// </list>
/// One shared check on every primitive element but xhtml; with the options at their defaults it costs one search for
/// '&lt;' in each markdown value, and nothing for the other types.
/// </summary>
public sealed class EmbeddedHtmlAspect : IAspectBuilder
{
    private static readonly EmbeddedHtmlCheck Instance = new();

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        foreach (var t in element.Types)
            if (t.Code is { Length: > 0 } code && char.IsAsciiLetterLower(code[0]) && code != "xhtml")
            {
                checks.Add(Instance);
                return;
            }
    }

    private sealed class EmbeddedHtmlCheck : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (node.Type == "xhtml") return;
            var markdown = node.Type == "markdown" && state.Options.HtmlInMarkdown != HtmlInMarkdownCheck.None;
            if (!state.Options.SecurityChecks && !markdown) return;
            // Both checks look for a '<': a value still held as UTF-8 without one is not decoded into a string (the
            // megabytes of base64 of a Binary or an Attachment would be, for nothing).
            if (node.TryGetUtf8Value(out var utf8) && !utf8.Contains((byte)'<')) return;
            if (node.Value is not { } value) return;
            if (state.Options.SecurityChecks && ContainsHtmlTag(value))
                state.Report(IssueSeverity.Error, "invalid",
                    "The string value contains text that looks like embedded HTML tags, which are not allowed for security reasons in this context", node);
            if (markdown && !IsDivComment(node)
                && RawTag(value) is { } at)
                state.Report(state.Options.HtmlInMarkdown == HtmlInMarkdownCheck.Error ? IssueSeverity.Error : IssueSeverity.Warning, "invalid",
                    $"The markdown contains content that appears to be an embedded HTML tag starting at '{value.Substring(at, 2)}'. This will (or SHOULD) be escaped by the presentation layer. The content should be checked to confirm that this is the desired behaviour",
                    node);
        }

        public override string ToString() => "embedded HTML";
    }

    /// <summary>
    /// Something between '&lt;' and the next '&gt;' that reads as a tag: a letter, word characters, then nothing or
    /// whitespace and anything (<c>b</c>, <c>a href=x</c>), closed before the next '&lt;'. The HL7 validator's rule,
    /// which also leaves out a tag that no later '&lt;' follows.
    /// </summary>
    internal static bool ContainsHtmlTag(string value)
    {
        var s = value.AsSpan();
        var lt = s.IndexOf('<');
        while (lt >= 0)
        {
            s = s[(lt + 1)..];
            lt = s.IndexOf('<');
            var gt = s.IndexOf('>');
            if (gt > -1 && gt < lt && IsTagContent(s[..gt])) return true;
        }
        return false;
    }

    // [a-zA-Z]\w*(\s+\S*)* : a name, then either the end or whitespace followed by anything.
    private static bool IsTagContent(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !char.IsAsciiLetter(s[0])) return false;
        var i = 1;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_')) i++;
        return i == s.Length || s[i] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v';
    }

    // The first '<' followed by a letter and not escaped by a backslash (what CommonMark would take for raw HTML).
    internal static int? RawTag(string value)
    {
        for (var i = value.IndexOf('<'); i >= 0 && i < value.Length - 1; i = value.IndexOf('<', i + 1))
            if (char.IsLetter(value[i + 1]) && (i == 0 || value[i - 1] != '\\')) return i;
        return null;
    }

    // ElementDefinition.comment on the definition of a narrative's div (HL7 validator's exemption).
    private static bool IsDivComment(ElementNode node) =>
        node.Name == "comment" && node.Parent?.Child("path")?.Value is { } path && path.EndsWith(".text.div", StringComparison.Ordinal);
}
