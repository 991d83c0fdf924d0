using System.Globalization;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Values;

/// <summary>
/// Items of a FHIRPath collection are either <see cref="ElementNode"/>s (FHIR data) or System values: string,
/// bool (Boolean), int (Integer), long (Long), decimal (Decimal), <see cref="PartialDateTime"/> (Date, DateTime,
/// Time) and <see cref="Quantity"/>. FHIR primitives convert to System values on demand (FHIR R4 fhirpath.html, "FHIRPath
/// and FHIR types": FHIR.decimal → System.Decimal from its literal text, and so on).
/// </summary>
public static class SystemValues
{
    private static readonly HashSet<string> QuantityTypes = new(StringComparer.Ordinal)
    {
        "Quantity", "Age", "Count", "Distance", "Duration", "MoneyQuantity", "SimpleQuantity",
    };

    /// <summary>The System value of an item, or null for complex nodes and primitives without a value.</summary>
    public static object? ToSystem(object item)
    {
        if (item is not ElementNode node) return item;
        if (node.Value is not { } text) return QuantityTypes.Contains(node.Type) ? NodeToQuantity(node) : null;
        return node.Type switch
        {
            "boolean" => text == "true" ? true : text == "false" ? false : text,
            "integer" or "positiveInt" or "unsignedInt" => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : text,
            "integer64" => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : text,
            "decimal" => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : text,
            "date" => (object?)PartialDateTime.TryParse(text, TemporalKind.Date) ?? text,
            "dateTime" or "instant" => (object?)PartialDateTime.TryParse(text, TemporalKind.DateTime) ?? text,
            "time" => (object?)PartialDateTime.TryParse(text, TemporalKind.Time) ?? text,
            _ => text,
        };
    }

    public static bool IsQuantityNode(ElementNode node) => QuantityTypes.Contains(node.Type);

    private static Quantity? NodeToQuantity(ElementNode node)
    {
        if (node.Child("value")?.Value is not { } v ||
            !decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return null;
        var code = node.Child("code")?.Value;
        var system = node.Child("system")?.Value;
        // Only UCUM codes are units FHIRPath understands; a unit without a UCUM code stays as written.
        var unit = code is not null && (system is null || system == "http://unitsofmeasure.org")
            ? code
            : node.Child("unit")?.Value ?? code ?? "1";
        return new Quantity(value, unit);
    }

    /// <summary>The type name used for output: FHIR type names for nodes, lower-case System names otherwise (as the R4 test suite writes them).</summary>
    public static string TypeName(object item) => item switch
    {
        ElementNode n => n.Type,
        string => "string",
        bool => "boolean",
        int => "integer",
        long => "long",
        decimal => "decimal",
        PartialDateTime dt => dt.TypeName,
        Quantity => "Quantity",
        _ => item.GetType().Name,
    };

    /// <summary>The System type name of a System value (N1 §2.1.5: Boolean, String, Integer, …).</summary>
    public static string? SystemTypeName(object value) => value switch
    {
        string => "String",
        bool => "Boolean",
        int => "Integer",
        long => "Long",
        decimal => "Decimal",
        PartialDateTime { Kind: TemporalKind.Date } => "Date",
        PartialDateTime { Kind: TemporalKind.DateTime } => "DateTime",
        PartialDateTime => "Time",
        Quantity => "Quantity",
        _ => null,
    };

    /// <summary>The literal text of a primitive item (<c>1.10</c>, <c>2012-04-15</c>, <c>true</c>, <c>5 'mg'</c>); null for complex nodes.</summary>
    public static string? Format(object item) => item switch
    {
        ElementNode { Value: { } v } => v,
        ElementNode n => IsQuantityNode(n) && ToSystem(n) is Quantity q ? q.ToString() : null,
        string s => s,
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        PartialDateTime dt => dt.ToString(),
        Quantity q => q.ToString(),
        _ => item.ToString(),
    };
}
