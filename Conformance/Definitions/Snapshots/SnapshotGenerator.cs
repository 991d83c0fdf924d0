using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// Builds a StructureDefinition's snapshot from its differential and its base's snapshot (R4 profiling.html#snapshot,
/// structuredefinition.html#snapshot): the base's elements are copied, then each differential element, in order, is
/// found (or made: slices, the children of a type) and its constraints merged onto it. Bases and type profiles that
/// have no snapshot themselves get one first; an unknown or circular base is an error, not an exception.
/// </summary>
/// <remarks>
/// Works on the JSON of the definitions: a snapshot carries every property of ElementDefinition (short, mapping,
/// example…), and what comes out is a StructureDefinition to store or return. Thread-safe; the snapshots it
/// generates for bases and type profiles are cached.
/// </remarks>
public sealed class SnapshotGenerator
{
    private readonly Func<string, JsonObject?> _resolve;
    private readonly ConcurrentDictionary<string, JsonArray> _snapshots = new(StringComparer.Ordinal);

    /// <param name="resolve">A canonical (<c>url</c> or <c>url|version</c>) → its StructureDefinition, or null.</param>
    public SnapshotGenerator(Func<string, JsonObject?> resolve) => _resolve = resolve;

    /// <summary>Over the registry's packages.</summary>
    /// <remarks>
    /// A canonical pinned to a version that is not loaded (<c>…/patient-birthPlace|5.2.0</c> while the extensions
    /// package loaded is 5.3.0) resolves to the version that is, as the HL7 validator does.
    /// </remarks>
    public SnapshotGenerator(DefinitionRegistry registry) : this(canonical =>
        (registry.Resolve(canonical) ?? registry.Resolve(Unversioned(canonical))) is { ResourceType: "StructureDefinition" } entry
            ? JsonNode.Parse(registry.ReadBytes(entry)) as JsonObject
            : null)
    {
    }

    /// <summary>A copy of <paramref name="structureDefinition"/> with a snapshot generated from its differential (any snapshot it had is replaced).</summary>
    public SnapshotOutcome Generate(JsonObject structureDefinition) => Generate(structureDefinition, []);

    /// <summary>Whether a definition can be found for <paramref name="canonical"/> (its snapshot aside).</summary>
    internal bool IsKnown(string canonical) => _snapshots.ContainsKey(canonical) || _resolve(canonical) is not null || canonical == BaseUrl;

    /// <summary>The snapshot elements of a definition: its own when it has one, else generated (null when it cannot be had).</summary>
    internal JsonArray? SnapshotOf(string canonical, HashSet<string> inProgress, List<OutcomeIssue> issues, string location)
    {
        if (_snapshots.TryGetValue(canonical, out var cached)) return cached;
        if (_resolve(canonical) is not { } sd)
        {
            if (canonical == BaseUrl) return _snapshots.GetOrAdd(canonical, BaseSnapshot());
            issues.Add(new(IssueSeverity.Error, "not-found", $"The StructureDefinition '{canonical}' is unknown.", location));
            return null;
        }
        // Cached as a copy: a parsed JsonNode materializes its children on first access, which is not thread-safe;
        // the copy is built whole, and builders only read and clone it.
        if (JsonValues.Child(JsonValues.Child(sd, "snapshot"), "element") is JsonArray { Count: > 0 } published)
            return _snapshots.GetOrAdd(canonical, (JsonArray)published.DeepClone());

        var outcome = Generate(sd, inProgress);
        foreach (var issue in outcome.Issues)
            issues.Add(issue with { Message = $"{canonical}{(issue.Expression is { } at ? $" at {at}" : "")}: {issue.Message}", Expression = location });
        // A snapshot made despite errors in the differential is built on, as the HL7 Java validator does; the errors
        // are passed on above.
        return JsonValues.Child(JsonValues.Child(outcome.StructureDefinition, "snapshot"), "element") is JsonArray generated
            ? _snapshots.GetOrAdd(canonical, generated)
            : null;
    }

