namespace FhirServer.Conformance.Tests.Support;

/// <summary>
/// The one list of example files (relative to ../shared/fhir-examples) that are not valid FHIR R4 and must be
/// refused, each with the error it must give and why. Every other example must read cleanly and round-trip.
/// </summary>
public static class KnownBadInputs
{
    public sealed record Entry(string ExpectedError, string Reason);

    public static readonly IReadOnlyDictionary<string, Entry> Files = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        ["r4-fhir-test-cases/myconsent-resource.json"] = new("Unrecognized property 'period'",
            "Consent.period is not an R4 element (R4 has Consent.provision.period); the file exercises a custom profile"),
        ["r4-fhir-test-cases/patient-name-extensions.json"] = new("must have the same length",
            "'given' has 2 items and '_given' 1: the arrays must align item by item (R4 §2.6.2.1)"),
        ["r4-fhir-test-cases/r4-caredove-bundle.json"] = new("must be a JSON string, not a number",
            "resource ids written as JSON numbers, and a repeating 'performer' written as an object"),
        ["r4-fhir-test-cases/myconsent-ext.xml"] = new("Unrecognized element 'contextType'",
            "an STU3 StructureDefinition: R4 replaced contextType/context by context.type/context.expression"),
        ["r4-fhir-test-cases/observation-example.xml"] = new("The element 'extension' is out of order",
            "<status> written before <extension>: FHIR XML requires the definition's order (R4 §2.7.1)"),
    };

    public static string Relative(string path) => Path.GetRelativePath(TestData.ExamplesFolder, path).Replace('\\', '/');
}
