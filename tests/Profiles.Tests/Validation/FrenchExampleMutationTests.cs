using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Published French examples, each changed in one way that its profiles or the identifier rules forbid: the validator
/// must reject the change with an error located where the change is (its FHIRPath expression), as the HL7 validator
/// locates it. Errors the unchanged example already has (its made-up identifiers) are set aside.
/// </summary>
public class FrenchExampleMutationTests
{
    // Declares fr-core-patient-ins: INS-NIR slice, name:officialName 1..1, gender and birthDate 1..1, gender bound
    // (required) to fr-core-vs-patient-gender (male, female, unknown).
    private const string PatientIns = "hl7.fhir.fr.core/Patient-FRCorePatientExample.json";
    // Declares fr-core-practitioner and as-dr-practitioner; identifier[1] is its RPPS number.
    private const string Practitioner = "ans.fhir.fr.annuaire/Practitioner-334081.json";

    [Test]
    public void An_INS_NIR_with_a_wrong_key_is_rejected_on_its_value()
    {
        // The key of 1234567890122 is 97 − (1234567890122 mod 97) = 12 (the published example has 44).
        Assert.That(ErrorsAt(Changed(PatientIns, p => p["identifier"]![0]!["value"] = "123456789012212"), "Patient.identifier[0].value"), Is.Empty);

        var errors = ErrorsAt(Changed(PatientIns, p => p["identifier"]![0]!["value"] = "123456789012213"), "Patient.identifier[0].value");

        Assert.That(errors.Select(e => e.Message), Has.Some.StartsWith("NIR rule:"));
    }

    [Test]
    public void An_RPPS_number_with_a_wrong_Luhn_digit_is_rejected_on_its_value()
    {
        // 1000346103 + Luhn check digit 4 (the published example ends in 3).
        Assert.That(ErrorsAt(Changed(Practitioner, p => p["identifier"]![1]!["value"] = "10003461034"), "Practitioner.identifier[1].value"), Is.Empty);

        var errors = ErrorsAt(Changed(Practitioner, p => p["identifier"]![1]!["value"] = "10003461035"), "Practitioner.identifier[1].value");

        Assert.That(errors.Select(e => e.Message), Has.Some.StartsWith("RPPS rule:"));
    }

    [Test]
    public void A_missing_element_the_profile_requires_is_rejected_on_its_parent()
    {
        // fr-core-patient-ins: Patient.birthDate 1..1 (0..1 in R4).
        var errors = NewErrors(PatientIns, p => p.Remove("birthDate"));

        Assert.That(errors.Where(e => e.Expression == "Patient").Select(e => e.Message),
            Has.Some.Contains("Patient.birthDate: minimum required = 1, but only found 0"));
    }

    [Test]
    public void A_code_outside_the_profiles_required_binding_is_rejected_on_the_code()
    {
        // "other" is an R4 administrative-gender code, but not in FR Core's fr-core-vs-patient-gender.
        var errors = NewErrors(PatientIns, p => p["gender"] = "other");

        Assert.That(errors.Select(e => e.Expression), Has.Some.EqualTo("Patient.gender"));
    }

    [Test]
    public void A_slice_over_its_maximum_is_rejected_on_the_sliced_elements_parent()
    {
        // fr-core-patient-ins: Patient.name:officialName (use = official) 1..1; a second official name breaks it.
        var errors = NewErrors(PatientIns, p => p["name"]!.AsArray().Add(p["name"]![0]!.DeepClone()));

        Assert.That(errors.Where(e => e.Expression == "Patient").Select(e => e.Message), Has.Some.Contains("officialName"));
    }

    [Test]
    public void An_unknown_modifier_extension_is_rejected_on_the_extension()
    {
        var errors = NewErrors(PatientIns, p => p["modifierExtension"] = new JsonArray(new JsonObject
        {
            ["url"] = "https://example.org/fhir/StructureDefinition/unknown-modifier",
            ["valueBoolean"] = true,
        }));

        Assert.That(errors.Select(e => e.Expression), Has.Some.EqualTo("Patient.modifierExtension[0]"));
    }

    private static ElementNode Changed(string example, Action<JsonObject> change)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(ProfilesTestData.ExamplesFolder, example)))!.AsObject();
        change(json);
        return ProfilesTestData.Parse(json.ToJsonString());
    }

    private static List<OutcomeIssue> Errors(ElementNode resource) =>
        [.. FrenchExampleTests.Validator.Validate(resource).Issues.Where(i => i.IsError)];

    private static List<OutcomeIssue> ErrorsAt(ElementNode resource, string expression) =>
        [.. Errors(resource).Where(e => e.Expression == expression)];

    // The errors the change brings, by location and message (lines move when the JSON is written again).
    private static List<OutcomeIssue> NewErrors(string example, Action<JsonObject> change)
    {
        var before = Errors(Changed(example, _ => { })).Select(e => (e.Expression, e.Message)).ToHashSet();
        return [.. Errors(Changed(example, change)).Where(e => !before.Contains((e.Expression, e.Message)))];
    }
}
