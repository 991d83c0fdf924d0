namespace FhirServer.Conformance.Packages;

// One line of package/.index.json (https://hl7.org/fhir/packages.html#2.1.10.4): enough to find a conformance
// resource by type, id or canonical URL without opening its file. Supplements (CodeSystem.supplements) is also
// part of the index format and matters to terminology code looking for supplements of a code system.
public sealed record PackageIndexEntry(
    string FileName, string ResourceType, string? Id, string? Url, string? Version, string? Kind, string? Type)
{
    public string? Supplements { get; init; }
}
