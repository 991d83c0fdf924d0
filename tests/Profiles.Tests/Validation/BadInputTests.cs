using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Whatever a resource or a definition holds, a validation ends, in bounded time, with issues: never an exception
/// (other than a cancellation) and never a hang.
/// </summary>
public class BadInputTests
{
    private const string PatientWithProfile = """{"resourceType":"Patient","meta":{"profile":["http://example.org/fhir/StructureDefinition/nowhere"]}}""";

    [Test]
    public void An_unknown_meta_profile_is_a_warning_by_default()
    {
        var report = Validator().Validate(PatientWithProfile);
        Assert.That(report.Issues.Select(i => (i.Severity, i.Message, i.Expression)), Does.Contain((IssueSeverity.Warning,
            "Profile reference 'http://example.org/fhir/StructureDefinition/nowhere' has not been checked because it is unknown.",
            "Patient.meta.profile[0]")), report.Describe());
        Assert.That(report.IsValid, Is.True);
    }

    [Test]
    public void An_unknown_meta_profile_is_an_error_when_the_options_say_so()
    {
        var report = Validator(new ValidatorOptions { UnknownProfileSeverity = IssueSeverity.Error }).Validate(PatientWithProfile);
        Assert.That(report.Errors().Select(i => i.Message), Is.EqualTo(new[]
        {
            "Profile reference 'http://example.org/fhir/StructureDefinition/nowhere' has not been checked because it is unknown.",
        }), report.Describe());
    }

    [Test]
    public void An_unknown_profile_an_element_type_names_is_an_error()
    {
        // The definition the instance is held to names it: unknown, part of that definition cannot be checked.
        var validator = Validator(null, Profile("typed-identifier", "Patient",
            """{"id":"Patient.identifier","path":"Patient.identifier","type":[{"code":"Identifier","profile":["http://example.org/fhir/StructureDefinition/nowhere"]}]}"""));
        var report = validator.Validate($$$"""{"resourceType":"Patient","meta":{"profile":["{{{Base}}}typed-identifier"]},"identifier":[{"value":"1"}]}""");
        Assert.That(report.Errors().Select(i => $"{i.Expression}: {i.Message}"), Is.EqualTo(new[]
        {
            "Patient.identifier[0]: Unknown profile http://example.org/fhir/StructureDefinition/nowhere",
        }), report.Describe());
    }

    [Test]
    public void A_meta_profile_for_another_type_is_an_error()
    {
        var report = Validator().Validate("""
            {"resourceType":"Patient","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/vitalsigns"]}}
            """);
        Assert.That(report.Errors().Select(i => i.Message), Is.EqualTo(new[]
        {
            "The profile 'http://hl7.org/fhir/StructureDefinition/vitalsigns' constrains Observation, not Patient.",
        }), report.Describe());
    }

    private static IReadOnlyList<OutcomeIssue> Add(ResourceValidator validator, string json)
    {
        using var doc = JsonDocument.Parse(json);
        return validator.Profiles.Add(doc.RootElement);
    }

    [Test]
    public void A_definition_without_snapshot_or_differential_or_url_is_refused_with_an_issue()
    {
        var validator = Validator();
        Assert.That(Add(validator, """{"resourceType":"StructureDefinition","url":"http://example.org/x","type":"Patient"}""").Single(i => i.IsError).Message,
            Does.StartWith("A StructureDefinition needs a baseDefinition"));
        Assert.That(Add(validator, """{"resourceType":"StructureDefinition","type":"Patient"}""").Single().Message,
            Is.EqualTo("The StructureDefinition has no url (a string)."));
    }

    [Test]
    public void A_snapshot_that_cannot_be_read_is_refused_with_an_issue()
    {
        var issues = Add(Validator(), """
            {"resourceType":"StructureDefinition","url":"http://example.org/pathless","type":"Patient","snapshot":{"element":[{"id":"Patient"}]}}
            """);
        Assert.That(issues.Single().Message, Is.EqualTo("A snapshot element has no path (a string): the snapshot cannot be used."));
    }

