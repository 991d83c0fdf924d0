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
    // The generator caches the snapshots of the bases and type profiles it builds on: a new one whenever the added
    // definitions change, so that a profile on a replaced or removed definition is not built on the old one.
    private SnapshotGenerator _snapshots;
    private long _generation;

    public ProfileSource(DefinitionRegistry registry)
    {
        Registry = registry;
        _snapshots = NewGenerator();
    }

    private SnapshotGenerator NewGenerator() => new(canonical =>
        Find(canonical) is { } found ? JsonNode.Parse(found.Json.GetRawText()) as JsonObject : null);

    public DefinitionRegistry Registry { get; }

    /// <summary>Changes each time a definition is added or removed.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Adds (or replaces) a StructureDefinition, generating its snapshot when it has none. Returns the problems found:
    /// when one is an error the definition is not added (no url, a snapshot that cannot be made or read); else it is
    /// added, and a snapshot made despite errors in the differential reports them as warnings, since it is used as the
    /// HL7 Java validator uses it (an element the base lacks left out, a cardinality taken as written). Never throws on
    /// a malformed definition: every problem is an issue.
    /// </summary>
    public IReadOnlyList<OutcomeIssue> Add(JsonElement structureDefinition)
    {
        if (structureDefinition.ValueKind != JsonValueKind.Object ||
            !structureDefinition.TryGetProperty("url", out var urlProperty) || urlProperty.ValueKind != JsonValueKind.String ||
            urlProperty.GetString() is not { Length: > 0 } url)
            return [new(IssueSeverity.Error, "required", "The StructureDefinition has no url (a string).", "StructureDefinition.url")];
        var json = structureDefinition;
        IReadOnlyList<OutcomeIssue> issues = [];
        if (!HasSnapshot(json))
        {
            var outcome = Volatile.Read(ref _snapshots).Generate((JsonObject)JsonNode.Parse(json.GetRawText())!);
            if (outcome.StructureDefinition is null) return outcome.Issues;
            issues = [.. outcome.Issues.Select(i => i.IsError ? i with { Severity = IssueSeverity.Warning } : i)];
            json = JsonSerializer.SerializeToElement(outcome.StructureDefinition);
        }
        else if (UnreadableElement(json) is { } problem) return [problem];
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
        Changed();
        return issues;
    }

    // The schema compiler pairs snapshot.element[i] with the compiled element i: a published snapshot is used only
    // when every element is an object with a path.
    private static OutcomeIssue? UnreadableElement(JsonElement sd)
    {
        var i = 0;
        foreach (var element in sd.GetProperty("snapshot").GetProperty("element").EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
                return new(IssueSeverity.Error, "structure", "A snapshot element has no path (a string): the snapshot cannot be used.", $"StructureDefinition.snapshot.element[{i}]");
            i++;
        }
        return null;
    }

    /// <summary>
    /// Generates the snapshot of <paramref name="structureDefinition"/> over the definitions known here (added ones
    /// first), without adding it: what a StructureDefinition being validated would give.
    /// </summary>
    public SnapshotOutcome GenerateSnapshot(JsonObject structureDefinition) => Volatile.Read(ref _snapshots).Generate(structureDefinition);

    /// <summary>Removes an added definition (a stored profile deleted).</summary>
    public void Remove(string url)
    {
        foreach (var key in _added.Keys)
            if (key == url || key.StartsWith(url + "|", StringComparison.Ordinal)) _added.TryRemove(key, out _);
        Changed();
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
                var outcome = Volatile.Read(ref _snapshots).Generate((JsonObject)JsonNode.Parse(json.GetRawText())!);
                json = JsonSerializer.SerializeToElement(outcome.StructureDefinition);
            }
            return new ResolvedDefinition(i, json.Clone());
        });
    }

    private void Changed()
    {
        Volatile.Write(ref _snapshots, NewGenerator());
        Interlocked.Increment(ref _generation);
    }

    private static bool HasSnapshot(JsonElement sd) =>
        sd.TryGetProperty("snapshot", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("element", out var e) &&
        e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0;
}
