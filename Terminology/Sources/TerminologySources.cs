using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Sources;

/// <summary>
/// Where code systems and value sets come from: the loaded packages (through the definition registry, read and
/// indexed on first use, then cached for the life of the process) and the resources a request carries
/// (<c>tx-resource</c>), which win over the packages for that request only. Several versions of one code system
/// live side by side, keyed by <c>url|version</c>. Resources of the server's store (<see cref="Stored"/>) come
/// between the two: they win over the packages, and a request's own resources win over them.
/// </summary>
public sealed class TerminologySources(ConformanceContext context, StoredResources? stored = null)
{
    private readonly ConcurrentDictionary<CanonicalEntry, Lazy<CodeSystemIndex?>> _codeSystems = new();
    private readonly ConcurrentDictionary<CanonicalEntry, Lazy<ElementNode?>> _valueSets = new();
    private readonly ConcurrentDictionary<CanonicalEntry, Lazy<ConceptMapModel?>> _conceptMaps = new();
    private readonly ConditionalWeakTable<ElementNode, CodeSystemIndex> _storedIndexes = new();

    public ConformanceContext Context { get; } = context;

    /// <summary>UCUM, a code system defined by its grammar: built in, whatever the packages say of it.</summary>
    internal CodeSystemIndex Ucum { get; } = UcumCodeSystem.Create();

    /// <summary>The CodeSystems, ValueSets and ConceptMaps of the store; empty when the host has no store.</summary>
    public StoredResources Stored { get; } = stored ?? new StoredResources();

    /// <summary>Moves whenever a source changes (packages do not change while the server runs; the store does).</summary>
    public long Generation => Stored.Generation;

    /// <summary>A stored CodeSystem's index, built on first use and dropped with the resource (an update is a new node).</summary>
    internal CodeSystemIndex StoredCodeSystem(ElementNode node) => _storedIndexes.GetValue(node, CodeSystemIndex.Build);

    /// <summary>A view of the sources for one request, with the request's own resources in front.</summary>
    public RequestSources ForRequest(IEnumerable<ElementNode>? txResources = null) => new(this, txResources ?? []);

    internal IEnumerable<CanonicalEntry> Entries(string url, string? version, string resourceType)
    {
        var all = Context.Registry.AllVersions(url).Where(e => e.ResourceType == resourceType);
        if (version is null) return all;
        // The registry keeps the highest version first, so the first match is the highest.
        return all.Where(e => VersionPattern.Matches(e.Version, version));
    }

    internal CodeSystemIndex? CodeSystem(CanonicalEntry entry) =>
        _codeSystems.GetOrAdd(entry, e => new Lazy<CodeSystemIndex?>(() => Read(e) is { } node ? CodeSystemIndex.Build(node) : null)).Value;

    internal ElementNode? ValueSet(CanonicalEntry entry) =>
        _valueSets.GetOrAdd(entry, e => new Lazy<ElementNode?>(() => Read(e))).Value;

    internal ConceptMapModel? ConceptMap(CanonicalEntry entry) =>
        _conceptMaps.GetOrAdd(entry, e => new Lazy<ConceptMapModel?>(() => Read(e) is { } node ? ConceptMapModel.Read(node) : null)).Value;

    /// <summary>Every ConceptMap of the packages, for a $translate that names no map.</summary>
    internal IEnumerable<CanonicalEntry> ConceptMapEntries() => Context.Registry.ListByResourceType("ConceptMap");

    /// <summary>A package resource read anew (not cached): to index a code system with a request's supplements.</summary>
    internal ElementNode? Resource(CanonicalEntry entry) => Read(entry);

    private ElementNode? Read(CanonicalEntry entry) => Context.Json.Parse(Context.Registry.ReadBytes(entry)).Resource;
}
