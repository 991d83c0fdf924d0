using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// Compares an instance node with a <see cref="ValueTree"/> (R4 elementdefinition-definitions.html#ElementDefinition.fixed_x_
/// and #ElementDefinition.pattern_x_). Fixed: the same value exactly, children included, nothing more (element ids
/// aside). Pattern: every element of the pattern present with the same value; a repeating element's pattern items
/// are each matched by some item of the instance, which may have more. With no state to report to, the first
/// difference ends the comparison (slice membership, alternatives); with one, every difference is reported, worded
/// as the HL7 validator words them.
/// </summary>
public static class ValueMatcher
{
    /// <summary>Names an element as the HL7 validator's messages do: <c>url|version#element-id</c>.</summary>
    internal static string SourceOf(Schemas.ElementSchema element) => $"{element.Profile.Canonical}#{element.Definition.Id}";

    /// <summary>Whether the node matches, without reporting.</summary>
    public static bool Matches(ElementNode node, ValueTree expected, bool exact) => Compare(node, expected, exact, "", null);

    /// <summary>Compares and reports each difference on <paramref name="state"/>; <paramref name="source"/> names the profile element.</summary>
    public static bool Check(ElementNode node, ValueTree expected, bool exact, string source, ValidationState state) =>
        Compare(node, expected, exact, source, state);

    private static bool Compare(ElementNode node, ValueTree expected, bool exact, string source, ValidationState? report)
    {
        var ok = true;
        if (expected.Value is { } value && node.Value != value)
        {
            if (report is null) return false;
            report.Report(IssueSeverity.Error, "value", $"Value is '{node.Value}' but is fixed to '{value}' in the profile {source}", node);
            ok = false;
        }
        var children = node.Children;
        foreach (var child in expected.Children)
        {
            var count = 0;
            for (var i = 0; i < children.Count; i++)
                if (ValueTree.HasJsonName(children[i], child.Name)) count++;
            if (count == 0)
            {
                if (report is null) return false;
                report.Report(IssueSeverity.Error, "value",
                    $"Missing element '{child.Name}' - required by {(exact ? "fixed value" : "pattern")} assigned in profile {source}", node);
                ok = false;
                continue;
            }
            if (exact) ok &= CompareInOrder(node, child, count, source, report);
            else ok &= ContainsEach(node, child, count, source, report);
            if (!ok && report is null) return false;
        }
        if (exact)
        {
            for (var i = 0; i < children.Count; i++)
            {
                var c = children[i];
                if (c.Name == "id" || Declares(expected, c)) continue;
                if (report is null) return false;
                report.Report(IssueSeverity.Error, "value",
                    $"The element {c.SerializedName} is present in the instance but not allowed in the applicable fixed value specified in profile", c);
                ok = false;
            }
        }
        return ok;
    }

    private static bool Declares(ValueTree expected, ElementNode node)
    {
        foreach (var child in expected.Children)
            if (ValueTree.HasJsonName(node, child.Name)) return true;
        return false;
    }

    // Fixed: as many items as the fixed value has, each equal to the one at its place.
    private static bool CompareInOrder(ElementNode node, ValueTree.Child child, int count, string source, ValidationState? report)
    {
        if (count != child.Items.Length)
        {
            report?.Report(IssueSeverity.Error, "value", $"Expected {child.Items.Length} but found {count} {child.Name} elements", node);
            return false;
        }
        var ok = true;
        var index = 0;
        var children = node.Children;
        for (var i = 0; i < children.Count; i++)
        {
            if (!ValueTree.HasJsonName(children[i], child.Name)) continue;
            ok &= Compare(children[i], child.Items[index++], exact: true, source, report);
            if (!ok && report is null) return false;
        }
        return ok;
    }

    // Pattern: each of the pattern's items matched by some item of the instance.
    private static bool ContainsEach(ElementNode node, ValueTree.Child child, int count, string source, ValidationState? report)
    {
        var children = node.Children;
        // One item against one: the differences themselves say best what is wrong.
        if (count == 1 && child.Items.Length == 1)
        {
            for (var i = 0; i < children.Count; i++)
                if (ValueTree.HasJsonName(children[i], child.Name)) return Compare(children[i], child.Items[0], exact: false, source, report);
        }
        var ok = true;
        foreach (var item in child.Items)
        {
            var found = false;
            for (var i = 0; i < children.Count && !found; i++)
                found = ValueTree.HasJsonName(children[i], child.Name) && Compare(children[i], item, exact: false, source, null);
            if (found) continue;
            if (report is null) return false;
            ok = false;
            report.Report(IssueSeverity.Error, "value", NotFound(node, child.Name, item, source, report), node);
        }
        return ok;
    }

    // The HL7 validator's TYPE_CHECKS_PATTERN_CC for codings; the same shape for other items.
    private static string NotFound(ElementNode node, string name, ValueTree item, string source, ValidationState report)
    {
        var issues = new List<string>();
        foreach (var c in node.Children)
        {
            if (!ValueTree.HasJsonName(c, name)) continue;
            report.Try(s => Compare(c, item, exact: false, source, s), out var found);
            issues.AddRange(found.Select(i => i.Message));
        }
        var described = name == "coding"
            ? $"[system {Part(item, "system")}, code {Part(item, "code")}, and display '{Part(item, "display")}']"
            : $"for {name} [{Describe(item)}]";
        return $"The pattern {described} defined in the profile {source} not found. Issues: {string.Join("; ", issues.Distinct())}";
    }

    private static string? Part(ValueTree item, string name)
    {
        foreach (var c in item.Children)
            if (c.Name == name) return c.Items[0].Value;
        return null;
    }

    private static string Describe(ValueTree item) =>
        item.Value ?? string.Join(", ", item.Children.Select(c => $"{c.Name} {(c.Items.Length == 1 ? c.Items[0].Value ?? "{…}" : "[…]")}"));
}

/// <summary>A fixed (<paramref name="exact"/>) or pattern value compiled for an element: every node compared with it.</summary>
internal sealed class ValueTreeCheck(ValueTree value, bool exact, string source) : Schemas.IElementCheck
{
    public void Check(ElementNode node, ValidationState state) => ValueMatcher.Check(node, value, exact, source, state);
}
