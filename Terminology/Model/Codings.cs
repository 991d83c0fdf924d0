using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Model;

/// <summary>Reads Coding and CodeableConcept nodes.</summary>
public static class Codings
{
    public static CodingValue? Read(ElementNode? coding) => coding is null ? null
        : new CodingValue(coding.Child("system")?.Value, coding.Child("code")?.Value, coding.Child("display")?.Value, coding.Child("version")?.Value);

    public static IReadOnlyList<CodingValue> ReadConcept(ElementNode? codeableConcept) =>
        codeableConcept is null ? [] : [.. codeableConcept.ChildrenNamed("coding").Select(c => Read(c)!)];
}
