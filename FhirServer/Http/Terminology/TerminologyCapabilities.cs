using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Http.Terminology;

/// <summary>
/// What the terminology service supports: its operations in the CapabilityStatement (rest.resource.operation, R4
/// capabilitystatement.html) and the TerminologyCapabilities of <c>/metadata?mode=terminology</c> (R4
/// terminologycapabilities.html): the code systems of the packages, the $expand parameters read, $translate.
/// </summary>
public static class TerminologyCapabilities
{
    /// <summary>
    /// The $expand parameters <see cref="TerminologyEndpoints"/> reads, with tx-resource (resources passed in the
    /// request). A parameter is listed here when the server acts on it, not before.
    /// </summary>
    public static readonly IReadOnlyList<string> ExpansionParameters =
        ["activeOnly", "check-system-version", "count", "default-valueset-version", "designation", "displayLanguage", "exclude-system", "excludeNested",
            "filter", "force-system-version", "includeDefinition", "includeDesignations", "offset", "property", "system-version",
            "tx-resource", "useSupplement"];

    /// <summary>
    /// The application features the terminology ecosystem reads in the CapabilityStatement (extension
    /// http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature): the release of the HL7 terminology
    /// tests (tx-ecosystem) this server is run against, and that code systems are accepted as request parameters
    /// (tx-resource).
    /// </summary>
    public static JsonArray Features() => new(
        Feature("http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version", "valueCode", TestsRelease),
        Feature("http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter", "valueBoolean", true));

    /// <summary>
    /// The release of the tx-ecosystem tests the server's test suite runs: the latest in the suite's
    /// docs/test-history.md (its tests/history.json stops at 1.9.0, before the SNOMED CT edition and ECL changes the
    /// suite holds).
    /// </summary>
    public const string TestsRelease = "1.9.3";

    private static JsonObject Feature(string definition, string valueName, JsonNode value) => new()
    {
        ["url"] = "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature",
        ["extension"] = new JsonArray(
            new JsonObject { ["url"] = "definition", ["valueCanonical"] = definition },
            new JsonObject { ["url"] = "value", [valueName] = value }),
    };

    public static void AddOperations(JsonObject resource, string type)
    {
        var operations = new JsonArray();
        foreach (var (_, name) in TerminologyEndpoints.Operations.Where(o => o.Type == type))
            operations.Add(new JsonObject { ["name"] = name, ["definition"] = $"http://hl7.org/fhir/OperationDefinition/{type}-{name}" });
        if (operations.Count > 0) resource["operation"] = operations;
    }

    /// <summary>
    /// The TerminologyCapabilities resource. Code systems are those of the loaded packages whose content the server
    /// holds (not <c>not-present</c>, not supplements), each with its versions; <paramref name="describe"/> fills the
    /// metadata shared with the CapabilityStatement (version, name, date, software…).
    /// </summary>
    public static JsonObject Build(DefinitionRegistry registry, Action<JsonObject> describe)
    {
        var resource = new JsonObject { ["resourceType"] = "TerminologyCapabilities" };
        describe(resource);
        var codeSystems = new JsonArray();
        foreach (var system in registry.ListByResourceType("CodeSystem")
                     .Where(e => e.Url is not null && e.Entry.Supplements is null && HoldsContent(registry, e))
                     .GroupBy(e => e.Url!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var versions = system.Select(e => e.Version).OfType<string>().Distinct().Order(StringComparer.Ordinal)
                .Select(v => (JsonNode)new JsonObject { ["code"] = v }).ToArray();
            var entry = new JsonObject { ["uri"] = system.Key };
            if (versions.Length > 0) entry["version"] = new JsonArray(versions);
            codeSystems.Add(entry);
        }
        resource["codeSystem"] = codeSystems;
        resource["expansion"] = new JsonObject
        {
            // The expansion is flat, in hierarchy order; count/offset page it.
            ["hierarchical"] = false,
            ["paging"] = true,
            ["incomplete"] = false,
            ["parameter"] = new JsonArray([.. ExpansionParameters.Select(p => (JsonNode)new JsonObject { ["name"] = p })]),
            ["textFilter"] = "Every word of the filter starts a word of the display, case and accents ignored.",
        };
        resource["validateCode"] = new JsonObject { ["translations"] = false };
        // $translate finds the maps in scope when the request names none.
        resource["translation"] = new JsonObject { ["needsMap"] = false };
        return resource;
    }

    // A code system whose codes are not in the package (content not-present) cannot be checked here.
    private static bool HoldsContent(DefinitionRegistry registry, CanonicalEntry entry)
    {
        using var json = registry.ReadJson(entry);
        return !(json.RootElement.TryGetProperty("content", out var content) && content.ValueKind == System.Text.Json.JsonValueKind.String
            && content.GetString() == "not-present");
    }
}
