namespace FhirServer.Conformance.Definitions;

/// <summary>
/// One entry of ElementDefinition.type: the type code with its profiles and (for Reference / canonical)
/// target profiles. System types (<c>http://hl7.org/fhirpath/System.String</c>) used for <c>id</c>,
/// <c>Extension.url</c> and primitive values are mapped to the FHIR type named by the
/// <c>structuredefinition-fhir-type</c> extension, as the R4 snapshots declare it.
/// </summary>
public sealed record TypeRef(string Code, IReadOnlyList<string> Profiles, IReadOnlyList<string> TargetProfiles)
{
    public static TypeRef Of(string code) => new(code, [], []);

    /// <summary>The suffix a choice element takes for this type, e.g. <c>value[x]</c> + Quantity → valueQuantity.</summary>
    public string ChoiceSuffix => char.ToUpperInvariant(Code[0]) + Code[1..];
}
