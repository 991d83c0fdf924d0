namespace FhirServer.Conformance.Packages;

// Somewhere packages can be fetched from when the cache lacks them. A source that does not know a package returns
// no versions; a source that cannot be reached at all throws, and the resolver turns that into a warning.
public interface IPackageSource
{
    string Description { get; }

    Task<IReadOnlyList<string>> GetVersionsAsync(string name, CancellationToken ct);

    // Unpacks name#version into the cache; false when this source does not have that version.
    Task<bool> InstallAsync(string name, string version, PackageCache cache, CancellationToken ct);
}
