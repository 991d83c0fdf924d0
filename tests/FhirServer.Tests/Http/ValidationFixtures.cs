using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>Resources and OperationOutcome helpers shared by the validation tests ($validate, validation on write, the CLI).</summary>
internal static class ValidationFixtures
{
    /// <summary>A profile of Patient that requires birthDate (a differential only: the server generates its snapshot).</summary>
    public const string BirthDateProfileUrl = "http://example.org/fhir/StructureDefinition/patient-with-birthdate";

    public static string BirthDateProfile(string id = "patient-with-birthdate", string url = BirthDateProfileUrl) => $$$"""
        {"resourceType":"StructureDefinition","id":"{{{id}}}","url":"{{{url}}}","name":"PatientWithBirthDate","status":"active",
         "fhirVersion":"4.0.1","kind":"resource","abstract":false,"type":"Patient",
         "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint",
         "differential":{"element":[{"id":"Patient","path":"Patient"},{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}]}}
        """;

    public const string FrCorePatientUrl = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient";

    private static long _nextNir = 1234567890122;

    /// <summary>
    /// An INS-NIR of its own for each Patient a test writes (one INS is one Patient on the server: Server:UniqueIdentifiers),
    /// with its right key (97 − number mod 97) or a wrong one.
    /// </summary>
    private static string Nir(bool goodKey)
    {
        var number = Interlocked.Increment(ref _nextNir);
        var key = 97 - number % 97;
        return $"{number}{(goodKey ? key : (key + 32) % 97):00}";
    }

    /// <summary>An FR Core Patient whose INS-NIR (a new one each time) has its right key or not.</summary>
    public static string FrCorePatient(bool goodKey = true, string? profile = FrCorePatientUrl, string family = "Durand") => $$"""
        {"resourceType":"Patient",{{(profile is null ? "" : $$"""
        "meta":{"profile":["{{profile}}"]},
        """)}}
         "identifier":[{"use":"official","type":{"coding":[{"system":"https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203","code":"INS-NIR"}]},
           "system":"urn:oid:1.2.250.1.213.1.4.8","value":"{{Nir(goodKey)}}"}],
         "name":[{"use":"official","family":"{{family}}","given":["Pierre"]}],"gender":"male","birthDate":"1974-12-25"}
        """;

    /// <summary>An Observation without its code (Observation.code is 1..1 in the base definition): the parser takes it, the validator does not.</summary>
    public static string ObservationWithoutCode(string marker) => $$"""
        {"resourceType":"Observation","status":"final","identifier":[{"system":"http://example.org/marker","value":"{{marker}}"}]}
        """;

    public static async Task<(HttpStatusCode Status, JsonElement Body)> Read(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static IEnumerable<JsonElement> Issues(JsonElement outcome) => outcome.GetProperty("issue").EnumerateArray();

    public static IEnumerable<JsonElement> Errors(JsonElement outcome) =>
        Issues(outcome).Where(i => i.GetProperty("severity").GetString() is "error" or "fatal");

    public static string? Expression(JsonElement issue) =>
        issue.TryGetProperty("expression", out var e) ? e[0].GetString() : null;

    public static string Text(JsonElement issue) => issue.GetProperty("details").GetProperty("text").GetString()!;
}
