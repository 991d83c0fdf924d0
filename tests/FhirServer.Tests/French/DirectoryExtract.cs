using System.Text;
using FhirServer.Profiles.Identifiers;

namespace FhirServer.Tests.French;

/// <summary>
/// A small fictitious extract of the health-professional directory (Annuaire Santé) as NDJSON: organizations with
/// FINESS, SIRET and national structure ids, practitioners with IdNatPS (8 + RPPS) and RPPS, their roles at the
/// organizations with a specialty, and healthcare services. Resource <c>i</c> of each kind is deterministic.
/// </summary>
internal static class DirectoryExtract
{
    public const string IdNatPs = "urn:oid:1.2.250.1.71.4.2.1";
    public const string Rpps = "https://rpps.esante.gouv.fr";
    public const string IdNatSt = "urn:oid:1.2.250.1.71.4.2.2";
    public const string Finess = "https://finess.esante.gouv.fr";
    public const string Siret = "https://sirene.fr";
    public const string Specialty = "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale";

    private static readonly (string Given, string Family)[] Names =
        [("Hélène", "Lefèvre"), ("JÉRÔME", "CHÂTEAU"), ("Zoé", "Noël"), ("François", "Dupont"), ("Anaïs", "Bénard"), ("Loïc", "Gaëtan")];
    private static readonly (string City, string PostalCode)[] Cities = [("Saint-Étienne", "42000"), ("Nancy", "54000"), ("Besançon", "25000"), ("Paris", "75013")];
    private static readonly string[] Specialties = ["SM26", "SM54", "SM53", "SM02"];

    /// <summary>An 11-digit RPPS number with its Luhn key.</summary>
    public static string RppsOf(int i) => WithLuhn($"1{i:000000000}");

    public static string FinessOf(int i) => WithLuhn($"42{i:000000}");

    /// <summary>A SIRET: a SIREN (8 digits and its Luhn key), an establishment number, and the Luhn key of the 14.</summary>
    public static string SiretOf(int i) => WithLuhn(WithLuhn($"3{i:0000000}") + "0001");

    private static string WithLuhn(string digits)
    {
        for (var key = 0; key < 10; key++)
            if (CheckDigits.IsLuhnValid(digits + key)) return digits + key;
        throw new InvalidOperationException("no Luhn key");
    }

    public static string Organization(int i)
    {
        var (city, postal) = Cities[i % Cities.Length];
        return $$"""{"resourceType":"Organization","id":"org-{{i}}","identifier":[{"system":"{{IdNatSt}}","value":"1{{FinessOf(i)}}"},{"system":"{{Finess}}","value":"{{FinessOf(i)}}"},{"system":"{{Siret}}","value":"{{SiretOf(i)}}"}],"active":true,"name":"Centre de santé {{i}}","address":[{"line":["{{i}} rue de la République"],"city":"{{city}}","postalCode":"{{postal}}","country":"FR"}]}""";
    }

    public static string Practitioner(int i)
    {
        var (given, family) = Names[i % Names.Length];
        return $$"""{"resourceType":"Practitioner","id":"pract-{{i}}","identifier":[{"system":"{{IdNatPs}}","value":"8{{RppsOf(i)}}"},{"system":"{{Rpps}}","value":"{{RppsOf(i)}}"}],"active":true,"name":[{"family":"{{family}}","given":["{{given}}"],"prefix":["DR"]}]}""";
    }

    /// <summary>Role <c>i</c>: practitioner i at organization i / 2.</summary>
    public static string Role(int i) =>
        $$"""{"resourceType":"PractitionerRole","id":"role-{{i}}","active":true,"practitioner":{"reference":"Practitioner/pract-{{i}}"},"organization":{"reference":"Organization/org-{{i / 2}}"},"specialty":[{"coding":[{"system":"{{Specialty}}","code":"{{Specialties[i % Specialties.Length]}}"}]}]}""";

    public static string Service(int i) =>
        $$"""{"resourceType":"HealthcareService","id":"service-{{i}}","active":true,"providedBy":{"reference":"Organization/org-{{i}}"},"type":[{"coding":[{"system":"urn:test:service-type","code":"consult-{{i % 3}}"}]}],"name":"Consultations {{i}}"}""";

    /// <summary>Writes organizations.ndjson, practitioners.ndjson (with <paramref name="extraLines"/> appended) and roles.ndjson; returns the files.</summary>
    public static string[] Write(string folder, int practitioners, IEnumerable<string>? extraLines = null)
    {
        Directory.CreateDirectory(folder);
        var organizations = Path.Combine(folder, "organizations.ndjson");
        var people = Path.Combine(folder, "practitioners.ndjson");
        var roles = Path.Combine(folder, "roles.ndjson");
        var orgCount = (practitioners + 1) / 2;
        File.WriteAllLines(organizations, Enumerable.Range(0, orgCount).Select(Organization).Concat(Enumerable.Range(0, orgCount).Select(Service)), Encoding.UTF8);
        File.WriteAllLines(people, Enumerable.Range(0, practitioners).Select(Practitioner).Concat(extraLines ?? []), Encoding.UTF8);
        File.WriteAllLines(roles, Enumerable.Range(0, practitioners).Select(Role), Encoding.UTF8);
        return [organizations, people, roles];
    }
}
