using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Definitions;

/// <summary>A conformance resource known to the registry: where it lives, and its canonical identity.</summary>
public sealed record CanonicalEntry(FhirPackage Package, PackageIndexEntry Entry)
{
    public string? Url => Entry.Url;
    public string? Version => Entry.Version;
    public string ResourceType => Entry.ResourceType;
    public string PackageId => $"{Package.Name}#{Package.Version}";
    public override string ToString() => $"{ResourceType} {Url}|{Version} ({PackageId})";
}
