using System.Text.Json;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// Compares two JSON documents as values, property order aside, and lists where they differ. Numbers compare by
/// their literal text, because FHIR decimals keep their precision (<c>1.10</c> ≠ <c>1.1</c>, R4 §2.24.0.1).
/// A property whose value is an array of nulls only counts as absent: such an array only aligns a repeating
/// primitive's values with its <c>_name</c> extensions and says nothing when no value exists (R4 §2.6.2.1); the
/// spec's own examples write it both ways (<c>"_event": [...]</c> alone, or with <c>"line": [null]</c>).
/// Used by the round-trip checks (CLI <c>roundtrip</c> and the test suite).
/// </summary>
public static class JsonValueComparer
{
    public static IReadOnlyList<string> Differences(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, int max = 20)
    {
        using var a = JsonDocument.Parse(expected.ToArray(), new JsonDocumentOptions { MaxDepth = 1024 });
        using var b = JsonDocument.Parse(actual.ToArray(), new JsonDocumentOptions { MaxDepth = 1024 });
        var differences = new List<string>();
        Compare(a.RootElement, b.RootElement, "$", differences, max);
        return differences;
    }

    public static void Compare(JsonElement a, JsonElement b, string path, List<string> differences, int max)
    {
        if (differences.Count >= max) return;
        if (a.ValueKind != b.ValueKind)
        {
            differences.Add($"{path}: {Describe(a)} became {Describe(b)}");
            return;
        }
        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var bProps = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var p in b.EnumerateObject())
                    if (!IsAllNulls(p.Value)) bProps[p.Name] = p.Value;
                foreach (var p in a.EnumerateObject())
                {
                    if (IsAllNulls(p.Value)) continue;
                    if (!bProps.Remove(p.Name, out var other))
                    {
                        if (differences.Count < max) differences.Add($"{path}.{p.Name}: missing");
                        continue;
                    }
                    Compare(p.Value, other, $"{path}.{p.Name}", differences, max);
                }
                foreach (var extra in bProps.Keys)
                    if (differences.Count < max) differences.Add($"{path}.{extra}: unexpected");
                break;
            case JsonValueKind.Array:
                var la = a.GetArrayLength();
                var lb = b.GetArrayLength();
                if (la != lb) differences.Add($"{path}: array of {la} became {lb}");
                for (var i = 0; i < Math.Min(la, lb); i++) Compare(a[i], b[i], $"{path}[{i}]", differences, max);
                break;
            case JsonValueKind.String:
                if (a.GetString() != b.GetString()) differences.Add($"{path}: {Describe(a)} became {Describe(b)}");
                break;
            case JsonValueKind.Number:
                if (a.GetRawText() != b.GetRawText()) differences.Add($"{path}: {a.GetRawText()} became {b.GetRawText()}");
                break;
        }
    }

    private static bool IsAllNulls(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Null);

    private static string Describe(JsonElement e)
    {
        var text = e.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => e.GetRawText(),
        };
        return text.Length > 80 ? text[..77] + "..." : text;
    }
}
