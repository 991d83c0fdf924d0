namespace FhirServer.Conformance.FhirPath.Values;

/// <summary>UCUM codes (system http://unitsofmeasure.org) for the terminology service: is a code a valid unit expression.</summary>
public static class UcumCode
{
    public const string System = "http://unitsofmeasure.org";

    /// <summary>Whether the code parses as a UCUM expression of known units (annotations in braces allowed).</summary>
    public static bool IsValid(string code) => code.Length > 0 && Ucum.Parse(code, strict: true) is not null;
}
