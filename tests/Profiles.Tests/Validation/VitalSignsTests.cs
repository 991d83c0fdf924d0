using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// R4 observation-vitalsigns.html: an Observation coded as a vital sign SHALL meet that sign's profile
/// (<see cref="ValidatorOptions.VitalSignsProfiles"/>), and the units binding of those profiles' components.
/// </summary>
public class VitalSignsTests
{
    private const string BodyTemperature = """
        {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://snomed.info/sct","code":"276885007"}]},
         "subject":{"reference":"Patient/1"},"effectiveDateTime":"2024-01-02","valueQuantity":{"value":37.2,"unit":"°C","system":"http://unitsofmeasure.org","code":"Cel"}}
        """;

    private static readonly ResourceValidator Applied = ProfilesTestData.NewValidator(new ValidatorOptions { VitalSignsProfiles = true });

    [Test]
    public void A_vital_sign_meets_its_profile_when_asked()
    {
        // Off by default: nothing but the base definition.
        Assert.That(ProfilesTestData.NewValidator().Validate(BodyTemperature).Errors(), Is.Empty);
        Assert.That(Applied.Validate(BodyTemperature).Errors().Select(i => $"{i.Expression}: {i.Message}"), Is.EquivalentTo(new[]
        {
            "Observation: Observation.category: minimum required = 1, but only found 0 (from http://hl7.org/fhir/StructureDefinition/bodytemp|4.0.1)",
            "Observation: Slice 'Observation.category:VSCat': a matching slice is required, but not found (from http://hl7.org/fhir/StructureDefinition/bodytemp|4.0.1). Note that other slices are allowed in addition to this required slice",
            "Observation.code: Slice 'Observation.code.coding:BodyTempCode': a matching slice is required, but not found (from http://hl7.org/fhir/StructureDefinition/bodytemp|4.0.1). Note that other slices are allowed in addition to this required slice",
        }));
    }

    [Test]
    public void A_profile_that_derives_from_the_signs_profile_is_enough()
    {
        // Declaring the sign's profile itself: validated once against it, not twice.
        var declared = BodyTemperature.Replace("\"status\"", "\"meta\":{\"profile\":[\"http://hl7.org/fhir/StructureDefinition/bodytemp\"]},\"status\"");
        Assert.That(Applied.Validate(declared).Errors().Count(), Is.EqualTo(Applied.Validate(BodyTemperature).Errors().Count()));
        // An Observation with another code is left to its base.
        Assert.That(Applied.Validate(BodyTemperature.Replace("276885007", "123456")).Errors(), Is.Empty);
    }

    [Test]
    public void The_units_binding_of_vital_sign_components_is_read_as_extensible()
    {
        // R4 binds every type of Observation.component.value[x] to ucum-vitals-common as required: a coded component
        // (here an oxygen flow in L/min) would be refused.
        const string oxygen = """
            {"resourceType":"Observation","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/oxygensat"]},"status":"final",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
             "code":{"coding":[{"system":"http://loinc.org","code":"2708-6"}]},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2024-01-02",
             "valueQuantity":{"value":95,"unit":"%","system":"http://unitsofmeasure.org","code":"%"},
             "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"3151-8"}]},"valueQuantity":{"value":6,"unit":"L/min","system":"http://unitsofmeasure.org","code":"L/min"}}]}
            """;
        var issues = Applied.Validate(oxygen).Issues;
        Assert.That(issues.Where(i => i.IsError), Is.Empty, Applied.Validate(oxygen).Describe());
        Assert.That(issues.Where(i => i.Expression == "Observation.component[0].value.ofType(Quantity)").Select(i => i.Severity), Has.One.EqualTo(Conformance.Model.IssueSeverity.Warning));
    }
}
