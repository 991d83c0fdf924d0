using System.Net;

namespace FhirServer.Conformance.Packages;

// Turns a list of package references into loaded packages plus their dependency closure. The cache is consulted
// first, then each source in order; whatever a source supplies is unpacked into the cache, so the next start is
// served from the cache alone. Problems (a missing package, an unreachable registry, a corrupt tarball) become
// diagnostics: a server with a missing dependency can still start and say what it lacks.
public sealed class PackageResolver
{
    private static readonly Lazy<HttpClient> SharedHttp = new(CreateHttpClient);

    public PackageResolver(PackageCache cache, IEnumerable<IPackageSource> sources)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(sources);
        Cache = cache;
        Sources = [.. sources];
    }

    public PackageCache Cache { get; }
    public IReadOnlyList<IPackageSource> Sources { get; }

    // "latest" and ranges normally look at every source, so a newer version on the registry is picked up (and
    // costs a registry round trip per such package at each start). When true, a match already in the cache is
    // used without asking the sources: faster and reproducible starts, at the price of not seeing new releases.
    public bool PreferCachedVersions { get; set; }

    // Normally a package found in a tarball folder is unpacked into the cache before it is loaded. When true, it is
    // read straight from its tarball (one pass, nothing written) and unpacking waits for
    // PackageResolution.InstallPendingAsync: a server's first start with an empty cache answers as soon as the
    // packages are read, and unpacks afterwards so the next start reads the cache.
    public bool DeferTarballInstalls { get; set; }

    public Task<PackageResolution> ResolveAsync(IEnumerable<PackageReference> requested, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return new ResolutionRun(Cache, Sources, PreferCachedVersions, DeferTarballInstalls, ct).RunAsync(requested);
    }

    // The usual setup: the cache (default ~/.fhir/packages), then the given tarball folders, then a registry —
    // packages.fhir.org unless another is given. offline: true leaves the registry out entirely.
    public static PackageResolver CreateDefault(string? cacheRoot = null, IEnumerable<string>? tarballFolders = null, Uri? registry = null, bool offline = false)
    {
        var cache = new PackageCache(string.IsNullOrWhiteSpace(cacheRoot) ? PackageCache.DefaultRoot : cacheRoot);
        var sources = new List<IPackageSource>();
        foreach (var folder in tarballFolders ?? [])
            if (!string.IsNullOrWhiteSpace(folder)) sources.Add(new TarballDirectorySource(folder));
        if (!offline) sources.Add(new NpmRegistrySource(registry ?? NpmRegistrySource.FhirPackageRegistry, SharedHttp.Value));
        return new PackageResolver(cache, sources);
    }

    private static HttpClient CreateHttpClient()
    {
        // A short connect timeout: on a machine without network access the registry should fail fast, not stall start-up.
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(15),
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        var http = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("FhirServer-PackageResolver/1.0");
        return http;
    }
}
