using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Identifiers;

/// <summary>
/// The French national identifiers' own rules, bound to the systems FR Core and Annuaire Santé slice on
/// (hl7.fhir.fr.core, ans.fhir.fr.annuaire): the NIR key, and the Luhn keys of RPPS, FINESS, SIREN and SIRET.
/// The profiles fix the systems and the cardinalities; only these checks catch a mistyped number.
/// </summary>
public static class FrenchIdentifierRules
{
    public const string InsNir = "urn:oid:1.2.250.1.213.1.4.8";
    public const string InsNirTest = "urn:oid:1.2.250.1.213.1.4.10";
    public const string InsNirDemo = "urn:oid:1.2.250.1.213.1.4.11";
    public const string NssNir = "urn:oid:1.2.250.1.213.1.4.13";
    public const string IdNatPs = "urn:oid:1.2.250.1.71.4.2.1";
    public const string IdNatSt = "urn:oid:1.2.250.1.71.4.2.2";
    public const string Rpps = "https://rpps.esante.gouv.fr";
    public const string Finess = "https://finess.esante.gouv.fr";
    public const string Sirene = "https://sirene.fr";
    /// <summary>FR Core's identifier types (SIREN, SIRET, IDNST…), which tell a SIREN from a SIRET under one system.</summary>
    public const string FrCoreIdentifierTypes = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";

    /// <summary>La Poste's SIREN: its establishments' SIRETs follow their own rule (see <see cref="CheckSiret"/>).</summary>
    private const string LaPosteSiren = "356000000";

    public static IReadOnlyList<IdentifierRule> All { get; } =
    [
        // INS-NIR and its test and demo identities, and the NIR as a social security number, all carry a NIR. The
        // NIA systems (…4.9, …4.14) are left out: a NIA is attributed while a NIR is awaited, and its key is not
        // published as following the NIR's.
        new("NIR", [InsNir, InsNirTest, InsNirDemo, NssNir], (v, _) => CheckNir(v)),
        // In Annuaire Santé PractitionerRole the RPPS system carries the situation d'exercice id, not an RPPS number.
        new("RPPS", [Rpps], (v, _) => CheckRpps(v, "RPPS number"), ["Practitioner"]),
        new("IdNatPS", [IdNatPs], (v, _) => CheckIdNatPs(v)),
        new("FINESS", [Finess], (v, _) => CheckFiness(v, "FINESS number")),
        new("SIREN/SIRET", [Sirene], CheckSirene),
        new("IdNatSt", [IdNatSt], (v, _) => CheckIdNatSt(v)),
    ];

    /// <summary>
    /// NIR: 13 characters of number then a 2-digit key, key = 97 − (number mod 97), Corsica's 2A and 2B counted as
    /// 19 and 18. The first character is the sex (1, 2) or a special case (3, 4 for people born abroad awaiting
    /// registration, 7, 8 for temporary numbers).
    /// </summary>
    public static string? CheckNir(string value)
    {
        if (value.Length != 15)
            return $"A NIR has 15 characters (a 13-character number and a 2-digit key); this one has {value.Length}.";
        if (value[0] is not ('1' or '2' or '3' or '4' or '7' or '8'))
            return "A NIR starts with 1, 2, 3, 4, 7 or 8 (sex, or a special case).";
        var key = value.AsSpan(13);
        if (CheckDigits.NirKey(value.AsSpan(0, 13)) is not { } expected || !CheckDigits.AllDigits(key))
            return "A NIR is 13 digits (2A or 2B for a Corsican department, characters 6-7) followed by a 2-digit key.";
        var given = int.Parse(key);
        if (given == expected) return null;
        var corsica = value[5] == '2' && value[6] is 'A' or 'B' ? $", with {value.Substring(5, 2)} counted as {(value[6] == 'A' ? 19 : 18)}" : "";
        return $"The NIR key is {key}, but the key of its number is {expected:00} (97 − number mod 97{corsica}).";
    }

    /// <summary>RPPS: 11 digits, the last a Luhn check digit.</summary>
    public static string? CheckRpps(string value, string what)
    {
        if (value.Length != 11 || !CheckDigits.AllDigits(value))
            return $"The {what} has 11 digits; this one has {Describe(value)}.";
        return Luhn(value, what);
    }

    /// <summary>
    /// IdNatPS: a type prefix then the number. "8" + RPPS is checked; the others (0 + ADELI, and the prefixes of
    /// TRE_G08 for other sources) are not to be interpreted (FR Core: "ne doit être ni construit ni interprété").
    /// </summary>
    public static string? CheckIdNatPs(string value) =>
        value.StartsWith('8') ? CheckRpps(value[1..], "RPPS number after the IdNatPS prefix 8") : null;

