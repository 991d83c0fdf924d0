using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Bundle entries validated as resources, fullUrl rules, references resolved inside a Bundle, document rules.</summary>
public class BundleTests
{
    private static readonly ResourceValidator Core = Validator();

    private static string Bundle(string type, params string[] entries) =>
        $$"""{"resourceType":"Bundle","type":"{{type}}","entry":[{{string.Join(",", entries)}}]}""";

    private static string Entry(string? fullUrl, string resource, string more = "") =>
        fullUrl is null ? $$"""{"resource":{{resource}}{{more}}}""" : $$"""{"fullUrl":"{{fullUrl}}","resource":{{resource}}{{more}}}""";

    private static (string Message, string? Expression)[] ErrorsOf(ValidationReport report) =>
        [.. report.Errors().Select(i => (i.Message, i.Expression))];

    [Test]
    public void Each_entry_is_validated_against_its_own_profiles_with_its_location()
    {
        var validator = Validator(null, Profile("pat-born", "Patient", """{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}"""));
        var report = validator.Validate(Bundle("collection",
            Entry("urn:uuid:00000000-0000-0000-0000-000000000001", """{"resourceType":"Patient","birthDate":"1970-01-01"}"""),
            Entry("urn:uuid:00000000-0000-0000-0000-000000000002", $$$"""{"resourceType":"Patient","meta":{"profile":["{{{Base}}}pat-born"]}}"""),
            Entry("urn:uuid:00000000-0000-0000-0000-000000000003", """{"resourceType":"Observation","code":{"text":"x"}}""")));
        Assert.That(ErrorsOf(report), Is.EquivalentTo(new[]
        {
            ($"Patient.birthDate: minimum required = 1, but only found 0 (from {Base}pat-born)", "Bundle.entry[1].resource"),
            ("Observation.status: minimum required = 1, but only found 0 (from http://hl7.org/fhir/StructureDefinition/Observation|4.0.1)", "Bundle.entry[2].resource"),
        }), report.Describe());
    }

