using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Terminology.Model;

/// <summary>
/// UCUM (http://unitsofmeasure.org, R4 terminologies-systems: version 2.2 of the unit tables) as a code system: every
/// valid unit expression is a code, its display the code itself (UCUM has no display names; annotations in braces are
/// part of the code). Checked by the UCUM engine of the FHIRPath layer, strictly: every unit must be a UCUM unit.
/// </summary>
public static class UcumCodeSystem
{
    public const string Version = "2.2";

    public static CodeSystemIndex Create() => CodeSystemIndex.FromGrammar(UcumCode.System, Version, "UCUM", code =>
    {
        if (!UcumCode.IsValid(code)) return null;
        var concept = new Concept(code) { Display = code };
        concept.Designations.Add(new Designation("en", null, code));
        return concept;
    });
}
