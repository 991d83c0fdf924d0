using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// The invariants the validator checks without FHIRPath (dom-3, exists()/empty() paths) and the answer shared by
/// invariants with the same expression on one node (txt-1 and txt-2): the same verdicts and messages as the FHIRPath.
/// </summary>
public class NativeInvariantTests
{
    private static ResourceValidator NewValidator() => ResourceValidator.Create(ProfilesTestData.Context.Registry);

    private static IReadOnlyList<OutcomeIssue> Validate(string json, params string[] profiles) =>
        NewValidator().Validate(ProfilesTestData.Parse(json), profiles).Issues;

    // Two identifier systems: %resource.descendants().as(uri) has two items, on which as() is an error in FHIRPath.
    private const string PatientWithContained = """
        {"resourceType":"Patient","id":"p",
         "contained":[{"resourceType":"Organization","id":"org","name":"Clinique"%PARTOF%}],
         "identifier":[{"system":"urn:oid:1.2.3","value":"1"},{"system":"urn:oid:1.2.4","value":"2"}]%MANAGING%}
        """;

    private static string Patient(string managing = "", string partOf = "") =>
        PatientWithContained.Replace("%MANAGING%", managing).Replace("%PARTOF%", partOf);

    [Test]
    public void Dom3_a_contained_resource_referred_to_passes()
    {
        var issues = Validate(Patient(managing: ""","managingOrganization":{"reference":"#org"}"""));
        Assert.That(issues.Where(i => i.Message.Contains("dom-3")), Is.Empty);
    }

    [Test]
    public void Dom3_a_contained_resource_nothing_refers_to_fails_on_the_contained_resource()
    {
        // As the HL7 validator reports it: on the contained resource, naming it.
        var issues = Validate(Patient()).Where(i => i.Message.Contains("dom-3")).ToList();
        Assert.That(issues, Has.Count.EqualTo(1));
        Assert.That(issues[0].Severity, Is.EqualTo(IssueSeverity.Error));
        Assert.That(issues[0].Expression, Is.EqualTo("Patient.contained[0]"));
        Assert.That(issues[0].Message, Does.StartWith("The contained resource 'org' is not referenced to from elsewhere in the containing resource"));
    }

    [Test]
    public void Dom3_a_contained_resource_that_refers_to_its_container_passes()
    {
        var issues = Validate(Patient(partOf: ""","partOf":{"reference":"#"}"""));
        Assert.That(issues.Where(i => i.Message.Contains("dom-3")), Is.Empty);
    }

    [Test]
    public void Ref1_a_local_reference_names_a_contained_resource_of_the_root()
    {
        Assert.That(Validate(Patient(managing: ""","managingOrganization":{"reference":"#org"}""")).Where(i => i.Message.Contains("ref-1")), Is.Empty);
        // In a contained resource, %rootResource is the container: a sibling is found, and the container is "#".
        Assert.That(Validate(Patient(managing: ""","managingOrganization":{"reference":"#org"}""", partOf: ""","partOf":{"reference":"#org"}"""))
            .Where(i => i.Message.Contains("ref-1")), Is.Empty);
        Assert.That(Validate(Patient(managing: ""","managingOrganization":{"reference":"#org"}""", partOf: ""","partOf":{"reference":"#"}"""))
            .Where(i => i.Message.Contains("ref-1")), Is.Empty);

        var issues = Validate(Patient(managing: ""","managingOrganization":{"reference":"#other"}""")).Where(i => i.Message.Contains("ref-1")).ToList();
        Assert.That(issues.Select(i => (i.Severity, i.Expression)), Is.EqualTo(new[] { (IssueSeverity.Error, "Patient.managingOrganization") }));
        Assert.That(issues[0].Message, Does.StartWith("Constraint failed: ref-1: 'SHALL have a contained resource if a local reference is provided'"));
    }

