using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Tests.Packages;

internal sealed class CountingSource(IPackageSource inner) : IPackageSource
{
    public int VersionLookups;
    public int Installs;

    public string Description => inner.Description;

    public Task<IReadOnlyList<string>> GetVersionsAsync(string name, CancellationToken ct)
    {
        Interlocked.Increment(ref VersionLookups);
        return inner.GetVersionsAsync(name, ct);
    }

    public Task<bool> InstallAsync(string name, string version, PackageCache cache, CancellationToken ct)
    {
        Interlocked.Increment(ref Installs);
        return inner.InstallAsync(name, version, cache, ct);
    }
}

internal sealed class UnreachableSource : IPackageSource
{
    public int VersionLookups;

    public string Description => "unreachable test source";

    public Task<IReadOnlyList<string>> GetVersionsAsync(string name, CancellationToken ct)
    {
        Interlocked.Increment(ref VersionLookups);
        throw new HttpRequestException("Connection refused (test)");
    }

    public Task<bool> InstallAsync(string name, string version, PackageCache cache, CancellationToken ct) =>
        throw new HttpRequestException("Connection refused (test)");
}
