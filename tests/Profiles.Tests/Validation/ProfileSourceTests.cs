using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Definitions added to the validator's <see cref="ProfileSource"/>: never an exception for a malformed one, bases and
/// type profiles found among the added definitions, and a profile built on the current version of its base.
/// </summary>
public class ProfileSourceTests
{
    private static ProfileSource NewSource() => new(ProfilesTestData.Context.Registry);

    private static JsonElement Profile(string url, string type, string baseDefinition, string differential) =>
        JsonDocument.Parse($$$"""
            {"resourceType":"StructureDefinition","url":"{{{url}}}","name":"Test","status":"draft","kind":"resource","abstract":false,
             "type":"{{{type}}}","baseDefinition":"{{{baseDefinition}}}","derivation":"constraint","differential":{"element":{{{differential}}}}}
            """).RootElement.Clone();

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static IEnumerable<TestCaseData> Malformed()
    {
        yield return new TestCaseData("""{"resourceType":"StructureDefinition","url":3}""").SetName("url a number");
        yield return new TestCaseData("""[1,2]""").SetName("not an object");
        yield return new TestCaseData("""{"resourceType":"StructureDefinition","url":"http://e.org/a","type":"Patient","baseDefinition":7}""").SetName("baseDefinition a number");
        yield return new TestCaseData("""{"resourceType":"StructureDefinition","url":"http://e.org/a","type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","differential":[]}""").SetName("differential an array");
        yield return new TestCaseData("""{"resourceType":"StructureDefinition","url":"http://e.org/a","type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","differential":{"element":[1,{"path":3},{"path":"Patient.name","type":"HumanName"},{"path":"Patient.name.family","min":"x"}]}}""").SetName("differential elements of the wrong kinds");
        yield return new TestCaseData("""{"resourceType":"StructureDefinition","url":"http://e.org/a","type":"Patient","snapshot":{"element":[{"id":"Patient"},{"path":4},7]}}""").SetName("snapshot elements without path");
        yield return new TestCaseData("""{"resourceType":"StructureDefinition","url":"http://e.org/a","type":"Patient","snapshot":{"element":[{"path":"Patient","min":1.5,"type":"x","constraint":{},"representation":[3],"binding":"b","base":[]}]}}""").SetName("snapshot element properties of the wrong kinds");
    }

    [TestCaseSource(nameof(Malformed))]
    public void A_malformed_definition_gives_issues_not_exceptions(string json)
    {
        var source = NewSource();
        IReadOnlyList<OutcomeIssue> issues = [];
        Assert.DoesNotThrow(() => issues = source.Add(Json(json)));
        TestContext.Out.WriteLine(string.Join("\n", issues));
    }

    [Test]
    public void A_number_where_the_differential_has_a_string_is_read_as_meant()
    {
        // The HL7 validator suite's opdef-out-profile: "max": 0 as a JSON number.
        var source = NewSource();
        var issues = source.Add(Profile("http://example.org/sd/p", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            """[{"id":"Patient.photo","path":"Patient.photo","max":0}]"""));

        Assert.That(issues.Single().Severity, Is.EqualTo(IssueSeverity.Warning));
        Assert.That(source.Find("http://example.org/sd/p")!.Info.GetById("Patient.photo")!.Max, Is.EqualTo("0"));
    }

    [Test]
    public void Errors_in_a_differential_are_warnings_and_the_snapshot_is_used()
    {
        var source = NewSource();
        var issues = source.Add(Profile("http://example.org/sd/p", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            """[{"path":"Patient.dateOfBirth","min":1},{"path":"Patient.gender","min":1}]"""));

        Assert.That(issues.Select(i => (i.Severity, i.Expression)), Is.EqualTo(new[] { (IssueSeverity.Warning, "StructureDefinition.differential.element[0]") }));
        Assert.That(source.Find("http://example.org/sd/p")!.Info.GetById("Patient.gender")!.Min, Is.EqualTo(1));
    }

    [Test]
    public void A_definition_on_an_unknown_base_is_not_added()
    {
        var source = NewSource();
        var issues = source.Add(Profile("http://example.org/sd/p", "Patient", "http://example.org/sd/unknown", "[]"));

        Assert.That(issues.Any(i => i.IsError), Is.True);
        Assert.That(source.Find("http://example.org/sd/p"), Is.Null);
    }

    [Test]
    public void Bases_and_type_profiles_are_found_among_the_added_definitions()
    {
        var validator = ResourceValidator.Create(ProfilesTestData.Context.Registry);
        var source = validator.Profiles;
        Assert.That(source.Add(Profile("http://example.org/sd/name", "HumanName", "http://hl7.org/fhir/StructureDefinition/HumanName",
            """[{"id":"HumanName.family","path":"HumanName.family","min":1}]""")), Is.Empty);
        Assert.That(source.Add(Profile("http://example.org/sd/base", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            """[{"id":"Patient.gender","path":"Patient.gender","min":1}]""")), Is.Empty);
        Assert.That(source.Add(Profile("http://example.org/sd/leaf", "Patient", "http://example.org/sd/base",
            """
            [{"id":"Patient.name","path":"Patient.name","type":[{"code":"HumanName","profile":["http://example.org/sd/name"]}]},
             {"id":"Patient.name.given","path":"Patient.name.given","min":1}]
            """)), Is.Empty);

        var leaf = source.Find("http://example.org/sd/leaf")!.Info;
        Assert.That(leaf.GetById("Patient.gender")!.Min, Is.EqualTo(1), "from the added base");
        Assert.That(leaf.GetById("Patient.name.family")!.Min, Is.EqualTo(1), "from the added type profile");
        Assert.That(leaf.GetById("Patient.name.given")!.Min, Is.EqualTo(1));

        var report = validator.Validate(ProfilesTestData.Parse("""{"resourceType":"Patient","name":[{"text":"x"}]}"""), ["http://example.org/sd/leaf"]);
        Assert.That(report.Issues.Where(i => i.IsError).Select(i => i.Expression), Is.SupersetOf(new[] { "Patient", "Patient.name[0]" }));
    }

    [Test]
    public void A_profile_is_built_on_the_current_version_of_an_added_base()
    {
        var source = NewSource();
        source.Add(Profile("http://example.org/sd/base", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            """[{"id":"Patient.gender","path":"Patient.gender","min":1}]"""));
        source.Add(Profile("http://example.org/sd/leaf", "Patient", "http://example.org/sd/base", "[]"));
        source.Add(Profile("http://example.org/sd/base", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            """[{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}]"""));
        source.Add(Profile("http://example.org/sd/leaf", "Patient", "http://example.org/sd/base", "[]"));

        var leaf = source.Find("http://example.org/sd/leaf")!.Info;
        Assert.That(leaf.GetById("Patient.birthDate")!.Min, Is.EqualTo(1));
        Assert.That(leaf.GetById("Patient.gender")!.Min, Is.EqualTo(0), "the base's first version is not built on");
    }
}