    [Test]
    public void Existence_invariant_fails_as_its_fhirpath_would()
    {
        // qty-3: code.empty() or system.exists()
        var issues = Validate("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"code":"mg"}}""");
        Assert.That(issues.Select(i => (i.Expression, i.Message[..Math.Min(26, i.Message.Length)])),
            Does.Contain(("Observation.value.ofType(Quantity)", "Constraint failed: qty-3: ")));
        var valid = Validate("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"code":"mg","system":"http://unitsofmeasure.org"}}""");
        Assert.That(valid.Where(i => i.Message.Contains("qty-3")), Is.Empty);
    }

    [Test]
    public void Existence_invariant_and_binds_tighter_than_or()
    {
        var validator = NewValidator();
        using var profile = JsonDocument.Parse("""
            {"resourceType":"StructureDefinition","url":"http://example.org/StructureDefinition/precedence","name":"Precedence",
             "status":"active","kind":"resource","abstract":false,"type":"Patient","derivation":"constraint",
             "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient",
             "differential":{"element":[{"id":"Patient","path":"Patient","constraint":[{"key":"tst-1","severity":"error",
               "human":"gender, or else birth date and active","expression":"gender.exists() or birthDate.exists() and active.exists()"}]}]}}
            """);
        Assert.That(validator.Profiles.Add(profile.RootElement), Is.Empty);
        string[] url = ["http://example.org/StructureDefinition/precedence"];
        IEnumerable<string> Failures(string json) =>
            validator.Validate(ProfilesTestData.Parse(json), url).Issues.Select(i => i.Message).Where(m => m.Contains("tst-1"));

        // true or (false and false): holds; read left to right, (true or false) and false would not.
        Assert.That(Failures("""{"resourceType":"Patient","gender":"male"}"""), Is.Empty);
        Assert.That(Failures("""{"resourceType":"Patient","birthDate":"1970"}"""), Has.Exactly(1).Items);
        Assert.That(Failures("""{"resourceType":"Patient","birthDate":"1970","active":true}"""), Is.Empty);
    }

    [Test]
    public void Invariants_with_the_same_expression_on_one_node_are_both_reported()
    {
        // txt-1 and txt-2 are both htmlChecks(): the second takes the first's answer. The parser reports the div too,
        // and keeps it.
        var parsed = ProfilesTestData.Context.Json.Parse("""
            {"resourceType":"Basic","code":{"text":"x"},"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x</div>"}}
            """);
        Assert.That(parsed.Resource, Is.Not.Null);
        var issues = NewValidator().Validate(parsed.Resource!).Issues;
        var keys = issues.Where(i => i.Expression == "Basic.text.div").Select(i => i.Message[..24]).ToList();
        Assert.That(keys, Is.EquivalentTo(new[] { "Constraint failed: txt-1", "Constraint failed: txt-2" }), string.Join("; ", issues));
    }

    [Test]
    public void Ele1_is_not_reported_on_an_element_whose_content_the_parser_refused()
    {
        // The parser reports the empty array and the unknown property; the elements were not empty as written.
        var json = ProfilesTestData.Context.Json.Parse("""
            {"resourceType":"Observation","status":"final","code":{"text":"x"},"category":[{"coding":[]}],"_valueInteger":{"value":0}}
            """);
        Assert.That(json.Issues.Count(i => i.IsError), Is.EqualTo(2), string.Join("; ", json.Issues));
        var issues = NewValidator().Validate(json.Resource!).Issues;
        Assert.That(issues.Where(i => i.Message.Contains("ele-1")), Is.Empty, string.Join("; ", issues));

        // In XML, a primitive's only content is its value attribute and extensions: with nothing else it is empty.
        var xml = ProfilesTestData.Context.Xml.Parse("""
            <Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/><coding2/></code><valueInteger><value value="0"/></valueInteger></Observation>
            """u8.ToArray());
        var xmlIssues = NewValidator().Validate(xml.Resource!).Issues;
        Assert.That(xmlIssues.Where(i => i.Message.Contains("ele-1")).Select(i => i.Expression), Is.EqualTo(new[] { "Observation.value.ofType(integer)" }), string.Join("; ", xmlIssues));
    }
}
