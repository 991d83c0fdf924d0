using System.Collections.Frozen;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Definitions;
using FhirServer.Authorization;
using FhirServer.Http;

namespace FhirServer.Rest;

/// <summary>
/// The conformance resources of the loaded packages (StructureDefinition, ValueSet, CodeSystem, SearchParameter,
/// ImplementationGuide…), served read-only by their own ids beside what clients stored: the server validates and
/// searches with them, so a client can read what it is checked against. They are read from the package files on
/// demand (nothing is copied into the store); a write on one is refused with 405, while a client may still create
/// its own (POST, or PUT on an id no package uses).
/// </summary>
public sealed class PackagedResources
{
    private readonly DefinitionRegistry _registry;
    private readonly Lazy<FrozenDictionary<string, CanonicalEntry>> _byKey;
    private readonly Lazy<FrozenSet<string>> _types;

    public PackagedResources(ConformanceContext conformance, ILogger<PackagedResources> logger)
    {
        _registry = conformance.Registry;
        _byKey = new(() => Build(_registry, logger));
        _types = new(() => _byKey.Value.Keys.Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).ToFrozenSet(StringComparer.Ordinal));
    }

    /// <summary>The packaged resource <paramref name="type"/>/<paramref name="id"/>, if a loaded package has one.</summary>
    public CanonicalEntry? Find(string type, string id) => _byKey.Value.GetValueOrDefault(Key(type, id));

    /// <summary>The packaged resources of <paramref name="type"/> by id (for search, <c>FhirServer.Search.PackagedSearch</c>).</summary>
    public IEnumerable<(string Id, CanonicalEntry Entry)> OfType(string type)
    {
        var prefix = type + "/";
        foreach (var (key, entry) in _byKey.Value)
            if (key.StartsWith(prefix, StringComparison.Ordinal)) yield return (key[prefix.Length..], entry);
    }

    /// <summary>The resource types the loaded packages have resources of.</summary>
    public IReadOnlySet<string> Types => _types.Value;

    /// <summary>Answers a read of a packaged resource, with the views the client asked for; false when no package has it.</summary>
    public async Task<bool> TryWriteAsync(HttpContext http, string type, string id)
    {
        if (Find(type, id) is not { } entry) return false;
        // A packaged resource is in no patient's compartment, nor known to match a scope's query: absent to a bounded request.
        if (http.RequestServices.GetService<AccessPolicy>()?.Require(type, Interactions.Read).Restricted == true) return false;
        var output = http.RequestServices.GetRequiredService<FhirOutput>();
        await output.WriteAsync(http, _registry.ReadBytes(entry), StatusCodes.Status200OK, ResourceViews.FromQuery(http.Request, _registry));
        return true;
    }

    /// <summary>405 for a write on a packaged resource (R4 http.html: a server may refuse an interaction on a resource).</summary>
    public void CheckWritable(string type, string id, string interaction)
    {
        if (Find(type, id) is not { } entry) return;
        throw new FhirException(StatusCodes.Status405MethodNotAllowed, "not-supported",
            $"{type}/{id} is a conformance resource of the package {entry.PackageId} ({entry.Url}) and is read-only: {interaction} is not allowed. " +
            "Create your own with POST (with its own url) instead.");
    }

    private static string Key(string type, string id) => type + "/" + id;

    // Two packages may ship a resource of the same type and id (a code system in R4 core and in HL7 terminology):
    // the one the registry resolves for its canonical URL (the highest version) is served, else the first package
    // in load order; the others stay reachable by canonical through the registry only.
    private static FrozenDictionary<string, CanonicalEntry> Build(DefinitionRegistry registry, ILogger logger)
    {
        var byKey = new Dictionary<string, CanonicalEntry>(StringComparer.Ordinal);
        var shadowed = 0;
        foreach (var package in registry.Packages)
            foreach (var entry in package.Entries)
            {
                if (entry.Id is not { Length: > 0 } id || !registry.IsResourceType(entry.ResourceType)) continue;
                var candidate = new CanonicalEntry(package, entry);
                var key = Key(entry.ResourceType, id);
                if (!byKey.TryGetValue(key, out var existing))
                {
                    byKey[key] = candidate;
                    continue;
                }
                shadowed++;
                if (entry.Url is { } url && registry.Resolve(url) == candidate && registry.Resolve(existing.Url ?? "") != existing)
                    byKey[key] = candidate;
            }
        logger.LogInformation("Conformance resources served read-only: {Count} ({Shadowed} sharing a type and id with another, one served)", byKey.Count, shadowed);
        return byKey.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
