using System.Text.Json.Nodes;

namespace FhirServer.Conformance.Tests.Snapshots;

/// <summary>
/// Compares a generated snapshot with a published one on what validation depends on: the elements (by id, in
/// order), their paths, cardinalities, types (code, profile, targetProfile), fixed and pattern values, and
/// binding strength and value set. Each difference is one line.
/// Canonical versions are not compared: the IG Publisher pins the canonicals it copies from other packages to the
/// version it resolved (<c>…/ValueSet/languages|4.0.1</c>), a publication option, not a rule of snapshot generation.
/// </summary>
public static class SnapshotComparison
{
    public static List<string> Differences(JsonArray published, JsonArray generated)
    {
        var differences = new List<string>();
        var expected = published.OfType<JsonObject>().ToList();
        var actual = generated.OfType<JsonObject>().ToList();
        var actualById = actual.GroupBy(Id).ToDictionary(g => g.Key, g => g.First());
        var expectedIds = expected.Select(Id).ToHashSet();
        foreach (var e in expected)
        {
            if (!actualById.TryGetValue(Id(e), out var a))
            {
                differences.Add($"{Id(e)}: missing");
                continue;
            }
            foreach (var aspect in Aspects)
            {
                var (x, y) = (aspect.Value(e), aspect.Value(a));
                if (x != y) differences.Add($"{Id(e)}: {aspect.Key} {x ?? "(none)"} ≠ generated {y ?? "(none)"}");
            }
        }
        foreach (var a in actual.Where(a => !expectedIds.Contains(Id(a))))
            differences.Add($"{Id(a)}: not in the published snapshot");
        if (differences.Count == 0)
        {
            var at = expected.Select(Id).Zip(actual.Select(Id)).TakeWhile(p => p.First == p.Second).Count();
            if (at < expected.Count) differences.Add($"same elements, in another order from {Id(expected[at])} (generated: {Id(actual[at])})");
        }
        return differences;
    }

    private static readonly Dictionary<string, Func<JsonObject, string?>> Aspects = new()
    {
        ["path"] = e => (string?)e["path"],
        ["min"] = e => e["min"]?.ToJsonString(),
        ["max"] = e => (string?)e["max"],
        ["type"] = e => e["type"] is JsonArray types ? string.Join(" | ", types.OfType<JsonObject>().Select(Type)) : null,
        ["fixed/pattern"] = e => string.Join(" ", e.Where(p => p.Key.StartsWith("fixed") || p.Key.StartsWith("pattern"))
            .Select(p => $"{p.Key}={p.Value?.ToJsonString()}")) is { Length: > 0 } s ? s : null,
        ["binding"] = e => e["binding"] is JsonObject b ? $"{(string?)b["strength"]} {Unversioned((string?)b["valueSet"])}" : null,
    };

    private static string Type(JsonObject t)
    {
        var profiles = t["profile"] is JsonArray p ? " profile " + string.Join(",", p.Select(x => Unversioned((string?)x))) : "";
        var targets = t["targetProfile"] is JsonArray tp ? " target " + string.Join(",", tp.Select(x => Unversioned((string?)x))) : "";
        return (string?)t["code"] + profiles + targets;
    }

    private static string? Unversioned(string? canonical) => canonical?.Split('|')[0];

    private static string Id(JsonObject e) => (string?)e["id"] ?? (string)e["path"]!;
}
