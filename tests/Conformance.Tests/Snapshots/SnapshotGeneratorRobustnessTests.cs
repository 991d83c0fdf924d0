using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Definitions.Snapshots;
using FhirServer.Conformance.Model;
using static FhirServer.Conformance.Tests.Snapshots.SnapshotGeneratorTests;

namespace FhirServer.Conformance.Tests.Snapshots;

/// <summary>
/// Definitions as they are published rather than as R4 wants them (the HL7 validator suite's supporting files):
/// specializations, no differential, unknown type profiles, wrong JSON kinds, ids that disagree with paths. The
/// generator reads them as the HL7 Java validator does where that is safe, reports every problem located in the
/// differential, and never throws.
/// </summary>
public class SnapshotGeneratorRobustnessTests
{
    private const string PatientUrl = "http://hl7.org/fhir/StructureDefinition/Patient";

    [Test]
    public void A_specialization_of_a_resource_onto_itself_is_generated_like_a_profile()
    {
        // The suite's ad-practitioner-profile: derivation specialization, type and base Practitioner.
        var sd = Profile("http://example.org/sd/s", "Practitioner", "http://hl7.org/fhir/StructureDefinition/Practitioner", """
            [{"id":"Practitioner.telecom","path":"Practitioner.telecom","slicing":{"discriminator":[{"type":"value","path":"use"}],"rules":"open"},"min":1,"max":"3"},
             {"id":"Practitioner.telecom:home","path":"Practitioner.telecom","sliceName":"home","min":1,"max":"1","fixedContactPoint":{"use":"home"}}]
            """);
        sd["derivation"] = "specialization";
        var outcome = Generator().Generate(sd);

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That((string?)Element(outcome, "Practitioner.telecom:home")["fixedContactPoint"]!["use"], Is.EqualTo("home"));
        Assert.That((string?)Element(outcome, "Practitioner.telecom")["max"], Is.EqualTo("3"));
    }

    [Test]
    public void A_logical_model_on_Base_gets_the_base_root_renamed_and_its_new_elements()
    {
        // The suite's logical-foo: R5's Base, which R4 lacks, and new elements (one a backbone with a child).
        var sd = Profile("http://example.org/StructureDefinition/Foo", "http://example.org/StructureDefinition/Foo", "http://hl7.org/fhir/StructureDefinition/Base", """
            [{"id":"Foo","path":"Foo"},
             {"id":"Foo.b","path":"Foo.b","min":0,"max":"*","type":[{"code":"BackboneElement"}]},
             {"id":"Foo.b.c","path":"Foo.b.c","min":1,"max":"1","type":[{"code":"code"}]},
             {"id":"Foo.a","path":"Foo.a","min":1,"max":"1","type":[{"code":"string"}]}]
            """);
        sd["kind"] = "logical";
        sd["derivation"] = "specialization";
        var outcome = Generator().Generate(sd);

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That(Ids(outcome), Is.EqualTo(new[] { "Foo", "Foo.b", "Foo.b.id", "Foo.b.extension", "Foo.b.modifierExtension", "Foo.b.c", "Foo.a" }));
        Assert.That((string?)Element(outcome, "Foo.a")["type"]![0]!["code"], Is.EqualTo("string"));
        Assert.That((int?)Element(outcome, "Foo.b.c")["min"], Is.EqualTo(1));
        Assert.That((string?)Element(outcome, "Foo")["path"], Is.EqualTo("Foo"));
    }

    [Test]
    public void A_definition_without_differential_has_its_base_snapshot_and_a_warning()
    {
        var sd = Profile("http://example.org/sd/p", "Patient", PatientUrl, "[]");
        sd.Remove("differential");
        var outcome = Generator().Generate(sd);

        Assert.That(outcome.Success, Is.True);
        Assert.That(outcome.Issues.Single().Severity, Is.EqualTo(IssueSeverity.Warning));
        Assert.That(Ids(outcome), Has.Count.EqualTo(((JsonArray)TestJson(PatientUrl)["snapshot"]!["element"]!).Count));
    }

    [Test]
    public void An_unknown_type_profile_gives_way_to_its_type_with_a_warning()
    {
        // The suite's de-address/AD_Base-Apotheke: Organization.identifier typed with a profile of a package not loaded.
        var outcome = Generator().Generate(Profile("http://example.org/sd/o", "Organization", "http://hl7.org/fhir/StructureDefinition/Organization", """
            [{"id":"Organization.identifier","path":"Organization.identifier","type":[{"code":"Identifier","profile":["http://example.org/unknown/identifier-iknr"]}]},
             {"id":"Organization.identifier.system","path":"Organization.identifier.system","min":1}]
            """));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That((int?)Element(outcome, "Organization.identifier.system")["min"], Is.EqualTo(1));
        var warning = outcome.Issues.Single();
        Assert.That(warning.Severity, Is.EqualTo(IssueSeverity.Warning));
        Assert.That(warning.Message, Does.Contain("identifier-iknr"));
        Assert.That(warning.Expression, Is.EqualTo("StructureDefinition.differential.element[1]"));
    }

