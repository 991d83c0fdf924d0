namespace FhirServer.Conformance.Packages;

// A package that was read from its tarball and still has to be unpacked into the cache (see
// PackageResolver.DeferTarballInstalls): the package as loaded, and the work that unpacks it.
internal sealed record PendingInstall(FhirPackage Package, Func<CancellationToken, Task> InstallAsync);