    [Test]
    public void A_fullUrl_is_absolute_and_a_RESTful_one_ends_with_the_resource_type_and_id()
    {
        var report = Core.Validate(Bundle("collection",
            Entry("Patient/1", """{"resourceType":"Patient","id":"1"}"""),
            Entry("http://example.org/fhir/Patient/12", """{"resourceType":"Patient","id":"2"}"""),
            Entry("http://example.org/fhir/Patient/3", """{"resourceType":"Patient"}"""),
            Entry("http://example.org/fhir/Patient/4", """{"resourceType":"Patient","id":"4"}"""),
            Entry("urn:uuid:00000000-0000-0000-0000-000000000005", """{"resourceType":"Patient","id":"5"}"""),
            Entry(null, """{"resourceType":"Patient","id":"6"}""")));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            ("The fullUrl must be an absolute URL (not 'Patient/1')", "Bundle.entry[0]"),
            ("The fullUrl 'http://example.org/fhir/Patient/12' looks like a RESTful server URL, so it must end with the correct type and id (/Patient/2)", "Bundle.entry[1]"),
            ("The fullUrl 'http://example.org/fhir/Patient/3' looks like a RESTful server URL, but the resource has no id", "Bundle.entry[2]"),
            ("Except for transactions and batches, each entry in a Bundle must have a fullUrl which is the identity of the resource in the entry", "Bundle.entry[5]"),
        }), report.Describe());
    }

    [Test]
    public void A_transaction_entry_may_have_no_fullUrl_and_a_created_resource_no_id()
    {
        var report = Core.Validate(Bundle("transaction",
            Entry(null, """{"resourceType":"Patient","id":"1"}""", ""","request":{"method":"PUT","url":"Patient/1"}"""),
            Entry("http://example.org/fhir/Patient/2", """{"resourceType":"Patient"}""", ""","request":{"method":"POST","url":"Patient"}""")));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void Duplicate_fullUrls_are_bdl_7()
    {
        var report = Core.Validate(Bundle("collection",
            Entry("urn:uuid:00000000-0000-0000-0000-000000000001", """{"resourceType":"Patient"}"""),
            Entry("urn:uuid:00000000-0000-0000-0000-000000000001", """{"resourceType":"Patient"}""")));
        Assert.That(report.Errors().Select(i => i.Message), Has.Some.StartsWith("Constraint failed: bdl-7"), report.Describe());
    }

    [Test]
    public void A_urn_reference_the_Bundle_does_not_hold_is_a_warning()
    {
        var report = Core.Validate(Bundle("transaction",
            Entry("urn:uuid:00000000-0000-0000-0000-000000000001",
                """{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:00000000-0000-0000-0000-0000000000ff"}}""",
                ""","request":{"method":"POST","url":"Observation"}""")));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
        Assert.That(report.Issues.Select(i => (i.Severity, i.Message, i.Expression)), Does.Contain((IssueSeverity.Warning,
            "URN reference is not locally contained within the bundle urn:uuid:00000000-0000-0000-0000-0000000000ff",
            "Bundle.entry[0].resource.subject")), report.Describe());
    }

    [Test]
    public void A_target_in_the_Bundle_has_its_type_checked()
    {
        var report = Core.Validate(Bundle("collection",
            Entry("urn:uuid:00000000-0000-0000-0000-000000000001",
                """{"resourceType":"Patient","generalPractitioner":[{"reference":"urn:uuid:00000000-0000-0000-0000-000000000002"}]}"""),
            Entry("urn:uuid:00000000-0000-0000-0000-000000000002", """{"resourceType":"Patient"}""")));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            ("The type 'Patient' is not a valid Target for this element (must be one of [Organization, Practitioner, PractitionerRole])",
                "Bundle.entry[0].resource.generalPractitioner[0]"),
        }), report.Describe());
    }

    [Test]
    public void A_relative_reference_resolves_against_the_entry_fullUrl_and_a_version_by_meta_versionId()
    {
        // R4's bundle-references example: two versions of Patient/45 under one fullUrl, a reference to version 2.
        var report = Core.Validate(Bundle("collection",
            Entry("http://example.org/fhir/Patient/45", """{"resourceType":"Patient","id":"45","meta":{"versionId":"1"}}"""),
            Entry("http://example.org/fhir/Patient/45", """{"resourceType":"Patient","id":"45","meta":{"versionId":"2"}}"""),
            Entry("http://example.org/fhir/Observation/47",
                """{"resourceType":"Observation","id":"47","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/45/_history/2"}}""")));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void A_relative_reference_takes_the_base_of_a_fullUrl_that_names_the_referring_resource()
    {
        // A relative fullUrl (an error of its own) has an empty base: its entry's references match relative fullUrls.
        var relative = Core.Validate(Document("Composition/c1", "Patient/p1", Entry("Patient/p1", """{"resourceType":"Patient","id":"p1"}""")));
        Assert.That(ErrorsOf(relative), Is.EquivalentTo(new[]
        {
            ("The fullUrl must be an absolute URL (not 'Composition/c1')", "Bundle.entry[0]"),
            ("The fullUrl must be an absolute URL (not 'Patient/p1')", "Bundle.entry[1]"),
        }), relative.Describe());

        // A fullUrl that does not end with the Composition's own type and id gives no base (the HL7 validator's rule).
        var otherId = Core.Validate(Document("http://example.org/fhir/Composition/c2", "Patient/p1",
            Entry("http://example.org/fhir/Patient/p1", """{"resourceType":"Patient","id":"p1"}""")));
        Assert.That(otherId.Errors().Select(i => i.Message), Has.Some.StartsWith("Can't find 'Patient/p1' in the bundle (Composition.subject)")
            .And.Some.StartsWith("Entry 'http://example.org/fhir/Patient/p1' isn't reachable"), otherId.Describe());
    }

    [Test]
    public void A_reference_that_names_no_one_version_of_several_is_ambiguous_and_a_missing_version_is_not_found()
    {
        ValidationReport Entry45(string reference) => Core.Validate(Bundle("collection",
            Entry("http://example.org/fhir/Patient/45", """{"resourceType":"Patient","id":"45","meta":{"versionId":"1"}}"""),
            Entry("http://example.org/fhir/Patient/45", """{"resourceType":"Patient","id":"45","meta":{"versionId":"2"}}"""),
            Entry("http://example.org/fhir/Observation/47",
                $$$"""{"resourceType":"Observation","id":"47","status":"final","code":{"text":"x"},"subject":{"reference":"{{{reference}}}"}}""")));
        var ambiguous = Entry45("Patient/45");
        Assert.That(ErrorsOf(ambiguous), Is.EqualTo(new[] { ("Multiple matches in bundle for reference Patient/45", "Bundle.entry[2].resource.subject") }),
            ambiguous.Describe());
        Assert.That(Entry45("Patient/45/_history/3").Errors(), Is.Empty, "a version the Bundle does not hold is outside it");

        // In a document's content both are errors of the document as well.
        var versions = new[]
        {
            Entry("http://example.org/fhir/Patient/p1", """{"resourceType":"Patient","id":"p1","meta":{"versionId":"1"}}"""),
            Entry("http://example.org/fhir/Patient/p1", """{"resourceType":"Patient","id":"p1","meta":{"versionId":"2"}}"""),
        };
        var document = Core.Validate(Document("http://example.org/fhir/Composition/c1", "Patient/p1", versions));
        Assert.That(document.Errors().Select(i => i.Message), Is.SupersetOf(new[]
        {
            "Multiple matches in bundle for reference Patient/p1", "Found 2 matches for 'Patient/p1' in the bundle (Composition.subject)",
        }), document.Describe());
        var missing = Core.Validate(Document("http://example.org/fhir/Composition/c1", "Patient/p1/_history/3", versions));
        Assert.That(missing.Errors().Select(i => i.Message), Has.Some.StartsWith(
            "Can't find 'Patient/p1/_history/3' in the bundle (Composition.subject). Note that there are 2 resources in the bundle with the same type and id"),
            missing.Describe());
    }

    [Test]
    public void A_relative_reference_from_a_urn_entry_whose_id_is_the_urn_of_another_type_is_wrong()
    {
        var report = Core.Validate(Bundle("collection",
            Entry("urn:uuid:54fc3e09-e279-4b74-a8ff-2649ec968642",
                """{"resourceType":"Patient","generalPractitioner":[{"reference":"Practitioner/5d9588d8-3cd6-4b32-8fb7-ad13694e069d"}]}"""),
            Entry("urn:uuid:5d9588d8-3cd6-4b32-8fb7-ad13694e069d", """{"resourceType":"Organization","name":"foo"}""")));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            ("Matching reference for reference Practitioner/5d9588d8-3cd6-4b32-8fb7-ad13694e069d has resourceType Organization",
                "Bundle.entry[0].resource.generalPractitioner[0]"),
        }), report.Describe());
    }

    [Test]
    public void A_relative_reference_in_an_entry_without_fullUrl_has_nothing_to_resolve_against()
    {
        var observation = """{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}""";
        var report = Core.Validate(Bundle("transaction", Entry(null, observation, ""","request":{"method":"POST","url":"Observation"}""")));
        Assert.That(ErrorsOf(report), Is.EquivalentTo(new[]
        {
            ("Bundle entry missing fullUrl", "Bundle.entry[0]"),
            ("Relative Reference appears inside Bundle whose entry is missing a fullUrl", "Bundle.entry[0].resource.subject"),
        }), report.Describe());
        var response = Core.Validate(Bundle("transaction-response", Entry(null, observation, ""","response":{"status":"201"}""")));
        Assert.That(response.Errors(), Is.Empty, response.Describe());
    }

    private static string Composition(string subject) => $$$"""
        {"resourceType":"Composition","id":"c1","status":"final","type":{"text":"summary"},"date":"2024-01-01","title":"t",
         "author":[{"display":"somebody"}],"subject":{"reference":"{{{subject}}}"}}
        """;

    private static string Document(string compositionFullUrl, string subject, params string[] more) =>
        $$"""
        {"resourceType":"Bundle","type":"document","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:00000000-0000-0000-0000-0000000000dd"},
         "timestamp":"2024-01-01T00:00:00Z","entry":[{{string.Join(",", [Entry(compositionFullUrl, Composition(subject)), .. more])}}]}
        """;

    [Test]
    public void A_document_holds_what_its_Composition_refers_to()
    {
        var patient = Entry("http://example.org/fhir/Patient/p1", """{"resourceType":"Patient","id":"p1"}""");
        Assert.That(Core.Validate(Document("http://example.org/fhir/Composition/c1", "Patient/p1", patient)).Errors(), Is.Empty);

        var missing = Core.Validate(Document("http://example.org/fhir/Composition/c1", "Patient/p2", patient));
        Assert.That(ErrorsOf(missing), Is.EquivalentTo(new[]
        {
            ("Can't find 'Patient/p2' in the bundle (Composition.subject)", "Bundle.entry[0].resource.subject"),
            ("Entry 'http://example.org/fhir/Patient/p1' isn't reachable by traversing links (forward or backward) from the Composition", "Bundle.entry[1]"),
        }), missing.Describe());
    }

    [Test]
    public void A_document_may_refer_to_a_former_document_outside_it()
    {
        var report = Core.Validate(Document("http://example.org/fhir/Composition/c1", "Patient/p1",
            Entry("http://example.org/fhir/Patient/p1", """{"resourceType":"Patient","id":"p1"}""")).Replace(
                "\"title\":\"t\"", "\"title\":\"t\",\"relatesTo\":[{\"code\":\"replaces\",\"targetReference\":{\"reference\":\"Composition/c0\"}}]"));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void A_document_holds_only_what_its_Composition_leads_to_and_Provenance()
    {
        var report = Core.Validate(Document("http://example.org/fhir/Composition/c1", "Patient/p1",
            Entry("http://example.org/fhir/Patient/p1", """{"resourceType":"Patient","id":"p1","managingOrganization":{"reference":"Organization/o1"}}"""),
            Entry("http://example.org/fhir/Organization/o1", """{"resourceType":"Organization","id":"o1","name":"reached through the Patient"}"""),
            Entry("http://example.org/fhir/Provenance/pr1",
                """{"resourceType":"Provenance","id":"pr1","target":[{"reference":"Composition/c1"}],"recorded":"2024-01-01T00:00:00Z","agent":[{"who":{"display":"x"}}]}"""),
            Entry("http://example.org/fhir/Observation/ob1",
                """{"resourceType":"Observation","id":"ob1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}"""),
            Entry("http://example.org/fhir/Patient/p9", """{"resourceType":"Patient","id":"p9"}""")));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            ("Entry 'http://example.org/fhir/Patient/p9' isn't reachable by traversing links (forward or backward) from the Composition", "Bundle.entry[5]"),
        }), report.Describe());
        Assert.That(report.Issues.Where(i => i.Severity == IssueSeverity.Warning).Select(i => (i.Message, i.Expression)), Does.Contain((
            "Entry 'http://example.org/fhir/Observation/ob1' isn't reachable by traversing forwards from the Composition. Only Provenance is approved to be used this way (R4 section 3.3.1)",
            "Bundle.entry[4]")), report.Describe());
    }

    [Test]
    public void A_relative_reference_from_a_urn_entry_does_not_match_by_type_and_id_and_the_message_says_why()
    {
        var report = Core.Validate(Document("urn:uuid:00000000-0000-0000-0000-0000000000c1", "Patient/p1",
            Entry("urn:uuid:00000000-0000-0000-0000-0000000000a1", """{"resourceType":"Patient","id":"p1"}""")));
        Assert.That(report.Errors().Single(i => i.Message.StartsWith("Can't find")).Message, Is.EqualTo(
            "Can't find 'Patient/p1' in the bundle (Composition.subject). Note that there is a resource in the bundle with the same type and id, " +
            "but it does not match because of the fullUrl based rules around matching relative references. Found " +
            "'urn:uuid:00000000-0000-0000-0000-0000000000a1', but it doesn't match because of the source fullUrl 'urn:uuid:00000000-0000-0000-0000-0000000000c1'"),
            report.Describe());
    }

    [Test]
    public void A_document_starts_with_a_Composition_bdl_11()
    {
        var report = Core.Validate($$"""
            {"resourceType":"Bundle","type":"document","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:00000000-0000-0000-0000-0000000000dd"},
             "timestamp":"2024-01-01T00:00:00Z","entry":[{{Entry("http://example.org/fhir/Patient/p1", """{"resourceType":"Patient","id":"p1"}""")}}]}
            """);
        Assert.That(report.Errors().Select(i => i.Message), Has.Some.StartsWith("Constraint failed: bdl-11"), report.Describe());
    }
}