    [Test]
    public void Numbers_where_strings_are_expected_are_read_as_meant_with_a_warning()
    {
        // The suite's opdef-out-profile: "max": 0 as a JSON number (and the converse for min).
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", PatientUrl, """
            [{"id":"Patient.gender","path":"Patient.gender","min":"1"},
             {"id":"Patient.photo","path":"Patient.photo","max":0}]
            """));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That(Element(outcome, "Patient.photo")["max"]!.GetValueKind(), Is.EqualTo(JsonValueKind.String));
        Assert.That((string?)Element(outcome, "Patient.photo")["max"], Is.EqualTo("0"));
        Assert.That((int?)Element(outcome, "Patient.gender")["min"], Is.EqualTo(1));
        Assert.That(outcome.Issues.Select(i => (i.Severity, i.Expression)), Is.EqualTo(new[]
        {
            (IssueSeverity.Warning, "StructureDefinition.differential.element[0]"),
            (IssueSeverity.Warning, "StructureDefinition.differential.element[1]"),
        }));
    }

    [Test]
    public void An_id_that_disagrees_with_its_path_gives_way_to_the_path()
    {
        // The suite's medstmt-ips-profile: an extension on a choice of several types, named as if it were a slice.
        var outcome = Generator().Generate(Profile("http://example.org/sd/m", "MedicationStatement", "http://hl7.org/fhir/StructureDefinition/MedicationStatement", """
            [{"id":"MedicationStatement.effective[x]:data-absent-reason","path":"MedicationStatement.effective[x].extension","max":"1",
              "type":[{"code":"Extension","profile":["http://hl7.org/fhir/StructureDefinition/data-absent-reason"]}]}]
            """));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That((string?)Element(outcome, "MedicationStatement.effective[x].extension")["max"], Is.EqualTo("1"));
        Assert.That(outcome.Issues.Single().Message, Does.Contain("does not match its path"));
    }

    [Test]
    public void A_differential_out_of_the_snapshots_order_and_slicing_at_the_root_are_errors()
    {
        // The suite's ai8: birthDate listed before identifier, which comes first in Patient. The HL7 Java validator walks
        // the base in order and passes birthDate over; its constraints are kept here, with the error.
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", PatientUrl, """
            [{"path":"Patient.birthDate","min":1},{"path":"Patient.identifier","min":1}]
            """));
        Assert.That(outcome.Issues.Where(i => i.IsError).Select(i => (i.Expression, i.Message)), Is.EqualTo(new[]
        {
            ("StructureDefinition.differential.element[0]", "No match found for Patient.birthDate in the generated snapshot: check that the path and definitions are legal in the differential (including order)"),
            ("StructureDefinition.differential", "The profile http://example.org/sd/p has 1 element in the differential (id: Patient.birthDate) that don't have a matching element in the snapshot: check that the path and definitions are legal in the differential (including order)"),
        }));
        Assert.That((int?)Element(outcome, "Patient.birthDate")["min"], Is.EqualTo(1));

        // The suite's ext-ccuk: a profile cannot slice its root.
        var root = Generator().Generate(Profile("http://example.org/sd/p", "Patient", PatientUrl, """
            [{"path":"Patient","slicing":{"discriminator":[{"type":"value","path":"id"}],"rules":"open"}}]
            """));
        Assert.That(root.Issues.Where(i => i.IsError).Select(i => i.Message), Is.EqualTo(new[] { "The profile has slicing at the root ('Patient'), which is illegal" }));
    }

    [Test]
    public void A_fixed_value_of_the_base_cannot_be_replaced()
    {
        var generator = Generator();
        var outcome = generator.Generate(Profile("http://example.org/sd/p", "Patient", PatientUrl, """
            [{"path":"Patient.gender","fixedCode":"female"}]
            """));
        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        var derived = new SnapshotGenerator(c => c == "http://example.org/sd/p" ? outcome.StructureDefinition : null).Generate(
            Profile("http://example.org/sd/q", "Patient", "http://example.org/sd/p", """[{"path":"Patient.gender","fixedCode":"male"}]"""));
        Assert.That(derived.Issues.Where(i => i.IsError).Select(i => i.Message), Is.EqualTo(new[]
        {
            "'Patient.gender': the value \"male\" cannot replace the base's fixed value \"female\"; a profile may only narrow.",
        }));
        // Repeating it is fine.
        Assert.That(new SnapshotGenerator(c => c == "http://example.org/sd/p" ? outcome.StructureDefinition : null).Generate(
            Profile("http://example.org/sd/q", "Patient", "http://example.org/sd/p", """[{"path":"Patient.gender","fixedCode":"female"}]""")).Success, Is.True);
    }

    [Test]
    public void Errors_in_the_differential_still_give_a_snapshot()
    {
        // The suite's parameters-profiled-resource-profiles-patient2 (an element Patient has not) and
        // extension-slicing (a max wider than the base's): the HL7 Java validator reports them and goes on.
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", PatientUrl, """
            [{"path":"Patient.dateOfBirth","min":1},{"path":"Patient.active","min":1},{"path":"Patient.gender","max":"*"}]
            """));

        Assert.That(outcome.Success, Is.False);
        Assert.That(outcome.Issues.Where(i => i.IsError).Select(i => i.Expression), Is.EqualTo(new[]
        {
            "StructureDefinition.differential.element[0]", "StructureDefinition.differential.element[2]",
        }));
        Assert.That((int?)Element(outcome, "Patient.active")["min"], Is.EqualTo(1));
    }

    private static readonly JsonNode?[] WrongValues = [JsonValue.Create(0), JsonValue.Create("x"), JsonValue.Create(true), new JsonObject(), new JsonArray(), null];

    private static IEnumerable<string> TopLevel => ["url", "type", "baseDefinition", "derivation", "differential"];

    private static IEnumerable<string> ElementProperties =>
        ["id", "path", "sliceName", "min", "max", "type", "slicing", "binding", "constraint", "mapping", "alias", "code", "fixedUri", "contentReference", "base"];

    [TestCaseSource(nameof(TopLevel))]
    public void A_definition_property_of_any_JSON_kind_gives_issues_not_exceptions(string property)
    {
        foreach (var wrong in WrongValues)
        {
            var sd = MalformedSample();
            sd[property] = wrong?.DeepClone();
            Assert.DoesNotThrow(() => Generator().Generate(sd), $"{property}: {wrong?.ToJsonString() ?? "null"}");
        }
    }

    [TestCaseSource(nameof(ElementProperties))]
    public void An_element_property_of_any_JSON_kind_gives_issues_not_exceptions(string property)
    {
        foreach (var wrong in WrongValues.Append(new JsonArray(JsonValue.Create(1), new JsonArray(), null)))
            for (var i = 0; i < 4; i++)
            {
                var sd = MalformedSample();
                ((JsonObject)sd["differential"]!["element"]![i]!)[property] = wrong?.DeepClone();
                var outcome = Generator().Generate(sd);
                // What comes out compiles: the validator reads it.
                if (outcome.StructureDefinition is { } generated)
                    Assert.DoesNotThrow(() => StructureDefinitionCompiler.Compile(JsonSerializer.SerializeToElement(generated)),
                        $"element[{i}].{property}: {wrong?.ToJsonString() ?? "null"}");
            }
    }

    [Test]
    public void Differential_elements_that_are_not_objects_are_reported_and_left_out()
    {
        var sd = MalformedSample();
        ((JsonArray)sd["differential"]!["element"]!).Insert(1, JsonValue.Create(3));
        var outcome = Generator().Generate(sd);

        Assert.That(outcome.StructureDefinition, Is.Not.Null);
        Assert.That(outcome.Issues.Where(i => i.IsError).Select(i => i.Expression), Is.EqualTo(new[] { "StructureDefinition.differential.element[1]" }));
    }

    private static JsonObject MalformedSample() => Profile("http://example.org/sd/p", "Patient", PatientUrl, """
        [{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}},
         {"id":"Patient.identifier:a","path":"Patient.identifier","sliceName":"a","max":"1"},
         {"id":"Patient.identifier:a.system","path":"Patient.identifier.system","min":1,"fixedUri":"urn:a"},
         {"id":"Patient.extension:b","path":"Patient.extension","sliceName":"b","type":[{"code":"Extension","profile":["http://hl7.org/fhir/StructureDefinition/patient-birthPlace"]}]}]
        """);

    private static JsonObject TestJson(string url)
    {
        var registry = Support.TestData.Context.Registry;
        return (JsonObject)JsonNode.Parse(registry.ReadBytes(registry.Resolve(url)!))!;
    }
}
