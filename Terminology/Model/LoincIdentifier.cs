using System.Text.RegularExpressions;

namespace FhirServer.Terminology.Model;

/// <summary>
/// The shape of LOINC codes (LOINC Users' Guide, "LOINC codes"): digits, a hyphen and a check digit (8867-4); parts,
/// answers, answer lists and groups carry a two-letter prefix (LP, LA, LL, LG: LA6576-8). What can be said of a code
/// without the LOINC table itself.
/// </summary>
public static partial class LoincIdentifier
{
    public const string System = "http://loinc.org";

    public static bool IsCode(string code) => Shape().IsMatch(code);

    [GeneratedRegex(@"^(L[APLG])?[0-9]{1,8}-[0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
