using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Packages;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Conformance.Context;

/// <summary>
/// The loaded packages and everything built on them that the rest of the server shares: the definition registry,
/// the primitive rules and the JSON and XML parsers. One per process, built at start-up.
/// </summary>
public sealed class ConformanceContext
{
    public ConformanceContext(PackageResolution resolution, ParserOptions? parserOptions = null)
    {
        Resolution = resolution;
        Registry = new DefinitionRegistry(resolution.Packages);
        Primitives = new PrimitiveRules(Registry);
        ParserOptions = parserOptions ?? ParserOptions.Default;
        Json = new FhirJsonParser(Registry, ParserOptions, Primitives);
        Xml = new FhirXmlParser(Registry, ParserOptions, Primitives);
    }

    public PackageResolution Resolution { get; }
    public DefinitionRegistry Registry { get; }
    public PrimitiveRules Primitives { get; }
    public ParserOptions ParserOptions { get; }
    public FhirJsonParser Json { get; }
    public FhirXmlParser Xml { get; }

    // deferTarballInstalls: read packages missing from the cache straight from their tarballs and leave unpacking them
    // to Resolution.InstallPendingAsync (see PackageResolver.DeferTarballInstalls); the server does, so that its first
    // start with an empty cache is about as fast as the next ones.
    // extra: unpacked packages loaded after the resolved ones, whatever the settings say (the server's own definitions).
    public static async Task<ConformanceContext> LoadAsync(PackageSettings settings, ParserOptions? parserOptions = null,
        bool deferTarballInstalls = false, CancellationToken ct = default, IReadOnlyList<FhirPackage>? extra = null)
    {
        var folders = settings.Sources ?? [.. PackageSettings.FindSharedPackageFolders()];
        Uri? registry = string.IsNullOrWhiteSpace(settings.Registry) ? null : new Uri(settings.Registry);
        var resolver = PackageResolver.CreateDefault(settings.Cache, folders, registry, offline: registry is null);
        // Unversioned packages take what the cache already holds: no registry round trip on every start, and the
        // same versions from one start to the next.
        resolver.PreferCachedVersions = true;
        resolver.DeferTarballInstalls = deferTarballInstalls;
        var resolution = await resolver.ResolveAsync(settings.Packages.Select(PackageReference.Parse), ct);
        return new ConformanceContext(extra is { Count: > 0 } ? resolution.With(extra) : resolution, parserOptions);
    }
}
