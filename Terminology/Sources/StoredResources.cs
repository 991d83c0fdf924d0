using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Sources;

/// <summary>
/// The CodeSystems, ValueSets and ConceptMaps held in the server's store, as terminology sources: the host fills it
/// once from the store and then tells it every committed write of those types, so that type-level operations
/// (<c>$expand?url=</c>, <c>$lookup?system=</c>…) find a resource as soon as its write commits and stop finding it
/// once it is deleted. Each change moves <see cref="Generation"/>, which the caches built over the sources compare.
/// </summary>
public sealed class StoredResources
{
    /// <summary>The resource types that are terminology sources.</summary>
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal) { "CodeSystem", "ValueSet", "ConceptMap" };

    private sealed record Entry(int Version, ElementNode? Resource, string? Url);

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Type, string Id), Entry> _byId = [];
    private volatile Dictionary<(string Type, string Url), ElementNode[]> _byUrl = [];
    private long _generation;
    private volatile Task _loaded = Task.CompletedTask;

    /// <summary>Moves on every change of the stored sources (and of what derives from them).</summary>
    // A plain read: Interlocked.Read is a locked compare-exchange, which makes every check of every core contend for the line.
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>
    /// The first filling from the store, when the host runs it in the background: readers wait for it the first time
    /// they need the stored resources, so start-up does not.
    /// </summary>
    public void Loading(Task load) => _loaded = load.ContinueWith(_ => { }, TaskScheduler.Default); // a failed or cancelled filling leaves what it read

    /// <summary>
    /// A version of a stored resource was committed (<paramref name="resource"/> null: a deletion). An older version
    /// than the one known is ignored, so a first filling that reads while writes commit keeps the newest.
    /// </summary>
    public void Committed(string type, string id, int version, ElementNode? resource)
    {
        if (!Types.Contains(type)) return;
        lock (_lock)
        {
            if (_byId.TryGetValue((type, id), out var known) && known.Version >= version) return;
            _byId[(type, id)] = new Entry(version, resource, resource?.Child("url")?.Value);
            Rebuild(type, known?.Url, resource?.Child("url")?.Value);
            Interlocked.Increment(ref _generation);
        }
    }

    /// <summary>The stored resources of one type and canonical URL (every version).</summary>
    public IReadOnlyList<ElementNode> Find(string type, string url)
    {
        if (!_loaded.IsCompleted) _loaded.GetAwaiter().GetResult();
        return _byUrl.TryGetValue((type, url), out var found) ? found : [];
    }

    /// <summary>Every stored resource of one type (every version), for an operation that looks through all of them.</summary>
    public IEnumerable<ElementNode> All(string type)
    {
        if (!_loaded.IsCompleted) _loaded.GetAwaiter().GetResult();
        return _byUrl.Where(e => e.Key.Type == type).SelectMany(e => e.Value);
    }

    // Readers see an immutable map swapped whole: writes of terminology resources are rare, reads are on every request.
    private void Rebuild(string type, string? oldUrl, string? newUrl)
    {
        var map = new Dictionary<(string, string), ElementNode[]>(_byUrl);
        foreach (var url in new[] { oldUrl, newUrl }.OfType<string>().Distinct())
        {
            var list = _byId.Where(e => e.Key.Type == type && e.Value.Url == url && e.Value.Resource is not null)
                .Select(e => e.Value.Resource!).ToArray();
            if (list.Length == 0) map.Remove((type, url));
            else map[(type, url)] = list;
        }
        _byUrl = map;
    }
}
