using System.Collections.Concurrent;
using System.Diagnostics;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Search;
using FhirServer.Rest;

namespace FhirServer.Search;

/// <summary>A packaged conformance resource as search sees it: its id, where it is, and its index rows by parameter code.</summary>
public sealed class PackagedRow(string id, CanonicalEntry entry, IReadOnlyList<IndexEntry> rows)
{
    private readonly Dictionary<string, IndexValue[]> _byParam = rows.GroupBy(r => r.Param, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Select(r => r.Value).ToArray(), StringComparer.Ordinal);

    public string Id { get; } = id;
    public CanonicalEntry Entry { get; } = entry;

    public IReadOnlyList<IndexValue> Values(string code) => _byParam.GetValueOrDefault(code) ?? [];
}

/// <summary>
/// The index rows of the packaged conformance resources (<see cref="PackagedResources"/>), built per resource type on
/// the first search of that type (never at start-up: the packages hold some 10,000 resources, and most types are never
/// searched), with the indexer the store uses, so that a packaged resource matches what it would match stored. Rows
/// of a type are kept in id order; the packages do not change while the server runs.
/// </summary>
public sealed class PackagedIndex(PackagedResources packaged, ConformanceContext conformance, IResourceIndexer indexer,
    ServerSettings settings, ILogger<PackagedIndex> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<PackagedRow>>> _byType = new(StringComparer.Ordinal);
    private readonly ServerBases _bases = LocalBases.Parse(settings);

    /// <summary>Whether a loaded package has a resource of <paramref name="type"/> (without building its rows).</summary>
    public bool Has(string type) => packaged.Types.Contains(type);

    /// <summary>The packaged resources of <paramref name="type"/>, in id order, with their index rows.</summary>
    public IReadOnlyList<PackagedRow> Rows(string type) =>
        _byType.GetOrAdd(type, t => new Lazy<IReadOnlyList<PackagedRow>>(() => Build(t), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private List<PackagedRow> Build(string type)
    {
        var watch = Stopwatch.StartNew();
        // Parsed and indexed on every core (the resources are independent), kept in id order.
        var rows = packaged.OfType(type).OrderBy(e => e.Id, StringComparer.Ordinal).AsParallel().AsOrdered()
            .Select(e => Index(type, e.Id, e.Entry)).Where(r => r is not null).Select(r => r!).ToList();
        logger.LogInformation("Packaged {Type} resources indexed for search: {Count} in {Ms} ms", type, rows.Count, watch.ElapsedMilliseconds);
        return rows;
    }

    private PackagedRow? Index(string type, string id, CanonicalEntry entry)
    {
        try
        {
            var resource = conformance.Json.Parse(conformance.Registry.ReadBytes(entry)).Resource;
            return new PackagedRow(id, entry, resource is null ? [] : indexer.Extract(resource, _bases));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            // A package file the parser cannot read stays readable by id; search does not find it.
            logger.LogWarning("Packaged {Type}/{Id} ({Package}) is not searchable: {Message}", type, id, entry.PackageId, e.Message);
            return null;
        }
    }
}
