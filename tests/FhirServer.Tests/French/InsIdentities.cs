using FhirServer.Profiles.Identifiers;

namespace FhirServer.Tests.French;

/// <summary>Fictitious INS for tests: valid NIRs (right key) on the INS-NIR systems, a new one per call.</summary>
internal static class InsIdentities
{
    public const string InsNir = "urn:oid:1.2.250.1.213.1.4.8";
    public const string InsNirTest = "urn:oid:1.2.250.1.213.1.4.10";

    private static int _next = Random.Shared.Next(0, 900);

    /// <summary>A NIR: sex, year, month, department 75, commune, an order number unique in the test run, and its key.</summary>
    public static string NewNir()
    {
        var n = Interlocked.Increment(ref _next);
        var number = $"2{70 + n % 30:00}{1 + n % 12:00}75{100 + n % 900:000}{Random.Shared.Next(0, 1000):000}";
        return number + CheckDigits.NirKey(number)!.Value.ToString("00", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Patient(string nir, string family = "Dupont", string system = InsNir, string? id = null) =>
        $$"""{"resourceType":"Patient",{{(id is null ? "" : $"\"id\":\"{id}\",")}}"identifier":[{"system":"urn:test:ipp","value":"ipp-{{nir}}"},{"system":"{{system}}","value":"{{nir}}"}],"name":[{"family":"{{family}}","given":["Hélène"]}],"gender":"female","birthDate":"1970-03-15"}""";
}
