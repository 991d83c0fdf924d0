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

    /// <summary>The snapshot elements of a definition: its own when it has one, else generated (null when it cannot be had).</summary>
    internal JsonArray? SnapshotOf(string canonical, HashSet<string> inProgress, List<OutcomeIssue> issues, string location)
    {
        if (_snapshots.TryGetValue(canonical, out var cached)) return cached;
        if (_resolve(canonical) is not { } sd)
        {
            issues.Add(new(IssueSeverity.Error, "not-found", $"The StructureDefinition '{canonical}' is unknown.", location));
            return null;
        }
        // Cached as a copy: a parsed JsonNode materializes its children on first access, which is not thread-safe;
        // the copy is built whole, and builders only read and clone it.
        if (sd["snapshot"]?["element"] is JsonArray { Count: > 0 } published) return _snapshots.GetOrAdd(canonical, (JsonArray)published.DeepClone());

        var outcome = Generate(sd, inProgress);
        foreach (var issue in outcome.Issues)
            issues.Add(issue with { Message = $"{canonical}{(issue.Expression is { } at ? $" at {at}" : "")}: {issue.Message}", Expression = location });
        return outcome.StructureDefinition?["snapshot"]?["element"] is JsonArray generated && outcome.Success
            ? _snapshots.GetOrAdd(canonical, generated)
            : null;
    }

    private SnapshotOutcome Generate(JsonObject source, HashSet<string> inProgress)
    {
        var issues = new List<OutcomeIssue>();
        var url = (string?)source["url"];
        var type = (string?)source["type"];
        if (url is null || type is null)
            return Fail(issues, "required", "A StructureDefinition needs a url and a type to have a snapshot.", "StructureDefinition");
        if ((string?)source["derivation"] == "specialization")
            return Fail(issues, "not-supported", "Snapshots are generated for constraints (profiles), not for specializations.", "StructureDefinition.derivation");
        if ((string?)source["baseDefinition"] is not { } baseUrl)
            return Fail(issues, "required", "A profile needs a baseDefinition to have a snapshot generated.", "StructureDefinition.baseDefinition");
        if (source["differential"]?["element"] is not JsonArray differential)
            return Fail(issues, "required", "The StructureDefinition has no differential to generate a snapshot from.", "StructureDefinition.differential");
        if (inProgress.Contains(Unversioned(baseUrl)) || !inProgress.Add(Unversioned(url)))
            return Fail(issues, "processing", $"The definitions are circular: '{url}' is (indirectly) its own base or type profile.", "StructureDefinition.baseDefinition");
        try
        {
            var baseElements = SnapshotOf(baseUrl, inProgress, issues, "StructureDefinition.baseDefinition");
            if (baseElements is null)
                return Fail(issues, "not-found", $"The base '{baseUrl}' has no snapshot to build on.", "StructureDefinition.baseDefinition");
            var baseType = (string?)baseElements[0]?["path"];
            if (baseType != type)
                return Fail(issues, "invalid", $"The profile's type is {type} but its base '{baseUrl}' is of type {baseType}.", "StructureDefinition.type");

            var builder = new SnapshotBuilder(this, baseElements, inProgress, issues);
            for (var i = 0; i < differential.Count; i++)
                if (differential[i] is JsonObject element) builder.Apply(element, i);

            var result = (JsonObject)source.DeepClone();
            result["snapshot"] = new JsonObject { ["element"] = builder.ToJsonArray() };
            return new SnapshotOutcome(result, issues);
        }
        finally
        {
            inProgress.Remove(Unversioned(url));
        }
    }

    private static string Unversioned(string canonical) => canonical.Split('|')[0];

    private static SnapshotOutcome Fail(List<OutcomeIssue> issues, string code, string message, string location)
    {
        issues.Add(new(IssueSeverity.Error, code, message, location));
        return new SnapshotOutcome(null, issues);
    }
}
