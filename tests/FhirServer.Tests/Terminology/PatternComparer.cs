using System.Text.Json.Nodes;

namespace FhirServer.Tests.Terminology;

/// <summary>
/// The comparison the suite's runner makes for the metadata cases (pattern mode): the expected resource is a subset
/// of the response. Every expected property must be there and match, other properties may be there too; every
/// expected array item must match an item of the response's array, in any order. Values follow the template rules
/// of <see cref="TemplateComparer"/>. Returns the first difference, or null.
/// </summary>
public static class PatternComparer
{
    public static string? Compare(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        switch (expected)
        {
            case JsonObject eo when actual is JsonObject ao:
                foreach (var (name, value) in eo)
                {
                    if (name.StartsWith('$')) continue;
                    if (!ao.TryGetPropertyValue(name, out var actualValue)) return $"{path}.{name}: missing";
                    if (Compare(value, actualValue, $"{path}.{name}") is { } difference) return difference;
                }
                return null;
            case JsonArray ea when actual is JsonArray aa:
                var used = new HashSet<int>();
                for (var i = 0; i < ea.Count; i++)
                {
                    var found = Enumerable.Range(0, aa.Count).FirstOrDefault(j => !used.Contains(j) && Compare(ea[i], aa[j]) is null, -1);
                    if (found < 0) return $"{path}[{i}]: no item matches {Describe(ea[i])}";
                    used.Add(found);
                }
                return null;
            case JsonObject or JsonArray:
                return $"{path}: expected {Describe(expected)}, got {Describe(actual)}";
            default:
                return TemplateComparer.Compare(expected, actual, path);
        }
    }

    private static string Describe(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "nothing";
        return text.Length > 120 ? text[..120] + "…" : text;
    }
}