    /// <summary>
    /// FINESS: 9 characters, the first two the department, the last a Luhn check digit. Corsican numbers start with
    /// 2A or 2B: their form is checked, not their key (no published rule maps the letters to digits for it).
    /// </summary>
    public static string? CheckFiness(string value, string what)
    {
        var corsican = value.Length == 9 && value[0] == '2' && value[1] is 'A' or 'B' && CheckDigits.AllDigits(value.AsSpan(2));
        if (corsican) return null;
        if (value.Length != 9 || !CheckDigits.AllDigits(value))
            return $"The {what} has 9 characters, digits (2A or 2B first for Corsica); this one has {Describe(value)}.";
        return Luhn(value, what);
    }

    /// <summary>SIREN: 9 digits, Luhn.</summary>
    public static string? CheckSiren(string value, string what = "SIREN number")
    {
        if (value.Length != 9 || !CheckDigits.AllDigits(value))
            return $"The {what} has 9 digits; this one has {Describe(value)}.";
        return Luhn(value, what);
    }

    /// <summary>
    /// SIRET: 14 digits, the SIREN then the establishment's 5, Luhn over the 14. INSEE's one exception: La Poste
    /// (SIREN 356 000 000) numbers more establishments than Luhn leaves room for, so a La Poste SIRET whose digits
    /// add up to a multiple of 5 is valid too (its head office, 356 000 000 00048, follows Luhn).
    /// </summary>
    public static string? CheckSiret(string value, string what = "SIRET number")
    {
        if (value.Length != 14 || !CheckDigits.AllDigits(value))
            return $"The {what} has 14 digits (SIREN + 5); this one has {Describe(value)}.";
        if (CheckSiren(value[..9], $"SIREN part of the {what}") is { } siren) return siren;
        if (value.StartsWith(LaPosteSiren, StringComparison.Ordinal) && CheckDigits.DigitSum(value) % 5 == 0) return null;
        return Luhn(value, what);
    }

    /// <summary>SIREN and SIRET share one system: the FR Core identifier type says which, else the length does.</summary>
    public static string? CheckSirene(string value, ElementNode identifier)
    {
        var type = TypeCode(identifier, FrCoreIdentifierTypes);
        if (type == "SIREN" && value.Length != 9)
            return $"The identifier's type is SIREN (9 digits), but its value has {Describe(value)}" +
                (value.Length == 14 ? " (a SIRET's length: its type should be SIRET)." : ".");
        if (type == "SIRET" && value.Length != 14)
            return $"The identifier's type is SIRET (14 digits), but its value has {Describe(value)}" +
                (value.Length == 9 ? " (a SIREN's length: its type should be SIREN)." : ".");
        return value.Length == 14 ? CheckSiret(value) :
            value.Length == 9 ? CheckSiren(value) :
            $"A value of system {Sirene} is a SIREN (9 digits) or a SIRET (14 digits); this one has {Describe(value)}.";
    }

    /// <summary>
    /// IdNatSt: a type prefix then the number (FR Core Organization.identifier:idNatSt.value): 1 + FINESS, 2 + SIREN,
    /// 3 + SIRET are checked; 0 + ADELI rang and 4 + RPPS rang or a technical id are not.
    /// </summary>
    public static string? CheckIdNatSt(string value)
    {
        if (value.Length < 2) return null;
        return value[0] switch
        {
            '1' => CheckFiness(value[1..], "FINESS number after the IdNatSt prefix 1"),
            '2' => CheckSiren(value[1..], "SIREN number after the IdNatSt prefix 2"),
            '3' => CheckSiret(value[1..], "SIRET number after the IdNatSt prefix 3"),
            _ => null,
        };
    }

    private static string? Luhn(string value, string what) =>
        CheckDigits.IsLuhnValid(value) ? null : $"The {what} fails its Luhn check: its last digit is not the key of the others.";

    private static string Describe(string value) =>
        CheckDigits.AllDigits(value) ? $"{value.Length} digits" : $"{value.Length} characters, not all digits";

    private static string? TypeCode(ElementNode identifier, string system)
    {
        foreach (var coding in identifier.Child("type")?.ChildrenNamed("coding") ?? [])
            if (coding.Child("system")?.Value == system && coding.Child("code")?.Value is { } code) return code;
        return null;
    }
}
