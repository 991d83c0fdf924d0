namespace FhirServer.Conformance.Packages;

public sealed class PackageResolution
{
    private readonly PackageCache? _cache;
    private readonly IReadOnlyList<PendingInstall> _pending;

    internal PackageResolution(IReadOnlyList<FhirPackage> packages, IReadOnlyList<PackageDiagnostic> diagnostics,
        PackageCache? cache = null, IReadOnlyList<PendingInstall>? pending = null)
    {
        Packages = packages;
        Diagnostics = diagnostics;
        _cache = cache;
        _pending = pending ?? [];
    }

    // The requested packages first, in request order, then their dependency closure breadth-first; one per name.
    public IReadOnlyList<FhirPackage> Packages { get; }

    public IReadOnlyList<PackageDiagnostic> Diagnostics { get; }

    /// <summary>This resolution with <paramref name="extra"/> packages after its own (a server's own definitions, loaded from a folder).</summary>
    public PackageResolution With(IEnumerable<FhirPackage> extra) => new([.. Packages, .. extra], Diagnostics, _cache, _pending);

    public bool HasErrors => Diagnostics.Any(d => d.Severity == PackageDiagnostic.ErrorSeverity);

    /// <summary>
    /// The warnings in one line, for a start-up log or a tool that should not print a page of them: the packages found
    /// nowhere (usually dependencies of the loaded guides that are not in the cache), the sources that could not be
    /// reached, and how many other warnings there are; null when there are none. Each is in <see cref="Diagnostics"/>.
    /// </summary>
    public string? WarningSummary()
    {
        var warnings = Diagnostics.Where(d => d.Severity == PackageDiagnostic.WarningSeverity).ToList();
        if (warnings.Count == 0) return null;
        var missing = warnings.Select(d => d.MissingPackage).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var unavailable = warnings.Select(d => d.UnavailableSource).OfType<string>().Distinct().ToList();
        var others = warnings.Count(d => d.MissingPackage is null && d.UnavailableSource is null);
        var parts = new List<string>();
        if (missing.Count > 0)
            parts.Add($"{missing.Count} package(s) not found, their definitions are absent: {string.Join(", ", missing)}");
        if (unavailable.Count > 0) parts.Add($"unreachable: {string.Join(", ", unavailable)}");
        if (others > 0) parts.Add($"{others} other warning(s)");
        return string.Join("; ", parts);
    }

    // Packages read from their tarballs and not yet unpacked into the cache (PackageResolver.DeferTarballInstalls).
    public IReadOnlyList<FhirPackage> PendingInstalls => [.. _pending.Select(p => p.Package).Where(p => !p.IsUnpacked)];

    public FhirPackage? Find(string name) =>
        Packages.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    // Unpacks the packages that were read from their tarballs into the cache, one after the other (the machine is
    // busy serving meanwhile), and switches each to its unpacked files. Returns what could not be unpacked: those
    // packages keep working from memory, and the next start tries again.
    public async Task<IReadOnlyList<PackageDiagnostic>> InstallPendingAsync(CancellationToken ct = default)
    {
        var problems = new List<PackageDiagnostic>();
        foreach (var pending in _pending)
        {
            var package = pending.Package;
            if (package.IsUnpacked) continue;
            try
            {
                await pending.InstallAsync(ct);
                // Another tool may have cached the same version under a name differing in case: keep the memory copy then.
                if (_cache?.TryOpen(package.Name, package.Version) is { } installed &&
                    string.Equals(installed.Directory, package.Directory, StringComparison.Ordinal))
                    package.ReleaseTarballFiles();
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                problems.Add(PackageDiagnostic.Warning($"Could not unpack {package} into the package cache {_cache?.Root}: {e.Message}"));
            }
        }
        return problems;
    }
}
