namespace FhirServer.Profiles.Identifiers;

/// <summary>The check-digit algorithms of the French national identifiers.</summary>
public static class CheckDigits
{
    /// <summary>True when every character is an ASCII digit (and there is at least one).</summary>
    public static bool AllDigits(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s)
            if (c is < '0' or > '9') return false;
        return true;
    }

    /// <summary>
    /// Luhn (ISO/IEC 7812-1 mod 10): from the right, every second digit is doubled (minus 9 past 9); the sum of all
    /// digits, the check digit included, is a multiple of 10. Used by RPPS, FINESS, SIREN and SIRET.
    /// </summary>
    public static bool IsLuhnValid(ReadOnlySpan<char> digits)
    {
        if (!AllDigits(digits)) return false;
        var sum = 0;
        var doubled = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubled)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            doubled = !doubled;
        }
        return sum % 10 == 0;
    }

    /// <summary>The sum of the digits (La Poste's SIRET rule).</summary>
    public static int DigitSum(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        foreach (var c in digits) sum += c - '0';
        return sum;
    }

    /// <summary>
    /// The key of a NIR's 13-character number: 97 − (number mod 97). Corsica's departments 2A and 2B (characters 6
    /// and 7) count as 19 and 18, the rule of the INSEE's répertoire (RNIPP) for these departments created in 1976.
    /// Null when the number is not 13 digits, 2A or 2B allowed in the department.
    /// </summary>
    public static int? NirKey(ReadOnlySpan<char> number)
    {
        if (number.Length != 13) return null;
        Span<char> digits = stackalloc char[13];
        number.CopyTo(digits);
        if (number[5] == '2' && number[6] is 'A' or 'B')
        {
            digits[5] = '1';
            digits[6] = number[6] == 'A' ? '9' : '8';
        }
        if (!AllDigits(digits)) return null;
        return 97 - (int)(long.Parse(digits) % 97);
    }
}
