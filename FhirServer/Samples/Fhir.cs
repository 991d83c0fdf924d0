using System.Globalization;
using System.Text.Json.Nodes;

namespace FhirServer.Samples;

/// <summary>Small builders of FHIR data types as JSON nodes, and the canonical URLs and systems the samples use.</summary>
internal static class Fhir
{
    public const string FrCorePatientIns = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins";
    public const string FrCorePractitioner = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner";
    public const string FrCorePractitionerRole = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-practitioner-role";
    public const string FrCoreOrganization = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-organization";
    public const string AsDpPractitioner = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitioner";
    public const string AsDpPractitionerRole = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitionerrole";
    public const string AsDpOrganization = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-organization";
    public const string PdsmProvideBundle = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-comprehensive-provide-document-bundle";
    public const string PdsmSubmissionSet = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-submissionset-comprehensive";
    public const string PdsmDocumentReference = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-comprehensive-document-reference";
    public const string FrMedicationRequest = "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/fr-medicationrequest";
    public const string FrMedicationNonCompound = "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/fr-medication-noncompound";

    public const string FrCoreIdentifierTypes = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203";
    public const string Rfc3986 = "urn:ietf:rfc:3986";
    public const string Loinc = "http://loinc.org";
    public const string Edqm = "http://standardterms.edqm.eu";

    /// <summary>The NOS code system of an ANS terminology: <c>Nos("TRE_R02-SecteurActivite")</c>.</summary>
    public static string Nos(string name) => $"https://mos.esante.gouv.fr/NOS/{name}/FHIR/{name.Replace('_', '-')}";

    public static JsonObject Meta(params string[] profiles) => new() { ["profile"] = Array(profiles.Select(p => (JsonNode)p)) };

    public static JsonArray Array(IEnumerable<JsonNode> items) => new([.. items]);

    public static JsonArray Array(params JsonNode[] items) => new(items);

    public static JsonObject Coding(string system, string code, string? display = null)
    {
        var coding = new JsonObject { ["system"] = system, ["code"] = code };
        if (display is not null) coding["display"] = display;
        return coding;
    }

    public static JsonObject Concept(string system, string code, string? display = null, string? text = null)
    {
        var concept = new JsonObject { ["coding"] = Array(Coding(system, code, display)) };
        if (text is not null) concept["text"] = text;
        return concept;
    }

    public static JsonObject Reference(string reference, string? display = null)
    {
        var node = new JsonObject { ["reference"] = reference };
        if (display is not null) node["display"] = display;
        return node;
    }

    public static JsonObject Identifier(string system, string value, string? typeCode = null, string? use = null)
    {
        var identifier = new JsonObject();
        if (use is not null) identifier["use"] = use;
        if (typeCode is not null) identifier["type"] = Concept(FrCoreIdentifierTypes, typeCode);
        identifier["system"] = system;
        identifier["value"] = value;
        return identifier;
    }

    public static JsonObject Extension(string url, string valueName, JsonNode value) => new() { ["url"] = url, [valueName] = value };

    public static JsonObject Quantity(decimal value, string unit, string system, string code) =>
        new() { ["value"] = value, ["unit"] = unit, ["system"] = system, ["code"] = code };

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string DateTime(DateTimeOffset moment) => moment.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}
