using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Definitions.Snapshots;
using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation;

/// <summary>
/// Where the validator finds StructureDefinitions by canonical: definitions added here (a <c>--load</c> file, a
/// profile stored on the server, a <c>$validate</c> request's own), then the loaded packages. An added definition
/// without snapshot gets one generated over both. Thread-safe; <see cref="Generation"/> changes whenever the added
/// set does, so that compiled schemas are thrown away with the definitions they came from.
/// </summary>
public sealed class ProfileSource
{
    private readonly ConcurrentDictionary<string, ResolvedDefinition> _added = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<StructureDefinitionInfo, ResolvedDefinition> _packaged = new();
    private readonly SnapshotGenerator _snapshots;
    private long _generation;

    public ProfileSource(DefinitionRegistry registry)
    {
        Registry = registry;
        _snapshots = new SnapshotGenerator(canonical =>
            Find(canonical) is { } found ? JsonNode.Parse(found.Json.GetRawText()) as JsonObject : null);
    }

    public DefinitionRegistry Registry { get; }

    /// <summary>Changes each time a definition is added or removed.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Adds (or replaces) a StructureDefinition. Returns the problems that keep it from being used (no url, no
    /// snapshot and a differential that cannot be expanded), or an empty list.
    /// </summary>
    public IReadOnlyList<OutcomeIssue> Add(JsonElement structureDefinition)
    {
        if (structureDefinition.ValueKind != JsonValueKind.Object ||
            !structureDefinition.TryGetProperty("url", out var urlProperty) || urlProperty.GetString() is not { Length: > 0 } url)
            return [new(IssueSeverity.Error, "required", "The StructureDefinition has no url.", "StructureDefinition.url")];
        var json = structureDefinition;
        if (!HasSnapshot(json))
        {
            if (!json.TryGetProperty("differential", out _))
                return [new(IssueSeverity.Error, "required",
                    $"The StructureDefinition '{url}' has neither a snapshot nor a differential.", "StructureDefinition")];
            var outcome = _snapshots.Generate((JsonObject)JsonNode.Parse(json.GetRawText())!);
            if (!outcome.Success) return outcome.Issues;
            json = JsonSerializer.SerializeToElement(outcome.StructureDefinition);
        }
        json = json.Clone();
        StructureDefinitionInfo info;
        // A definition is client input ($validate, a stored profile): what cannot be read is an issue, not an exception.
        try { info = StructureDefinitionCompiler.Compile(json); }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return [new(IssueSeverity.Error, "structure", $"The StructureDefinition '{url}' cannot be read: {e.Message}", "StructureDefinition")];
        }
        var resolved = new ResolvedDefinition(info, json);
        _added[url] = resolved;
        if (info.Version is { } version) _added[$"{url}|{version}"] = resolved;
        Interlocked.Increment(ref _generation);
        return [];
    }

    /// <summary>Removes an added definition (a stored profile deleted).</summary>
    public void Remove(string url)
    {
        foreach (var key in _added.Keys)
            if (key == url || key.StartsWith(url + "|", StringComparison.Ordinal)) _added.TryRemove(key, out _);
        Interlocked.Increment(ref _generation);
    }

    /// <summary>
    /// The definition for <c>url</c> or <c>url|version</c>; a version that is not present falls back to the version
    /// that is, as the HL7 validator does (packages pin the versions they were published against).
    /// </summary>
    public ResolvedDefinition? Find(string canonical)
    {
        if (_added.TryGetValue(canonical, out var added)) return added;
        var bar = canonical.IndexOf('|');
        if (bar >= 0 && _added.TryGetValue(canonical[..bar], out added)) return added;
        var entry = Registry.Resolve(canonical) ?? (bar >= 0 ? Registry.Resolve(canonical[..bar]) : null);
        if (entry is not { ResourceType: "StructureDefinition" }) return null;
        return Packaged(Registry.Compile(entry));
    }

    /// <summary>The base definition of a type (<c>Patient</c>, <c>HumanName</c>, <c>string</c>).</summary>
    public ResolvedDefinition? FindType(string type) =>
        Registry.GetTypeDefinition(type) is { } info ? Packaged(info) : null;

    private ResolvedDefinition? Packaged(StructureDefinitionInfo info)
    {
        if (!info.HasSnapshot || info.Entry is null) return null;
        return _packaged.GetOrAdd(info, i =>
        {
            using var doc = Registry.ReadJson(i.Entry!);
            var json = doc.RootElement;
            if (!HasSnapshot(json))
            {
                var outcome = _snapshots.Generate((JsonObject)JsonNode.Parse(json.GetRawText())!);
                json = JsonSerializer.SerializeToElement(outcome.StructureDefinition);
            }
            return new ResolvedDefinition(i, json.Clone());
        });
    }

    private static bool HasSnapshot(JsonElement sd) =>
        sd.TryGetProperty("snapshot", out var s) && s.TryGetProperty("element", out var e) &&
        e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0;
}
