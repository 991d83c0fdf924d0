using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;
using static FhirServer.Profiles.Tests.Validation.ValidationTestProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Bindings (R4 terminologies.html#strength) through the in-process value set membership.</summary>
public class BindingTests
{
    private const string Gender = "'AdministrativeGender' (http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1)";
    private const string MaritalStatus = "'MaritalStatus' (http://hl7.org/fhir/ValueSet/marital-status|4.0.1)";
    private const string V3MaritalStatus = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus";

    [Test]
    public void A_code_outside_a_required_binding_of_the_base_is_an_error()
    {
        var validator = ProfilesTestData.NewValidator();
        Assert.That(Validate(validator, """{"resourceType":"Patient","gender":"female"}"""), Is.Empty);
        // No system of the value set defines the code: its system cannot be determined, an error of its own (as the
        // HL7 validator reports it), given again as the reason of the binding's.
        const string noSystem = "The System URI could not be determined for the code 'x' in the ValueSet 'http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1'";
        Assert.That(Validate(validator, """{"resourceType":"Patient","gender":"x"}"""), Is.EqualTo(new[]
        {
            $"Patient.gender: {noSystem}",
            $"Patient.gender: The value provided ('x') was not found in the value set {Gender}, and a code is required from this value set  (error message = {noSystem}; The provided code '#x' was not found in the value set 'http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1')",
        }));
        Assert.That(Validate(validator, """{"resourceType":"Observation","status":"done","code":{"text":"t"}}"""), Has.Count.EqualTo(2).And.Some.StartsWith(
            "Observation.status: The value provided ('done') was not found in the value set 'ObservationStatus' (http://hl7.org/fhir/ValueSet/observation-status|4.0.1), and a code is required from this value set"));
    }

    [Test]
    public void Codes_of_data_types_are_bound_too()
    {
        // ContactPoint.system is bound (required) in the ContactPoint definition, reached through Patient.telecom.
        var errors = Validate(ProfilesTestData.NewValidator(), """{"resourceType":"Patient","telecom":[{"system":"pigeon","value":"x"}]}""");
        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors, Has.Some.StartWith("Patient.telecom[0].system: The value provided ('pigeon') was not found in the value set 'ContactPointSystem'"));
    }

    [Test]
    public void A_required_codeable_concept_needs_a_coding_from_the_value_set()
    {
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.maritalStatus","path":"Patient.maritalStatus","binding":{"strength":"required","valueSet":"http://hl7.org/fhir/ValueSet/marital-status"}}
            """);
        const string patient = """{"resourceType":"Patient","maritalStatus":{"coding":[CODINGS],"text":"t"}}""";
        Assert.That(Validate(validator, patient.Replace("CODINGS", $$"""{"system":"http://example.org/other","code":"A"},{"system":"{{V3MaritalStatus}}","code":"M"}"""), "p"), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("CODINGS", $$"""{"system":"{{V3MaritalStatus}}","code":"ZZ"}"""), "p"), Is.EqualTo(new[]
        {
            $"Patient.maritalStatus: None of the codings provided are in the value set {MaritalStatus}, and a coding from this value set is required) (codes = {V3MaritalStatus}#ZZ)",
            // The code system is present and complete: the code is not one of its codes either.
            $"Patient.maritalStatus.coding[0].code: Unknown code 'ZZ' in the CodeSystem '{V3MaritalStatus}'",
        }));
        Assert.That(Validate(validator, """{"resourceType":"Patient","maritalStatus":{"text":"married"}}""", "p"), Is.EqualTo(new[]
        {
            $"Patient.maritalStatus: No code provided, and a code is required from the value set {MaritalStatus}",
        }));
    }

    [Test]
    public void A_value_of_a_type_the_element_does_not_allow_is_not_checked_against_its_binding()
    {
        var validator = WithProfile("p", "Observation", """
            {"id":"Observation.value[x]","path":"Observation.value[x]","type":[{"code":"Quantity"}],
             "binding":{"strength":"required","valueSet":"http://hl7.org/fhir/ValueSet/administrative-gender"}}
            """);
        Assert.That(Validate(validator, """{"resourceType":"Observation","status":"final","code":{"text":"t"},"valueString":"test"}""", "p"), Is.EqualTo(new[]
        {
            "Observation.value.ofType(string): The type 'string' is not allowed here: Observation.value[x] allows Quantity.",
        }));
    }

    [Test]
    public void An_additional_required_binding_applies_beside_the_main_one()
    {
        // R5 binding.additional as its R4 extension: the main binding is an example, the additional one required.
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.maritalStatus","path":"Patient.maritalStatus","binding":{"strength":"example","valueSet":"http://hl7.org/fhir/ValueSet/marital-status",
             "extension":[{"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.binding.additional",
               "extension":[{"url":"purpose","valueCode":"required"},{"url":"valueSet","valueCanonical":"http://hl7.org/fhir/ValueSet/marital-status"}]}]}}
            """);
        const string patient = """{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://example.org/cs","code":"CODE"}]}}""";
        Assert.That(Validate(validator, patient.Replace("http://example.org/cs", V3MaritalStatus).Replace("CODE", "M"), "p"), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("CODE", "x"), "p"), Is.EqualTo(new[]
        {
            $"Patient.maritalStatus: None of the codings provided are in the value set {MaritalStatus} specified in an additional binding, and a coding from this value set is required) (codes = http://example.org/cs#x)",
        }));
    }

    [Test]
    public void An_extensible_binding_warns_and_allows_text()
    {
        // R4 Patient.maritalStatus is bound extensible to marital-status.
        var validator = ProfilesTestData.NewValidator();
        Assert.That(Validate(validator, """{"resourceType":"Patient","maritalStatus":{"text":"married"}}""", severity: IssueSeverity.Warning), Is.Empty);
        const string other = """{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"ZZ"}]}}""";
        Assert.That(Validate(validator, other), Is.Empty.Or.All.Not.Contain("value set"));
        Assert.That(Validate(validator, other, severity: IssueSeverity.Warning), Is.EqualTo(new[]
        {
            $"Patient.maritalStatus: None of the codings provided are in the value set {MaritalStatus}, and a coding should come from this value set unless it has no suitable code (note that the validator cannot judge what is suitable) (codes = {V3MaritalStatus}#ZZ)",
        }));
    }

    [Test]
    public void A_maximum_value_set_bounds_an_extensible_binding()
    {
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.maritalStatus","path":"Patient.maritalStatus","binding":{"strength":"extensible","valueSet":"http://hl7.org/fhir/ValueSet/marital-status",
             "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/elementdefinition-maxValueSet","valueCanonical":"http://hl7.org/fhir/ValueSet/administrative-gender"}]}}
            """);
        Assert.That(Validate(validator, """{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://hl7.org/fhir/administrative-gender","code":"other"}]}}""", "p"), Is.Empty);
        Assert.That(Validate(validator, """{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://example.org/cs","code":"x"}]}}""", "p"), Is.EqualTo(new[]
        {
            $"Patient.maritalStatus: None of the codings provided are in the maximum value set {Gender}, and a coding from this value set is required) (codes = http://example.org/cs#x)",
        }));
    }

    [Test]
    public void An_unknown_value_set_or_code_system_is_a_warning_not_an_error()
    {
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.maritalStatus","path":"Patient.maritalStatus","binding":{"strength":"required","valueSet":"http://example.org/ValueSet/unknown"}}
            """,
            """{"id":"Patient.contact.relationship","path":"Patient.contact.relationship","binding":{"strength":"required","valueSet":"http://hl7.org/fhir/ValueSet/observation-codes"}}""");
        const string patient = """
            {"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://example.org/cs","code":"x"}]},
             "contact":[{"relationship":[{"coding":[{"system":"http://loinc.org","code":"8867-4"}]}],"name":{"family":"F"}}]}
            """;
        Assert.That(Validate(validator, patient, "p"), Is.Empty);
        Assert.That(Validate(validator, patient, "p", IssueSeverity.Warning), Is.EqualTo(new[]
        {
            "Patient.maritalStatus: ValueSet 'http://example.org/ValueSet/unknown' not found",
            "Patient.contact[0].relationship[0]: A definition for CodeSystem 'http://loinc.org' could not be found, so the code cannot be validated",
        }));
    }

    [Test]
    public void Without_terminology_bindings_are_not_checked()
    {
        var validator = ResourceValidator.Create(ProfilesTestData.Context.Registry);
        Assert.That(Validate(validator, """{"resourceType":"Patient","gender":"x"}"""), Is.Empty);
    }

    [Test]
    public void An_FR_Core_example_with_a_code_outside_its_required_binding_fails_where_the_code_is()
    {
        // FR Core Location binds Location.type (required) to fr-core-vs-location-type.
        var json = File.ReadAllText(Path.Combine(ProfilesTestData.ExamplesFolder, "hl7.fhir.fr.core", "Location-hopitaltest-endocrino-ch04.json"));
        var validator = ProfilesTestData.NewValidator();
        Assert.That(Validate(validator, json), Is.Empty);
        Assert.That(json, Does.Contain("\"CHAMB\""));
        var errors = Validate(validator, json.Replace("\"CHAMB\"", "\"CHAMBRE\""));
        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors[1], Is.EqualTo("Location.type[0].coding[0].code: Unknown code 'CHAMBRE' in the CodeSystem 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-location-type'"));
        Assert.That(errors[0], Does.StartWith(
            "Location.type[0]: None of the codings provided are in the value set 'FR Core ValueSet Location type' (https://hl7.fr/ig/fhir/core/ValueSet/fr-core-vs-location-type|2.2.0), and a coding from this value set is required)"));
        Assert.That(errors[0], Does.EndWith("#CHAMBRE)"));
    }

    [Test]
    public void A_code_given_only_by_extensions_has_no_code_for_a_required_binding()
    {
        // As the HL7 validator: a data-absent-reason in place of AllergyIntolerance.category (required) is no code.
        var errors = Validate(ProfilesTestData.NewValidator(), """
            {"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p"},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"entered-in-error"}]},
             "_category":[{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}]}
            """);
        Assert.That(errors, Is.EqualTo(new[]
        {
            "AllergyIntolerance.category[0]: No code provided, and a code is required from the value set 'AllergyIntoleranceCategory' (http://hl7.org/fhir/ValueSet/allergy-intolerance-category|4.0.1)",
        }));
    }

    [Test]
    public void A_value_set_stored_on_the_server_binds_like_a_packaged_one()
    {
        // As the server builds it: the membership over the packages and the store (CodeSystem and ValueSet writes).
        var stored = new StoredResources();
        var membership = new ValueSetMembership(new TerminologySources(ProfilesTestData.Context, stored), new TerminologyOptions());
        var validator = ResourceValidator.Create(ProfilesTestData.Context.Registry, membership);
        using var profile = System.Text.Json.JsonDocument.Parse($$$"""
            {"resourceType":"StructureDefinition","url":"{{{Base}}}stored","name":"Stored","status":"draft","kind":"resource","abstract":false,
             "type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint",
             "differential":{"element":[{"id":"Patient","path":"Patient"},
              {"id":"Patient.gender","path":"Patient.gender","binding":{"strength":"required","valueSet":"http://example.org/ValueSet/women"}}]}}
            """);
        Assert.That(validator.Profiles.Add(profile.RootElement), Is.Empty);
        const string patient = """{"resourceType":"Patient","gender":"male"}""";
        Assert.That(Validate(validator, patient, "stored", IssueSeverity.Warning), Is.EqualTo(new[] { "Patient.gender: ValueSet 'http://example.org/ValueSet/women' not found" }));
        stored.Committed("ValueSet", "women", 1, ProfilesTestData.Parse("""
            {"resourceType":"ValueSet","url":"http://example.org/ValueSet/women","name":"Women","status":"active",
             "compose":{"include":[{"system":"http://hl7.org/fhir/administrative-gender","concept":[{"code":"female"}]}]}}
            """));
        // 'male' is a code of the value set's system: its system is determined, only the binding's error is given.
        Assert.That(Validate(validator, patient, "stored"), Is.EqualTo(new[]
        {
            "Patient.gender: The value provided ('male') was not found in the value set 'http://example.org/ValueSet/women', and a code is required from this value set",
        }));
    }
}
