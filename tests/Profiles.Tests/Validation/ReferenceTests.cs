using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Reference.reference's form, the target's type against targetProfile, Reference.type, aggregation, target profiles, canonicals.</summary>
public class ReferenceTests
{
    private static readonly ResourceValidator Core = Validator();

    private static string Observation(string subject, string more = "") => $$"""
        {"resourceType":"Observation","status":"final","code":{"text":"weight"},"subject":{{subject}}{{more}}}
        """;

    private static string[] ErrorsOf(ValidationReport report) => [.. report.Errors().Select(i => i.Message)];

    [TestCase("""{"reference":"Patient/123"}""")]
    [TestCase("""{"reference":"Patient/123/_history/2"}""")]
    [TestCase("""{"reference":"http://example.org/fhir/Group/g1"}""")]
    [TestCase("""{"reference":"urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d"}""")]
    [TestCase("""{"reference":"Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|1234"}""")]
    [TestCase("""{"identifier":{"system":"urn:oid:1.2.3","value":"1"},"type":"Patient"}""")]
    [TestCase("""{"display":"somebody"}""")]
    public void Well_formed_references_to_allowed_types_pass(string subject)
    {
        var report = Core.Validate(Observation(subject));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
        Assert.That(report.Issues.Where(i => i.Expression?.Contains("subject") == true), Is.Empty, report.Describe());
    }

