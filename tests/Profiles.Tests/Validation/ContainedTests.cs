using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Contained resources (R4 references.html §2.3.0.4, resource.html dom-2…dom-5): checked as resources of their own,
/// and the DomainResource invariants about them evaluated with this FHIRPath engine's %resource.
/// </summary>
public class ContainedTests
{
    private static readonly ResourceValidator Core = Validator();

    private static string Patient(string contained, string more = "") =>
        $$"""{"resourceType":"Patient","contained":[{{contained}}]{{more}}}""";

    private static string[] ErrorsOf(ValidationReport report) => [.. report.Errors().Select(i => $"{i.Expression}: {i.Message}")];

    [Test]
    public void Contained_resources_are_left_unchecked_when_the_options_say_so()
    {
        // An Observation without its status and code that nothing refers to: three errors by default (two minimums, dom-3).
        var contained = Patient("""{"resourceType":"Observation","id":"o"}""");
        Assert.That(Core.Validate(contained).Errors().Count(), Is.EqualTo(3), Core.Validate(contained).Describe());

        var ignoring = Validator(new ValidatorOptions { ValidateContained = false });
        var report = ignoring.Validate(contained);
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void A_referenced_contained_resource_passes_dom_3()
    {
        var report = Core.Validate(Patient("""{"resourceType":"Organization","id":"o1","name":"x"}""",
            ""","managingOrganization":{"reference":"#o1"}"""));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void A_contained_resource_nothing_refers_to_fails_dom_3_at_its_place()
    {
        var report = Core.Validate(Patient("""{"resourceType":"Organization","id":"o1","name":"x"}"""));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[] { "Patient.contained[0]: " + Dom3("o1") }), report.Describe());

        // A canonical counts as a reference as well (a contained ValueSet a Questionnaire binds).
        var questionnaire = Core.Validate("""
            {"resourceType":"Questionnaire","status":"active","contained":[{"resourceType":"ValueSet","id":"vs","status":"active"}],
             "item":[{"linkId":"1","type":"choice","answerValueSet":"#vs"}]}
            """);
        Assert.That(questionnaire.Errors(), Is.Empty, questionnaire.Describe());
    }

    [Test]
    public void A_contained_resource_that_refers_to_its_container_passes_dom_3()
    {
        var report = Core.Validate("""
            {"resourceType":"Patient","id":"p","contained":[
              {"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"subject":{"reference":"#"}}]}
            """);
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void A_contained_resource_the_narrative_shows_passes_dom_3()
    {
        var report = Core.Validate("""
            {"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><img src='#photo' alt=''/></div>"},
             "contained":[{"resourceType":"Binary","id":"photo","contentType":"image/png"}]}
            """);
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void Dom_3_in_a_Bundle_entry_looks_at_the_entry_resource()
    {
        // %resource is the entry's resource, not the Bundle: a reference elsewhere in the Bundle does not count.
        var report = Core.Validate("""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000001","resource":{"resourceType":"Patient",
                "contained":[{"resourceType":"Organization","id":"o1","name":"x"}],"managingOrganization":{"reference":"#o1"}}},
              {"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000002","resource":{"resourceType":"Patient",
                "contained":[{"resourceType":"Organization","id":"o1","name":"x"}]}}]}
            """);
        Assert.That(ErrorsOf(report), Is.EqualTo(new[] { "Bundle.entry[1].resource.contained[0]: " + Dom3("o1") }), report.Describe());
    }

    private static string Dom3(string id) =>
        $"The contained resource '{id}' is not referenced to from elsewhere in the containing resource nor does it refer to the containing resource (dom-3)";

    [Test]
    public void A_contained_resource_has_no_versionId_lastUpdated_or_security_dom_4_and_dom_5()
    {
        var versioned = Core.Validate(Patient("""{"resourceType":"Organization","id":"o1","name":"x","meta":{"versionId":"1"}}""",
            ""","managingOrganization":{"reference":"#o1"}"""));
        Assert.That(ErrorsOf(versioned), Has.One.StartsWith("Patient: Constraint failed: dom-4"), versioned.Describe());

        var labelled = Core.Validate(Patient(
            """{"resourceType":"Organization","id":"o1","name":"x","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]}}""",
            ""","managingOrganization":{"reference":"#o1"}"""));
        Assert.That(ErrorsOf(labelled), Has.One.StartsWith("Patient: Constraint failed: dom-5"), labelled.Describe());
    }

    [Test]
    public void A_contained_resource_is_validated_against_its_base_and_its_meta_profile()
    {
        var validator = Validator(null, Profile("org-named", "Organization", """{"id":"Organization.name","path":"Organization.name","min":1}"""));
        var report = validator.Validate($$$"""
            {"resourceType":"Patient","contained":[
               {"resourceType":"Organization","id":"o1","meta":{"profile":["{{{Base}}}org-named"]},"identifier":[{"value":"1"}]},
               {"resourceType":"Observation","id":"o2","code":{"text":"x"},"subject":{"reference":"#"}}],
             "managingOrganization":{"reference":"#o1"}}
            """);
        Assert.That(ErrorsOf(report), Is.EquivalentTo(new[]
        {
            $"Patient.contained[0]: Organization.name: minimum required = 1, but only found 0 (from {Base}org-named)",
            "Patient.contained[1]: Observation.status: minimum required = 1, but only found 0 (from http://hl7.org/fhir/StructureDefinition/Observation|4.0.1)",
        }), report.Describe());
    }

    [Test]
    public void Nested_contained_resources_are_refused_by_the_parser()
    {
        var result = ProfilesTestData.Context.Json.Parse("""
            {"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1",
              "contained":[{"resourceType":"Organization","id":"o2"}]}],"managingOrganization":{"reference":"#o1"}}
            """);
        Assert.That(result.Issues.Where(i => i.IsError).Select(i => i.Message), Has.Some.Contains("R4 dom-2"));
    }
}
