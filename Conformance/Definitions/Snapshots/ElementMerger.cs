using System.Text.Json.Nodes;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// Merges one differential element onto its snapshot element (R4 profiling.html#snapshot): what the differential
/// says replaces what the base said, except the lists that accumulate (constraint, mapping, alias, code,
/// condition); binding and slicing merge property by property. A profile may only narrow: a cardinality wider than
/// the base's, or a type the base does not allow, is reported.
/// </summary>
internal static class ElementMerger
{

    public static void Merge(JsonObject target, JsonObject differential, bool isNewSlice, Action<string, string> error)
    {
        var where = JsonValues.Text(target, "id");
        CheckCardinality(target, differential, isNewSlice, where, error);
        CheckTypes(target, differential, where, error);
        CheckFixed(target, differential, where, error);
        foreach (var (name, value) in differential)
        {
            if (value is null) continue;
            switch (name)
            {
                case "id" or "path":
                    break;
                case "constraint":
                    Accumulate(target, name, value, c => JsonValues.Text(c, "key"));
                    break;
                case "mapping":
                    Accumulate(target, name, value, m => $"{JsonValues.Text(m, "identity")}|{JsonValues.Text(m, "map")}");
                    break;
                case "alias" or "code" or "condition":
                    Accumulate(target, name, value, v => v.ToJsonString());
                    break;
                case "binding" or "slicing" when target[name] is JsonObject existing && value is JsonObject given:
                    foreach (var (k, v) in given) existing[k] = v?.DeepClone();
                    break;
                default:
                    // A fixed or pattern value replaces any other the base had (R4 §2.6.1.3: one of them per element).
                    if (name.StartsWith("fixed", StringComparison.Ordinal) || name.StartsWith("pattern", StringComparison.Ordinal))
                        foreach (var old in target.Select(p => p.Key).Where(k => k.StartsWith("fixed", StringComparison.Ordinal) || k.StartsWith("pattern", StringComparison.Ordinal)).ToList())
                            target.Remove(old);
                    target[name] = value.DeepClone();
                    break;
            }
        }
    }

    private static void CheckCardinality(JsonObject target, JsonObject differential, bool isNewSlice, string? where, Action<string, string> error)
    {
        var baseMin = JsonValues.Integer(target["min"]) ?? 0;
        var baseMax = Max(JsonValues.Text(target, "max"));
        var min = JsonValues.Integer(differential["min"]);
        var max = JsonValues.Text(differential, "max") is { } given ? Max(given) : (int?)null;
        if (JsonValues.Text(differential, "max") is { } text && text != "*" && !uint.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            error("invalid", $"'{where}': max '{text}' is neither '*' nor a whole number (R4 ElementDefinition.max).");
        // A slice may be optional where the sliced element is required: the slices together meet its minimum.
        if (min is { } m && m < baseMin && !isNewSlice)
            error("invalid", $"'{where}': min {m} is below the base's {baseMin}; a profile may only narrow cardinality.");
        if (max is { } x && x > baseMax)
            error("invalid", $"'{where}': max {Show(x)} is above the base's {Show(baseMax)}; a profile may only narrow cardinality.");
        if ((min ?? baseMin) > (max ?? baseMax))
            error("invalid", $"'{where}': min {min ?? baseMin} is above max {Show(max ?? baseMax)}.");
    }

    // A fixed value is the only value the element may have (R4 elementdefinition.html, fixed[x]): a profile on it can
    // only repeat it (the suite's ext-derived re-fixes Extension.url of the extension it derives from).
    private static void CheckFixed(JsonObject target, JsonObject differential, string? where, Action<string, string> error)
    {
        foreach (var (name, value) in differential)
        {
            if (value is null || !name.StartsWith("fixed", StringComparison.Ordinal)) continue;
            foreach (var (baseName, baseValue) in target)
                if (baseValue is not null && baseName.StartsWith("fixed", StringComparison.Ordinal) && (baseName != name || !JsonNode.DeepEquals(baseValue, value)))
                    error("invalid", $"'{where}': the value {value.ToJsonString()} cannot replace the base's fixed value {baseValue.ToJsonString()}; a profile may only narrow.");
            return;
        }
    }

    private static void CheckTypes(JsonObject target, JsonObject differential, string? where, Action<string, string> error)
    {
        if (differential["type"] is not JsonArray types || target["type"] is not JsonArray baseTypes) return;
        var allowed = baseTypes.OfType<JsonObject>().Select(FhirCode).OfType<string>().ToHashSet(StringComparer.Ordinal);
        // Resource (Bundle.entry.resource, contained) admits every resource type.
        if (allowed.Contains("Resource") || allowed.Contains("DomainResource")) return;
        foreach (var code in types.OfType<JsonObject>().Select(FhirCode).OfType<string>())
            if (!allowed.Contains(code))
                error("invalid", $"'{where}': type {code} is not one of the base's ({string.Join(", ", allowed)}).");
    }

    // System types (Extension.url, Element.id, primitive values) are the FHIR type their fhir-type extension names
    // (R4 §2.1.28.0.1): a profile may write that FHIR type.
    private static string? FhirCode(JsonObject type)
    {
        var code = JsonValues.Text(type, "code");
        if (code is null || !code.StartsWith(StructureDefinitionCompiler.SystemTypePrefix, StringComparison.Ordinal)) return code;
        var named = (type["extension"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(e => JsonValues.Text(e, "url") == StructureDefinitionCompiler.FhirTypeExtension) is { } ext ? JsonValues.Text(ext, "valueUrl") ?? JsonValues.Text(ext, "valueUri") : null;
        return named ?? code;
    }

    private static void Accumulate(JsonObject target, string name, JsonNode value, Func<JsonNode, string?> key)
    {
        if (value is not JsonArray added) return;
        if (target[name] is not JsonArray list) target[name] = list = [];
        foreach (var item in added)
        {
            if (item is null) continue;
            var k = key(item);
            var same = list.FirstOrDefault(x => x is not null && key(x) == k);
            if (same is not null) list.Remove(same);
            list.Add(item.DeepClone());
        }
    }

    private static int Max(string? max) => max is null or "*" ? int.MaxValue : int.TryParse(max, out var n) ? n : int.MaxValue;

    private static string Show(int max) => max == int.MaxValue ? "*" : max.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
