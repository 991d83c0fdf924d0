using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using static FhirServer.Profiles.Tests.Validation.ValidationTestProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Codes of a complete code system present here, with or without a binding.</summary>
public class CodeSystemTests
{
    [Test]
    public void A_code_its_complete_system_does_not_define_is_an_error()
    {
        // Observation.category is bound preferred: the binding says nothing, the code system does.
        var errors = Validate(ProfilesTestData.NewValidator(), """
            {"resourceType":"Observation","status":"final","code":{"text":"t"},
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-sign"}]}]}
            """);
        Assert.That(errors, Is.EqualTo(new[]
        {
            "Observation.category[0].coding[0].code: Unknown code 'vital-sign' in the CodeSystem 'http://terminology.hl7.org/CodeSystem/observation-category'",
        }));
    }

    [Test]
    public void A_supplement_is_not_a_system_codes_come_from()
    {
        var stored = new FhirServer.Terminology.Sources.StoredResources();
        stored.Committed("CodeSystem", "supplement", 1, ProfilesTestData.Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/supplement","status":"draft","content":"supplement",
             "supplements":"http://loinc.org","concept":[{"code":"8867-4","designation":[{"language":"fr","value":"Fréquence cardiaque"}]}]}
            """));
        var validator = ProfilesTestData.NewValidator(stored);
        Assert.That(Validate(validator, """
            {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://example.org/cs/supplement","code":"8867-4"}]}}
            """), Is.EqualTo(new[]
        {
            "Observation.code.coding[0].system: CodeSystem http://example.org/cs/supplement is a supplement, so can't be used as a value in Coding.system",
        }));
    }

    [Test]
    public void A_display_must_be_one_of_the_concept_s_texts()
    {
        const string patient = """
            {"resourceType":"Patient","contact":[{"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0131","code":"C","display":"DISPLAY"}]}],"name":{"text":"x"}}]}
            """;
        const string wrong = "Patient.contact[0].relationship[0].coding[0].display: Wrong Display Name 'Urgence' for http://terminology.hl7.org/CodeSystem/v2-0131#C. Valid display is";
        var validator = ProfilesTestData.NewValidator();
        // Any case and spacing of the display: the same text.
        Assert.That(Validate(validator, patient.Replace("DISPLAY", "emergency  contact"), severity: IssueSeverity.Warning), Is.Empty);
        // A warning by default; an error as the HL7 validator gives it.
        Assert.That(Validate(validator, patient.Replace("DISPLAY", "Urgence")), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("DISPLAY", "Urgence"), severity: IssueSeverity.Warning), Has.One.StartsWith(wrong));
        var strict = new FhirServer.Profiles.Validation.ResourceValidator(validator.Schemas,
            validator.Options with { WrongDisplaySeverity = IssueSeverity.Error }, validator.Terminology);
        Assert.That(Validate(strict, patient.Replace("DISPLAY", "Urgence")), Has.One.StartsWith(wrong));
    }

    [Test]
    public void A_supplement_defines_no_code_of_its_own()
    {
        const string supplement = """
            {"resourceType":"CodeSystem","url":"http://example.org/cs/supplement","status":"draft","content":"supplement","supplements":"SYSTEM",
             "concept":[{"code":"CODE","designation":[{"language":"fr","value":"x"}]}]}
            """;
        string[] Check(string system, string code) => [.. Validate(ProfilesTestData.NewValidator(), supplement.Replace("SYSTEM", system).Replace("CODE", code))];
        Assert.That(Check("http://hl7.org/fhir/administrative-gender", "female"), Is.Empty);
        Assert.That(Check("http://loinc.org", "8867-4"), Is.Empty);
        Assert.That(Check("http://hl7.org/fhir/administrative-gender", "femme"), Is.EqualTo(new[]
        {
            "CodeSystem.concept[0]: The code 'femme' is not declared in the base CodeSystem http://hl7.org/fhir/administrative-gender so is not valid in the supplement",
        }));
        // LOINC is not here: a code that cannot be a LOINC code is still known not to be one.
        Assert.That(Check("http://loinc.org", "test"), Is.EqualTo(new[]
        {
            "CodeSystem.concept[0]: The code 'test' is not declared in the base CodeSystem http://loinc.org so is not valid in the supplement",
        }));
    }

    [Test]
    public void A_quantity_unit_is_checked_against_UCUM()
    {
        const string observation = """
            {"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"value":1,"system":"http://unitsofmeasure.org","code":"UNIT"}}
            """;
        var validator = ProfilesTestData.NewValidator();
        Assert.That(Validate(validator, observation.Replace("UNIT", "meq")), Is.Empty);
        // UCUM is case-sensitive: milliequivalents are meq.
        Assert.That(Validate(validator, observation.Replace("UNIT", "mEq")), Is.EqualTo(new[]
        {
            "Observation.value.ofType(Quantity).code: Unknown code 'mEq' in the CodeSystem 'http://unitsofmeasure.org'",
        }));
    }

    [Test]
    public void Systems_absent_or_without_their_content_say_nothing()
    {
        // LOINC is published in hl7.terminology without its content (content not-present).
        Assert.That(Validate(ProfilesTestData.NewValidator(), """
            {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"no-such-code"},{"system":"http://example.org/cs","code":"x"}]}}
            """), Is.Empty);
    }

    [Test]
    public void A_v2_identifier_type_made_from_the_NNxxx_template_is_a_code()
    {
        const string patient = """
            {"resourceType":"Patient","identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"CODE"}]},"value":"1"}]}
            """;
        var validator = ProfilesTestData.NewValidator();
        Assert.That(Validate(validator, patient.Replace("CODE", "NNFIN")), Is.Empty);
        Assert.That(Validate(validator, patient.Replace("CODE", "NNFINX")), Is.EqualTo(new[]
        {
            "Patient.identifier[0].type.coding[0].code: Unknown code 'NNFINX' in the CodeSystem 'http://terminology.hl7.org/CodeSystem/v2-0203'",
        }));
    }
}