    [TestCase("Chicken/1", "The resource type Chicken in the reference Chicken/1 is not valid")]
    [TestCase("patient/1", "The resource type patient in the reference patient/1 is not valid")]
    [TestCase("https://example.org/Chicken/example", "The resource type Chicken in the reference https://example.org/Chicken/example is not valid")]
    [TestCase("denom-EXM104", "Relative URLs must be of the format [ResourceName]/[id]. Encountered denom-EXM104")]
    [TestCase("ht sdtps://example.org/Patient/1", "The reference 'ht sdtps://example.org/Patient/1' is not a valid reference")]
    public void A_malformed_reference_or_an_unknown_type_segment_is_an_error(string reference, string message)
    {
        var report = Core.Validate(Observation($$"""{"reference":"{{reference}}"}"""));
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Does.Contain((message, "Observation.subject")), report.Describe());
    }

    [Test]
    public void A_reference_whose_syntax_is_odd_is_a_warning()
    {
        var report = Core.Validate(Observation("""{"reference":"XXX/_history/1"}"""));
        Assert.That(report.Issues, Has.One.Matches<OutcomeIssue>(i => i.Severity == IssueSeverity.Warning &&
            i.Message == "The syntax of the reference 'XXX/_history/1' looks incorrect, and it should be checked"), report.Describe());
        Assert.That(report.Errors(), Is.Empty);
    }

    [Test]
    public void The_type_a_relative_reference_implies_must_be_a_target_of_the_element()
    {
        var report = Core.Validate(Observation("""{"reference":"Medication/m1"}"""));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            "The type 'Medication' implied by the reference URL Medication/m1 is not a valid Target for this element (must be one of [Device, Group, Location, Patient])",
        }), report.Describe());
    }

    [Test]
    public void Reference_type_must_agree_with_the_literal_reference_and_the_targets()
    {
        var report = Core.Validate(Observation("""{"reference":"Patient/1","type":"Group"}"""));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[] { "Invalid Resource target type. Found Group, but expected one of (Patient)" }), report.Describe());

        report = Core.Validate(Observation("""{"reference":"Patient/1","type":"patient"}"""));
        Assert.That(ErrorsOf(report), Is.EquivalentTo(new[]
        {
            "Invalid Resource target type. Found patient, but expected one of (Patient)",
            "The type 'patient' is not a valid Target for this element (must be one of [Device, Group, Location, Patient])",
        }), report.Describe());

        report = Core.Validate(Observation("""{"identifier":{"value":"1"},"type":"Medication"}"""));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            "The type 'Medication' is not a valid Target for this element (must be one of [Device, Group, Location, Patient])",
        }), report.Describe());
    }

    [Test]
    public void A_local_reference_resolves_to_a_contained_resource_whose_type_is_checked()
    {
        var contained = ""","contained":[{"resourceType":"Medication","id":"m1"}]""";
        var report = Core.Validate(Observation("""{"reference":"#m1"}""", contained));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            "The type 'Medication' is not a valid Target for this element (must be one of [Device, Group, Location, Patient])",
        }), report.Describe());

        report = Core.Validate(Observation("""{"reference":"#nothere"}""", contained));
        Assert.That(ErrorsOf(report), Does.Contain("Unable to resolve resource with reference '#nothere'"), report.Describe());
    }

    [Test]
    public void Aggregation_contained_refuses_a_reference_to_another_resource()
    {
        var validator = Validator(null, Profile("obs-contained", "Observation",
            """{"id":"Observation.subject","path":"Observation.subject","type":[{"code":"Reference","targetProfile":["http://hl7.org/fhir/StructureDefinition/Patient"],"aggregation":["contained"]}]}"""));
        var meta = $$""","meta":{"profile":["{{Base}}obs-contained"]}""";

        var external = validator.Validate(Observation("""{"reference":"Patient/1"}""", meta));
        Assert.That(ErrorsOf(external), Is.EqualTo(new[]
        {
            "Reference is external which isn't supported by the specified aggregation mode(s) for the reference (contained)",
        }), external.Describe());

        var contained = validator.Validate(Observation("""{"reference":"#p"}""", meta + ""","contained":[{"resourceType":"Patient","id":"p"}]"""));
        Assert.That(contained.Errors(), Is.Empty, contained.Describe());
    }

    [Test]
    public void Aggregation_bundled_holds_in_a_Bundle_only()
    {
        var validator = Validator(null, Profile("obs-bundled", "Observation",
            """{"id":"Observation.subject","path":"Observation.subject","type":[{"code":"Reference","targetProfile":["http://hl7.org/fhir/StructureDefinition/Patient"],"aggregation":["bundled"]}]}"""));
        var observation = Observation("""{"reference":"Patient/1"}""", $$""","meta":{"profile":["{{Base}}obs-bundled"]}""");

        Assert.That(validator.Validate(observation).Errors(), Is.Empty, "a resource on its own is not held to bundled");

        var outside = validator.Validate($$"""
            {"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"http://example.org/fhir/Observation/o1","resource":{{observation.Replace("\"status\"", "\"id\":\"o1\",\"status\"")}}}]}
            """);
        Assert.That(outside.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Reference is external which isn't supported by the specified aggregation mode(s) for the reference (bundled)", "Bundle.entry[0].resource.subject"),
        }), outside.Describe());

        var inside = validator.Validate($$$"""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"http://example.org/fhir/Observation/o1","resource":{{{observation.Replace("\"status\"", "\"id\":\"o1\",\"status\"")}}}},
              {"fullUrl":"http://example.org/fhir/Patient/1","resource":{"resourceType":"Patient","id":"1"}}]}
            """);
        Assert.That(inside.Errors(), Is.Empty, inside.Describe());
    }

    private static ResourceValidator TargetProfileValidator() => Validator(null,
        Profile("pat-born", "Patient", """{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}"""),
        Profile("obs-born", "Observation",
            $$"""{"id":"Observation.subject","path":"Observation.subject","type":[{"code":"Reference","targetProfile":["{{Base}}pat-born"]}]}"""));

    [Test]
    public void A_resolved_target_is_validated_against_the_target_profile()
    {
        var validator = TargetProfileValidator();
        var meta = $$""","meta":{"profile":["{{Base}}obs-born"]}""";

        var bad = validator.Validate(Observation("""{"reference":"#p"}""", meta + ""","contained":[{"resourceType":"Patient","id":"p"}]"""));
        Assert.That(bad.Errors().Single().Message, Does.StartWith($"Unable to find a profile match for #p among choices: {Base}pat-born"), bad.Describe());
        Assert.That(bad.Errors().Single().Message, Does.Contain("Patient.birthDate: minimum required = 1"));

        var good = validator.Validate(Observation("""{"reference":"#p"}""",
            meta + ""","contained":[{"resourceType":"Patient","id":"p","birthDate":"1970-01-01"}]"""));
        Assert.That(good.Errors(), Is.Empty, good.Describe());
    }

    [Test]
    public void A_target_the_resolver_finds_is_validated_and_one_it_cannot_find_is_not_an_error()
    {
        var validator = TargetProfileValidator();
        var observation = Observation("""{"reference":"Patient/9"}""", $$""","meta":{"profile":["{{Base}}obs-born"]}""");
        var patient = ProfilesTestData.Parse("""{"resourceType":"Patient","id":"9"}""");

        var found = validator.Validate(observation, r => r == "Patient/9" ? patient : null);
        Assert.That(found.Errors().Single().Message, Does.StartWith("Unable to find a profile match for Patient/9"), found.Describe());

        Assert.That(validator.Validate(observation, _ => null).Errors(), Is.Empty, "unresolvable: not checked, as the HL7 validator without a fetcher");
        Assert.That(validator.Validate(observation).Errors(), Is.Empty);
    }

    [Test]
    public void A_target_profile_not_known_here_is_an_error_once_the_target_is_at_hand()
    {
        var validator = Validator(null, Profile("obs-elsewhere", "Observation",
            """{"id":"Observation.subject","path":"Observation.subject","type":[{"code":"Reference","targetProfile":["http://example.org/other-guide/StructureDefinition/patient"]}]}"""));
        var meta = $$""","meta":{"profile":["{{Base}}obs-elsewhere"]}""";

        Assert.That(validator.Validate(Observation("""{"reference":"Patient/1"}""", meta)).Errors(), Is.Empty, "a target not at hand is not checked");
        var contained = validator.Validate(Observation("""{"reference":"#p"}""", meta + ""","contained":[{"resourceType":"Patient","id":"p"}]"""));
        Assert.That(contained.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Unable to resolve the profile reference 'http://example.org/other-guide/StructureDefinition/patient'", "Observation.subject"),
            ("Invalid Resource target type. Found Patient, but expected one of ()", "Observation.subject"),
        }), contained.Describe());
    }

    [Test]
    public void A_resolver_that_fails_leaves_the_target_unresolved()
    {
        var validator = TargetProfileValidator();
        var observation = Observation("""{"reference":"Patient/9"}""", $$""","meta":{"profile":["{{Base}}obs-born"]}""");
        var report = validator.Validate(observation, _ => throw new InvalidOperationException("the store is down"));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void A_canonical_is_absolute_or_a_fragment()
    {
        var report = Core.Validate("""
            {"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"Questionnaire/q1"}
            """);
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Canonical URLs must be absolute URLs if they are not fragment references (Questionnaire/q1)", "QuestionnaireResponse.questionnaire"),
        }), report.Describe());

        Assert.That(Core.Validate("""
            {"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"http://example.org/Questionnaire/q1|2"}
            """).Errors(), Is.Empty);
    }

    [Test]
    public void A_canonical_that_names_a_known_resource_of_another_type_is_an_error()
    {
        var report = Core.Validate("""
            {"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"http://hl7.org/fhir/StructureDefinition/Patient"}
            """);
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            "The canonical URL 'http://hl7.org/fhir/StructureDefinition/Patient' refers to a StructureDefinition, which is not a valid target here (must be one of [Questionnaire])",
        }), report.Describe());
    }

    [Test]
    public void A_canonical_that_names_an_added_profile_where_a_ValueSet_is_expected_is_an_error()
    {
        var validator = Validator(null, Profile("pat-plain", "Patient"));
        var report = validator.Validate($$$"""
            {"resourceType":"ValueSet","status":"draft","compose":{"include":[{"valueSet":["{{{Base}}}pat-plain"]}]}}
            """);
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            $"The canonical URL '{Base}pat-plain' refers to a StructureDefinition, which is not a valid target here (must be one of [ValueSet])",
        }), report.Describe());
    }
}
