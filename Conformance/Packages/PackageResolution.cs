namespace FhirServer.Conformance.Packages;

public sealed class PackageResolution
{
    internal PackageResolution(IReadOnlyList<FhirPackage> packages, IReadOnlyList<PackageDiagnostic> diagnostics)
    {
        Packages = packages;
        Diagnostics = diagnostics;
    }

    // The requested packages first, in request order, then their dependency closure breadth-first; one per name.
    public IReadOnlyList<FhirPackage> Packages { get; }

    public IReadOnlyList<PackageDiagnostic> Diagnostics { get; }

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

    public FhirPackage? Find(string name) =>
        Packages.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
