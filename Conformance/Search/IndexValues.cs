using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Search;

/// <summary>
/// Turns one item an expression selected (an <see cref="ElementNode"/> or a FHIRPath System value) into the index
/// values of a parameter type, following R4 search.html (§2.1.1.5 per type). An item the type cannot hold (a
/// Quantity for a token parameter) is reported, not guessed at.
/// </summary>
internal static class IndexValues
{
    /// <summary>Adds the item's values; returns why it could not, or null.</summary>
    public static string? Add(SearchParamType type, object item, List<IndexValue> values, DefinitionRegistry registry, ServerBases local)
    {
        // An expression that stops at an extension (extension.where(url = …)) means its value; a complex
        // extension (nested extensions, no value) has nothing to index.
        if (item is ElementNode { Type: "Extension" } extension)
        {
            if (extension.Child("value") is not { } value) return null;
            item = value;
        }
        var before = values.Count;
        var handled = type switch
        {
            SearchParamType.String => AddString(item, values),
            SearchParamType.Token => TokenValues.Add(item, values),
            SearchParamType.Reference => ReferenceValues.Add(item, values, registry, local),
            SearchParamType.Date => TemporalValues.Add(item, values),
            SearchParamType.Number => NumericValues.AddNumber(item, values),
            SearchParamType.Quantity => NumericValues.AddQuantity(item, values),
            SearchParamType.Uri => AddUri(item, values),
            _ => false,
        };
        if (handled) return null;
        values.RemoveRange(before, values.Count - before);
        return $"{Describe(item)} cannot be indexed as {type.ToString().ToLowerInvariant()}";
    }

    public static string Describe(object item) => item switch
    {
        ElementNode { HasValue: true } n => $"{n.Type} '{Shorten(n.Value!)}'",
        ElementNode n when n.Child("value") is { HasValue: true } value => $"{n.Type} of value '{Shorten(value.Value!)}'",
        ElementNode n => n.Type,
        _ => $"{SystemValues.TypeName(item)} '{Shorten(SystemValues.Format(item) ?? "")}'",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    // R4 search.html §2.1.1.5.2 string: HumanName and Address match on any of their string parts.
    private static readonly string[] HumanNameParts = ["family", "given", "prefix", "suffix", "text"];
    private static readonly string[] AddressParts = ["line", "city", "district", "state", "postalCode", "country", "text"];

    private static bool AddString(object item, List<IndexValue> values)
    {
        switch (item)
        {
            case ElementNode { Type: "HumanName" } name:
                AddParts(name, HumanNameParts, values);
                return true;
            case ElementNode { Type: "Address" } address:
                AddParts(address, AddressParts, values);
                return true;
            case ElementNode { Type: "ContactPoint" } contact:
                AddString(contact.Child("value")?.Value, values);
                return true;
            case ElementNode node when IsText(node.Type):
                AddString(node.Value, values);
                return true;
            case string s:
                AddString(s, values);
                return true;
            default:
                return false;
        }
    }

    private static void AddParts(ElementNode node, string[] parts, List<IndexValue> values)
    {
        foreach (var part in parts)
            foreach (var child in node.ChildrenNamed(part))
                AddString(child.Value, values);
    }

    private static void AddString(string? text, List<IndexValue> values)
    {
        if (text is null) return;
        var normalized = SearchText.Normalize(text);
        if (normalized.Length > 0) values.Add(new StringIndex(normalized, text));
    }

    private static bool AddUri(object item, List<IndexValue> values)
    {
        switch (item)
        {
            case ElementNode node when IsText(node.Type):
                if (node.Value is { Length: > 0 } uri) values.Add(new UriIndex(uri));
                return true;
            case string s:
                values.Add(new UriIndex(s));
                return true;
            default:
                return false;
        }
    }

    /// <summary>The primitive types whose value is text: string and its specializations, and the URI family.</summary>
    public static bool IsText(string type) => type is "string" or "code" or "id" or "markdown" or "uri" or "url"
        or "canonical" or "oid" or "uuid";
}
