using static FhirServer.Profiles.Tests.Validation.ValidationTestProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>fixed[x] and pattern[x] (R4 elementdefinition-definitions.html#ElementDefinition.fixed_x_, #ElementDefinition.pattern_x_).</summary>
public class FixedPatternTests
{
    private const string Source = Base + "p|1.0.0#";

    [Test]
    public void A_fixed_code_is_compared_exactly()
    {
        var validator = WithProfile("p", "Patient", """{"id":"Patient.gender","path":"Patient.gender","fixedCode":"female"}""");
        Assert.That(Validate(validator, """{"resourceType":"Patient","gender":"female"}""", "p"), Is.Empty);
        Assert.That(Validate(validator, """{"resourceType":"Patient","gender":"male"}""", "p"),
            Is.EqualTo(new[] { $"Patient.gender: Value is 'male' but is fixed to 'female' in the profile {Source}Patient.gender" }));
    }

    [Test]
    public void A_fixed_decimal_keeps_its_precision()
    {
        var validator = WithProfile("p", "Location",
            """{"id":"Location.position.latitude","path":"Location.position.latitude","fixedDecimal":1.50}""");
        const string instance = """{"resourceType":"Location","position":{"longitude":2,"latitude":LAT}}""";
        Assert.That(Validate(validator, instance.Replace("LAT", "1.50"), "p"), Is.Empty);
        Assert.That(Validate(validator, instance.Replace("LAT", "1.5"), "p"),
            Is.EqualTo(new[] { $"Location.position.latitude: Value is '1.5' but is fixed to '1.50' in the profile {Source}Location.position.latitude" }));
    }

    [Test]
    public void A_fixed_complex_value_allows_nothing_more()
    {
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.maritalStatus","path":"Patient.maritalStatus",
             "fixedCodeableConcept":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"M"}]}}
            """);
        Assert.That(Validate(validator, """
            {"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"M"}]}}
            """, "p"), Is.Empty);
        Assert.That(Validate(validator, """
            {"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus","code":"M","display":"Married"}]}}
            """, "p"), Is.EqualTo(new[]
        {
            "Patient.maritalStatus.coding[0].display: The element display is present in the instance but not allowed in the applicable fixed value specified in profile",
        }));
        Assert.That(Validate(validator, """{"resourceType":"Patient","maritalStatus":{"text":"married"}}""", "p"), Is.EqualTo(new[]
        {
            $"Patient.maritalStatus: Missing element 'coding' - required by fixed value assigned in profile {Source}Patient.maritalStatus",
            "Patient.maritalStatus.text: The element text is present in the instance but not allowed in the applicable fixed value specified in profile",
        }));
    }

    [Test]
    public void A_pattern_needs_its_elements_and_allows_others()
    {
        var validator = WithProfile("p", "Patient",
            """{"id":"Patient.identifier","path":"Patient.identifier","patternIdentifier":{"system":"urn:oid:1.2.250.1.213.1.4.8"}}""");
        Assert.That(Validate(validator, """
            {"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"x","use":"official"}]}
            """, "p"), Is.Empty);
        Assert.That(Validate(validator, """{"resourceType":"Patient","identifier":[{"value":"x"},{"system":"urn:oid:1.2.3","value":"y"}]}""", "p"), Is.EqualTo(new[]
        {
            $"Patient.identifier[0]: Missing element 'system' - required by pattern assigned in profile {Source}Patient.identifier",
            $"Patient.identifier[1].system: Value is 'urn:oid:1.2.3' but is fixed to 'urn:oid:1.2.250.1.213.1.4.8' in the profile {Source}Patient.identifier",
        }));
    }

    [Test]
    public void A_pattern_coding_is_found_among_the_codings()
    {
        var validator = WithProfile("p", "Observation", """
            {"id":"Observation.category","path":"Observation.category",
             "patternCodeableConcept":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}}
            """);
        const string observation = """
            {"resourceType":"Observation","status":"final","code":{"text":"weight"},"category":[{"coding":[CODINGS],"text":"t"}]}
            """;
        const string laboratory = """{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}""";
        const string vitalSigns = """{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}""";
        Assert.That(Validate(validator, observation.Replace("CODINGS", laboratory + "," + vitalSigns), "p"), Is.Empty);
        Assert.That(Validate(validator, observation.Replace("CODINGS", laboratory + "," + laboratory.Replace("laboratory", "imaging")), "p"), Is.EqualTo(new[]
        {
            "Observation.category[0]: The pattern [system http://terminology.hl7.org/CodeSystem/observation-category, code vital-signs, and display ''] " +
            $"defined in the profile {Source}Observation.category not found. Issues: Value is 'laboratory' but is fixed to 'vital-signs' in the profile {Source}Observation.category; " +
            $"Value is 'imaging' but is fixed to 'vital-signs' in the profile {Source}Observation.category",
        }));
    }

    [Test]
    public void A_fixed_url_on_an_extension_definition_is_checked_by_the_base()
    {
        // Extension.url is fixed in every extension definition: the url of an extension nested in a complex one too.
        var validator = WithProfile("p", "Patient", """{"id":"Patient.gender","path":"Patient.gender","fixedCode":"female"}""");
        Assert.That(Validate(validator, """
            {"resourceType":"Patient","gender":"female","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueAddress":{"city":"Paris"}}]}
            """, "p"), Is.Empty);
    }

    [Test]
    public void A_profile_pattern_does_not_reach_content_referenced_from_the_base()
    {
        // Parameters.parameter.part is #Parameters.parameter: in a profile, the base's content (IHE MHD Patch Parameters).
        var validator = WithProfile("p", "Parameters",
            """{"id":"Parameters.parameter.name","path":"Parameters.parameter.name","patternString":"operation"}""");
        Assert.That(Validate(validator, """
            {"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"add"}]},{"name":"other","valueString":"x"}]}
            """, "p"), Is.EqualTo(new[] { $"Parameters.parameter[1].name: Value is 'other' but is fixed to 'operation' in the profile {Source}Parameters.parameter.name" }));
    }
}
