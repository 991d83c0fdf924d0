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

    public FhirPackage? Find(string name) =>
        Packages.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
