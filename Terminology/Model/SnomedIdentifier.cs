namespace FhirServer.Terminology.Model;

/// <summary>
/// The syntax of SNOMED CT identifiers (SNOMED CT Technical Implementation Guide §6 "SNOMED CT Identifiers"): 6 to 18
/// digits, no leading zero, the last digit a Verhoeff check digit over the others, the two before it the partition
/// identifier (00 a concept of the international release, 10 a concept of an extension's namespace). What can be said
/// of a code without the SNOMED CT release itself.
/// </summary>
public static class SnomedIdentifier
{
    public const string System = "http://snomed.info/sct";

    // Verhoeff's dihedral group D5 multiplication and position permutation tables.
    private static readonly byte[,] Multiply =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 }, { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 },
        { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 }, { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
        { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 }, { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 },
        { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
    };

    private static readonly byte[,] Permute =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 }, { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 },
        { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 }, { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
        { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
    };

    /// <summary>Whether <paramref name="code"/> is shaped as a concept identifier (partition 00 or 10, check digit right).</summary>
    public static bool IsConceptId(string code)
    {
        if (!IsIdentifier(code)) return false;
        var partition = code.AsSpan(code.Length - 3, 2);
        return partition is "00" or "10";
    }

    /// <summary>Whether <paramref name="code"/> is shaped as any SNOMED CT identifier (a concept, description or relationship).</summary>
    public static bool IsIdentifier(string code)
    {
        if (code.Length is < 6 or > 18 || code[0] == '0') return false;
        var check = 0;
        for (var i = 0; i < code.Length; i++)
        {
            var c = code[code.Length - 1 - i];
            if (!char.IsAsciiDigit(c)) return false;
            check = Multiply[check, Permute[i % 8, c - '0']];
        }
        return check == 0;
    }
}