    [Test]
    public void A_snapshot_without_its_root_element_makes_an_issue_of_the_resources_that_use_it()
    {
        var validator = Validator();
        Assert.That(Add(validator, """
            {"resourceType":"StructureDefinition","url":"http://example.org/fhir/StructureDefinition/rootless","name":"Rootless","status":"active",
             "kind":"resource","abstract":false,"type":"Patient","derivation":"constraint","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",
             "snapshot":{"element":[{"id":"Patient.name","path":"Patient.name","min":0,"max":"*","type":[{"code":"HumanName"}]}]}}
            """), Is.Empty);
        var report = validator.Validate("""{"resourceType":"Patient","meta":{"profile":["http://example.org/fhir/StructureDefinition/rootless"]}}""");
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("The profile 'http://example.org/fhir/StructureDefinition/rootless' cannot be used: the snapshot of " +
             "http://example.org/fhir/StructureDefinition/rootless has no root element (snapshot.element[0] must be the element 'Patient')", "Patient.meta.profile[0]"),
        }), report.Describe());
    }

    [Test]
    public void An_invariant_that_does_not_compile_or_fails_at_run_time_is_a_warning()
    {
        var validator = Validator(null, Profile("pat-odd-invariants", "Patient",
            """
            {"id":"Patient","path":"Patient","constraint":[
              {"key":"odd-1","severity":"error","human":"does not compile","expression":"name.given.(((","xpath":"x"},
              {"key":"odd-2","severity":"error","human":"single() of several","expression":"name.given.single() = 'a'","xpath":"x"},
              {"key":"odd-3","severity":"error","human":"a regex that is not one","expression":"name.given.first().matches('(')","xpath":"x"}]}
            """));
        var report = validator.Validate($$"""
            {"resourceType":"Patient","meta":{"profile":["{{Base}}pat-odd-invariants"]},"name":[{"given":["a","b"]}]}
            """);
        Assert.That(report.Errors(), Is.Empty, report.Describe());
        Assert.That(report.Issues.Where(i => i.Severity == IssueSeverity.Warning).Select(i => i.Message), Has.Some.StartsWith("Constraint odd-1").And.Some.StartsWith("Constraint odd-2").And.Some.StartsWith("Constraint odd-3"),
            report.Describe());
    }

    /// <summary>Two Patient profiles, each requiring a birth date and a link to a Patient of the other.</summary>
    private static ResourceValidator CircularValidator(ValidatorOptions? options = null) => Validator(options,
        Profile("pat-circle-a", "Patient", """{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}""",
            $$"""{"id":"Patient.link.other","path":"Patient.link.other","type":[{"code":"Reference","targetProfile":["{{Base}}pat-circle-b"]}]}"""),
        Profile("pat-circle-b", "Patient", """{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}""",
            $$"""{"id":"Patient.link.other","path":"Patient.link.other","type":[{"code":"Reference","targetProfile":["{{Base}}pat-circle-a"]}]}"""));

    private static string LinkedPatients(string secondBirthDate) => $$$"""
        {"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"http://example.org/fhir/Patient/a","resource":{"resourceType":"Patient","id":"a","meta":{"profile":["{{{Base}}}pat-circle-a"]},
            "birthDate":"1970-01-01","link":[{"other":{"reference":"Patient/b"},"type":"seealso"}]}},
          {"fullUrl":"http://example.org/fhir/Patient/b","resource":{"resourceType":"Patient","id":"b",{{{secondBirthDate}}}
            "link":[{"other":{"reference":"Patient/a"},"type":"seealso"}]}}]}
        """;

    [Test]
    public void Profiles_whose_targets_point_at_each_other_end_and_still_judge_the_targets()
    {
        var validator = CircularValidator();
        Assert.That(validator.Validate(LinkedPatients("\"birthDate\":\"1980-01-01\",")).Errors(), Is.Empty);

        var report = validator.Validate(LinkedPatients(""));
        Assert.That(report.Errors().Select(i => (i.Expression, i.Message[..50])), Is.EqualTo(new[]
        {
            ("Bundle.entry[0].resource.link[0].other", $"Unable to find a profile match for Patient/b among"),
        }), report.Describe());
    }

    [Test]
    public void Profiles_nested_past_the_limit_end_with_an_issue()
    {
        // Patient's own definition asked for as a profile (depth 1), whose extension has a definition (depth 2): past a limit of 1.
        var report = Validator(new ValidatorOptions { MaxProfileDepth = 1 }).Validate("""
            {"resourceType":"Patient","meta":{"profile":["http://hl7.org/fhir/StructureDefinition/Patient"]},
             "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueAddress":{"city":"Lyon"}}]}
            """);
        Assert.That(report.Errors().Select(i => i.Message), Has.One.StartsWith("Profiles nest more than 1 deep here (ValidatorOptions.MaxProfileDepth): " +
            "'http://hl7.org/fhir/StructureDefinition/patient-birthPlace"), report.Describe());
    }

    private static string LargeBundle(int entries)
    {
        var sb = new StringBuilder("""{"resourceType":"Bundle","type":"collection","entry":[""");
        for (var i = 0; i < entries; i++)
        {
            if (i > 0) sb.Append(',');
            var id = $"00000000-0000-0000-0000-{i:D12}";
            // Every 1000th Patient has a link without its required other; every Observation points at a Patient.
            var link = i % 1000 == 0 ? ""","link":[{"type":"seealso"}]""" : "";
            sb.Append(i % 2 == 0
                ? $$$"""{"fullUrl":"urn:uuid:{{{id}}}","resource":{"resourceType":"Patient","id":"p{{{i}}}"{{{link}}}}}"""
                : $$$$"""{"fullUrl":"urn:uuid:{{{{id}}}}","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:00000000-0000-0000-0000-{{{{i - 1:D12}}}}"}}}""");
        }
        return sb.Append("]}").ToString();
    }

    [Test]
    public void A_10000_entry_Bundle_is_validated_with_each_issue_at_its_entry()
    {
        var report = Validator().Validate(LargeBundle(10_000));
        Assert.That(report.Errors().Select(i => i.Expression), Is.EqualTo(Enumerable.Range(0, 10).Select(k => $"Bundle.entry[{k * 1000}].resource.link[0]")),
            report.Describe());
        Assert.That(report.Errors().Select(i => i.Message).Distinct(), Is.EqualTo(new[]
        {
            "Patient.link.other: minimum required = 1, but only found 0 (from http://hl7.org/fhir/StructureDefinition/Patient|4.0.1)",
        }));
    }

    [Test]
    public void A_cancelled_validation_throws_OperationCanceledException_and_nothing_else()
    {
        var bundle = ProfilesTestData.Parse(LargeBundle(2_000));
        Assert.That(() => Validator().Validate(bundle, cancellation: new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Warnings_past_the_issue_cap_leave_the_resource_valid_and_errors_past_it_do_not()
    {
        var validator = ProfilesTestData.NewValidator(new ValidatorOptions { MaxIssues = 2 });
        string Patient(string extra) => "{\"resourceType\":\"Patient\",\"extension\":[" +
            string.Join(",", Enumerable.Range(0, 5).Select(i => $"{{\"url\":\"http://example.org/unknown-{i}\",\"valueString\":\"x\"}}")) +
            "]" + extra + "}";
        // Five unknown extensions: five warnings, two reported, the rest counted in a closing warning.
        var warnings = validator.Validate(ProfilesTestData.Parse(Patient("")));
        Assert.That(warnings.IsValid, Is.True, warnings.Describe());
        Assert.That(warnings.Issues[^1].Severity, Is.EqualTo(IssueSeverity.Warning));
        Assert.That(warnings.Issues[^1].Message, Does.StartWith("3 more issue(s) not reported (0 of them errors)"));
        // An error among those left out keeps the resource invalid.
        var errors = validator.Validate(ProfilesTestData.Parse(Patient(",\"link\":[{\"type\":\"seealso\"}]")));
        Assert.That(errors.IsValid, Is.False);
        Assert.That(errors.Issues[^1].Severity, Is.EqualTo(IssueSeverity.Error));
    }
}