    private SnapshotOutcome Generate(JsonObject source, HashSet<string> inProgress)
    {
        var issues = new List<OutcomeIssue>();
        var url = JsonValues.Text(source, "url");
        var type = JsonValues.Text(source, "type");
        if (url is null || type is null)
            return Fail(issues, "required", "A StructureDefinition needs a url and a type (strings) to have a snapshot.", "StructureDefinition");
        var specialization = JsonValues.Text(source, "derivation") == "specialization";
        if (JsonValues.Text(source, "baseDefinition") is not { } baseUrl)
            return Fail(issues, "required", "A StructureDefinition needs a baseDefinition to have a snapshot generated.", "StructureDefinition.baseDefinition");
        if (JsonValues.Child(JsonValues.Child(source, "differential"), "element") is not JsonArray differential)
        {
            // R4 sdf-6 wants a snapshot or a differential; the HL7 Java validator reads a definition with neither as
            // a differential that changes nothing, and so does this.
            if (source["differential"] is not null)
                return Fail(issues, "structure", "StructureDefinition.differential is not an object with an element array.", "StructureDefinition.differential");
            issues.Add(new(IssueSeverity.Warning, "required", "The StructureDefinition has no differential: its snapshot is its base's (R4 sdf-6 wants one or the other).", "StructureDefinition"));
            differential = [];
        }
        if (inProgress.Contains(Unversioned(baseUrl)) || !inProgress.Add(Unversioned(url)))
            return Fail(issues, "processing", $"The definitions are circular: '{url}' is (indirectly) its own base or type profile.", "StructureDefinition.baseDefinition");
        try
        {
            var baseElements = SnapshotOf(baseUrl, inProgress, issues, "StructureDefinition.baseDefinition");
            if (baseElements is null)
                return Fail(issues, "not-found", $"The base '{baseUrl}' has no snapshot to build on.", "StructureDefinition.baseDefinition");
            var baseType = JsonValues.Text(baseElements.FirstOrDefault(), "path");
            if (baseType is null)
                return Fail(issues, "invalid", $"The base '{baseUrl}' has a snapshot without a root element.", "StructureDefinition.baseDefinition");
            if (baseType != type && !specialization)
                return Fail(issues, "invalid", $"The profile's type is {type} but its base '{baseUrl}' is of type {baseType}.", "StructureDefinition.type");

            // A specialization (a resource or data type defined on another, a logical model) renames the base's
            // elements to its own root: the type, or for a logical model the last segment of its type's URL.
            var builder = new SnapshotBuilder(this, baseElements, inProgress, issues, specialization ? RootName(type, differential) : null);
            for (var i = 0; i < differential.Count; i++)
                if (differential[i] is JsonObject element) builder.Apply(element, i);
                else issues.Add(new(IssueSeverity.Error, "structure", "A differential element is not a JSON object; it is left out.", $"StructureDefinition.differential.element[{i}]"));
            builder.CheckOrder(url);

            var result = (JsonObject)source.DeepClone();
            result["snapshot"] = new JsonObject { ["element"] = builder.ToJsonArray() };
            return new SnapshotOutcome(result, issues);
        }
        finally
        {
            inProgress.Remove(Unversioned(url));
        }
    }

    private static string RootName(string type, JsonArray differential)
    {
        if (JsonValues.Text(differential.FirstOrDefault(), "path") is { } first && !first.Contains('.')) return first;
        var slash = type.LastIndexOf('/');
        return slash >= 0 ? type[(slash + 1)..] : type;
    }

    private const string BaseUrl = DefinitionRegistry.CoreStructurePrefix + "Base";

    // R5's root type, which R4 lacks: logical models made with newer tools derive from it, and the HL7 Java validator
    // knows it whatever the version. Its snapshot is its root alone.
    private static JsonArray BaseSnapshot() =>
    [
        new JsonObject
        {
            ["id"] = "Base", ["path"] = "Base", ["short"] = "Base for all types and resources",
            ["definition"] = "Base definition for all types and resources defined in FHIR.", ["min"] = 0, ["max"] = "*",
            ["base"] = new JsonObject { ["path"] = "Base", ["min"] = 0, ["max"] = "*" }, ["isModifier"] = false,
        },
    ];

    private static string Unversioned(string canonical) => canonical.Split('|')[0];

    private static SnapshotOutcome Fail(List<OutcomeIssue> issues, string code, string message, string location)
    {
        issues.Add(new(IssueSeverity.Error, code, message, location));
        return new SnapshotOutcome(null, issues);
    }
}
