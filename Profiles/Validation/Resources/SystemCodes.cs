using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Model;

namespace FhirServer.Profiles.Validation.Resources;

/// <summary>
/// Whether a code is known not to be a code of a system, for the checks of definitions (value sets, supplements): the
/// system present with its whole content does not define it, or the code cannot have the syntax of SNOMED CT
/// (digits only but not a concept identifier; an expression is not judged) or of LOINC, whose content is not here.
/// </summary>
internal static class SystemCodes
{
    public static bool IsNotCode(IValueSetMembership tx, string system, string code, string? version) => system switch
    {
        SnomedIdentifier.System => code.All(char.IsAsciiDigit) && !SnomedIdentifier.IsConceptId(code),
        LoincIdentifier.System => !LoincIdentifier.IsCode(code),
        _ => tx.IsInCodeSystem(system, code, version) == Membership.NotMember,
    };
}
