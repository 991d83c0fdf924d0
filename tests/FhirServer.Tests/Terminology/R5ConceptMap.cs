using System.Text.Json.Nodes;

namespace FhirServer.Tests.Terminology;

/// <summary>
/// An R5 ConceptMap of the suite made R4, as the suite's runner converts it (docs/r4.md): the scope elements take
/// their R4 names, each target's relationship becomes the R4 equivalence, and the unmapped mode use-source-code is
/// R4's provided.
/// </summary>
public static class R5ConceptMap
{
    private static readonly Dictionary<string, string> Equivalence = new(StringComparer.Ordinal)
    {
        ["related-to"] = "relatedto",
        ["equivalent"] = "equivalent",
        // R5 reads the relationship from source to target, R4 the equivalence from target to source.
        ["source-is-narrower-than-target"] = "wider",
        ["source-is-broader-than-target"] = "narrower",
        ["not-related-to"] = "disjoint",
    };

    public static void ToR4(JsonNode node)
    {
        if (node is not JsonObject map || (string?)map["resourceType"] != "ConceptMap") return;
        foreach (var (r5, r4) in new[] { ("sourceScopeUri", "sourceUri"), ("sourceScopeCanonical", "sourceCanonical"), ("targetScopeUri", "targetUri"), ("targetScopeCanonical", "targetCanonical") })
            if (map[r5] is { } value)
            {
                map.Remove(r5);
                map[r4] = value.DeepClone();
            }
        foreach (var group in map["group"] as JsonArray ?? [])
        {
            foreach (var target in (group?["element"] as JsonArray ?? []).SelectMany(e => e?["target"] as JsonArray ?? []).OfType<JsonObject>())
                if (target["relationship"] is { } relationship)
                {
                    target.Remove("relationship");
                    target["equivalence"] = Equivalence.GetValueOrDefault((string)relationship!, "relatedto");
                }
            if (group?["unmapped"] is JsonObject unmapped)
            {
                unmapped.Remove("relationship");
                if ((string?)unmapped["mode"] == "use-source-code") unmapped["mode"] = "provided";
            }
        }
    }
}
