using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FhirServer.Tests.Terminology;

/// <summary>
/// Compares a response with an expected response of the tx-ecosystem suite by its template rules (docs/testcases.md):
/// <c>$$</c> and <c>$id$</c>-like specifiers match any value, <c>$choice:a|b$</c> one of the values,
/// <c>$external:N:text$</c> any text (servers use their own messages), <c>$fragments:a|b$</c> text containing each
/// fragment, <c>$version$</c> inside a text the server's FHIR version (4.0.1), another specifier inside a text any
/// value in its place; <c>$optional-properties$</c> lists properties that may be missing (or present with any value
/// when the expected response does not show them), <c>$count-arrays$</c> arrays compared by length only, and
/// <c>"$optional$": true</c> (or a condition) marks an array item that may be missing. Arrays are compared in order;
/// a property the expected response does not have is a difference. Returns the first difference, or null.
/// </summary>
public static class TemplateComparer
{
    private const string VersionVariable = "$version$";
    private const string FhirVersion = "4.0.1";

    public static string? Compare(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected)
        {
            case JsonObject eo:
                return actual is JsonObject ao ? CompareObjects(eo, ao, path) : $"{path}: expected an object, got {Describe(actual)}";
            case JsonArray ea:
                return actual is JsonArray aa ? CompareArrays(ea, aa, path) : $"{path}: expected an array, got {Describe(actual)}";
            case JsonValue e:
                return CompareValues(e, actual, path);
            default:
                return actual is null ? null : $"{path}: expected nothing, got {Describe(actual)}";
        }
    }

    private static string? CompareObjects(JsonObject e, JsonObject a, string path)
    {
        var optional = Strings(e["$optional-properties$"]);
        var countOnly = Strings(e["$count-arrays$"]);
        foreach (var (name, value) in e)
        {
            if (name.StartsWith('$')) continue;
            if (!a.TryGetPropertyValue(name, out var actualValue))
            {
                if (optional.Contains(name) || value is JsonArray { Count: > 0 } items && items.All(IsOptional)) continue;
                return $"{path}.{name}: missing";
            }
            if (countOnly.Contains(name) && value is JsonArray ea && actualValue is JsonArray aa)
            {
                if (ea.Count != aa.Count) return $"{path}.{name}: expected {ea.Count} items, got {aa.Count}";
                continue;
            }
            if (Compare(value, actualValue, $"{path}.{name}") is { } difference) return difference;
        }
        // A property listed in $optional-properties$ that the expected response does not show may be there or not.
        foreach (var (name, _) in a)
            if (!e.ContainsKey(name) && !optional.Contains(name)) return $"{path}.{name}: not expected";
        return null;
    }

    private static string? CompareArrays(JsonArray e, JsonArray a, string path)
    {
        var ai = 0;
        for (var ei = 0; ei < e.Count; ei++)
        {
            var isOptional = IsOptional(e[ei]);
            if (ai >= a.Count)
            {
                if (isOptional) continue;
                return $"{path}[{ei}]: missing (got {a.Count} items)";
            }
            var difference = Compare(e[ei], a[ai], $"{path}[{ai}]");
            if (difference is null) { ai++; continue; }
            if (isOptional) continue;
            return difference;
        }
        return ai < a.Count ? $"{path}[{ai}]: not expected ({Describe(a[ai])})" : null;
    }

    private static string? CompareValues(JsonValue e, JsonNode? actual, string path)
    {
        if (actual is not JsonValue a) return $"{path}: expected {e.ToJsonString()}, got {Describe(actual)}";
        if (e.TryGetValue<string>(out var template) && template.Length > 1 && template[0] == '$' && template[^1] == '$')
        {
            var text = a.TryGetValue<string>(out var s) ? s : a.ToJsonString();
            if (template.StartsWith("$choice:", StringComparison.Ordinal))
                return template[8..^1].Split('|').Contains(text) ? null : $"{path}: expected one of {template[8..^1]}, got '{text}'";
            if (template.StartsWith("$fragments:", StringComparison.Ordinal))
                return template[11..^1].Split('|').All(f => text.Contains(f, StringComparison.Ordinal)) ? null : $"{path}: expected fragments {template[11..^1]}, got '{text}'";
            // $$, $id$, $instant$, $uuid$, $url$, $external:N:…$ and the other specifiers: any value.
            return null;
        }
        // The runner's variables inside a text: $version$ is the FHIR version of the server.
        if (template is not null && template.Contains(VersionVariable, StringComparison.Ordinal))
            e = JsonValue.Create(template.Replace(VersionVariable, FhirVersion, StringComparison.Ordinal));
        // A specifier inside a longer text ("…administrative-gender|$version$") matches any value in its place.
        if (e.TryGetValue<string>(out var pattern) && EmbeddedSpecifier.IsMatch(pattern) && a.TryGetValue<string>(out var value))
        {
            var regex = "^" + string.Join(".+", EmbeddedSpecifier.Split(pattern).Where((_, i) => i % 2 == 0).Select(Regex.Escape)) + "$";
            return Regex.IsMatch(value, regex) ? null : $"{path}: expected {pattern}, got '{value}'";
        }
        return JsonNode.DeepEquals(e, a) ? null : $"{path}: expected {e.ToJsonString()}, got {a.ToJsonString()}";
    }

    // The value specifiers of docs/testcases.md ($id$, $version$…), as they appear inside a text.
    private static readonly Regex EmbeddedSpecifier =
        new(@"\$(id|semver|url|token|string|date|version|uuid|instant)\$", RegexOptions.CultureInvariant);

    // "$optional$": true, or a condition ("!tx.fhir.org", "warning:version") about which servers may omit the item.
    private static bool IsOptional(JsonNode? item) =>
        item is JsonObject o && o["$optional$"] is JsonValue v && (v.TryGetValue<bool>(out var b) ? b : v.TryGetValue<string>(out _));

    private static HashSet<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(n => n?.GetValue<string>()).OfType<string>()] : [];

    private static string Describe(JsonNode? node)
    {
        if (node is null) return "nothing";
        var text = node.ToJsonString();
        return text.Length > 120 ? text[..120] + "…" : text;
    }
}
