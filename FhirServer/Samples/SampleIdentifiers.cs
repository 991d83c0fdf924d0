using FhirServer.Profiles.Identifiers;

namespace FhirServer.Samples;

/// <summary>
/// Fictitious national identifiers made with the keys of <see cref="CheckDigits"/>, the code that checks them on
/// write: a NIR gets its key from <see cref="CheckDigits.NirKey"/>, a Luhn number the one digit that makes
/// <see cref="CheckDigits.IsLuhnValid"/> true. Numbers are unique within a run by construction (an index through a
/// permutation), not by remembering those already given.
/// </summary>
internal static class SampleIdentifiers
{
    private const int Years = 80;
    private const int FirstBirthYear = 1940;
    private const int Orders = 999;

    /// <summary>How many patients can have distinct NIRs: communes × birth years × months × order numbers.</summary>
    public static long NirCapacity => (long)FrenchData.Communes.Count * Years * 12 * Orders;

    /// <summary>
    /// The birth place, year, month and order number of patient <paramref name="index"/>: a permutation of the index
    /// (multiplication by a prime prime to the capacity, shifted by the seed), so that two patients of a run never
    /// share them and neighbouring indexes look unrelated. The commune varies fastest, so small samples see them all.
    /// </summary>
    public static (Commune Place, int Year, int Month, int Order) BirthSlot(int seed, long index)
    {
        var k = (index * 7919 + (long)(uint)seed * 104729) % NirCapacity;
        var place = FrenchData.Communes[(int)(k % FrenchData.Communes.Count)];
        k /= FrenchData.Communes.Count;
        var month = (int)(k % 12) + 1;
        k /= 12;
        var year = FirstBirthYear + (int)(k % Years);
        k /= Years;
        return (place, year, month, (int)k + 1);
    }

    /// <summary>
    /// A NIR (INSEE's numéro d'inscription au répertoire): sex (1 male, 2 female), the last two digits of the birth
    /// year, the birth month, the birth commune's INSEE code (2A/2B in Corsica from 1976), the order number of the
    /// birth in that commune and month, and the key.
    /// </summary>
    public static string Nir(bool female, int year, int month, string place, int order)
    {
        var number = $"{(female ? '2' : '1')}{year % 100:00}{month:00}{place}{order:000}";
        return number + $"{CheckDigits.NirKey(number) ?? throw new ArgumentException($"Not a NIR number: {number}"):00}";
    }

    /// <summary>An RPPS number: 11 digits starting with 10 as the directory's do, the last the Luhn key; unique per index below 10⁸.</summary>
    public static string Rpps(int seed, long index) => WithLuhnKey("10" + Permuted(seed, index, 100_000_000, 8));

    /// <summary>The national practitioner identifier of an RPPS professional: 8 then the RPPS number.</summary>
    public static string IdNatPs(string rpps) => "8" + rpps;

    /// <summary>
    /// A FINESS number: the department, 6 digits unique per index below 10⁶, the Luhn key. Corsica's 2A and 2B are
    /// kept (no published rule maps them for the key, which the checker does not verify there): the key is computed on 20.
    /// </summary>
    public static string Finess(int seed, long index, Commune commune)
    {
        var department = commune.Department[..2];
        var body = Permuted(seed, index, 1_000_000, 6);
        var key = WithLuhnKey((commune.IsCorsican ? "20" : department) + body)[^1];
        return department + body + key;
    }

    /// <summary>A SIRET: a SIREN (8 digits unique per index below 10⁸ and its Luhn key), a 4-digit establishment number, the Luhn key of the 14.</summary>
    public static string Siret(int seed, long index)
    {
        var siren = WithLuhnKey(Permuted(seed + 1, index, 100_000_000, 8));
        return WithLuhnKey(siren + $"{index % 10_000:0000}");
    }

    /// <summary>The digits followed by the one check digit that passes <see cref="CheckDigits.IsLuhnValid"/>.</summary>
    public static string WithLuhnKey(string digits)
    {
        for (var key = '0'; key <= '9'; key++)
            if (CheckDigits.IsLuhnValid(digits + key)) return digits + key;
        throw new ArgumentException($"Not digits: {digits}");
    }

    private static string Permuted(int seed, long index, long range, int width)
    {
        // 1,000,003 is prime and prime to every power of ten: a bijection of [0, range).
        var value = (index * 1_000_003 + (long)(uint)seed * 7_777_777) % range;
        return value.ToString().PadLeft(width, '0');
    }
}
