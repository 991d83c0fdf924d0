using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Definitions.Snapshots;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Snapshots;

/// <summary>Snapshot generation on small hand-made profiles over R4: each aspect of the merge, and the errors.</summary>
public class SnapshotGeneratorTests
{
    internal static JsonObject Profile(string url, string type, string baseDefinition, string differential) =>
        (JsonObject)JsonNode.Parse($$$"""
            {"resourceType":"StructureDefinition","url":"{{{url}}}","name":"Test","status":"draft","kind":"resource","abstract":false,
             "type":"{{{type}}}","baseDefinition":"{{{baseDefinition}}}","derivation":"constraint","differential":{"element":{{{differential}}}}}
            """)!;

    // Looks in the given definitions first, then in the packages.
    internal static SnapshotGenerator Generator(params JsonObject[] local) => Generator(TestData.Context.Registry, local);

    // A version not loaded falls back to the one that is, as in the generator over a registry.
    internal static SnapshotGenerator Generator(DefinitionRegistry packages, IEnumerable<JsonObject> local)
    {
        var byUrl = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var sd in local)
            if ((string?)sd["url"] is { } url) byUrl.TryAdd(url, sd);
        return new SnapshotGenerator(url => byUrl.TryGetValue(url.Split('|')[0], out var sd) ? sd
            : (packages.Resolve(url) ?? packages.Resolve(url.Split('|')[0])) is { ResourceType: "StructureDefinition" } e
                ? JsonNode.Parse(packages.ReadBytes(e)) as JsonObject
                : null);
    }

    internal static JsonObject Element(SnapshotOutcome outcome, string id)
    {
        Assert.That(outcome.StructureDefinition, Is.Not.Null, string.Join("; ", outcome.Issues));
        var elements = (JsonArray)outcome.StructureDefinition!["snapshot"]!["element"]!;
        var found = elements.OfType<JsonObject>().FirstOrDefault(e => (string?)e["id"] == id);
        Assert.That(found, Is.Not.Null, $"{id} is not in the snapshot");
        return found!;
    }

    internal static List<string> Ids(SnapshotOutcome outcome) =>
        ((JsonArray)outcome.StructureDefinition!["snapshot"]!["element"]!).OfType<JsonObject>().Select(e => (string)e["id"]!).ToList();

    [Test]
    public void Slices_get_their_children_from_the_type_after_the_sliced_element()
    {
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient", """
            [{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"},"min":1},
             {"id":"Patient.identifier:ins","path":"Patient.identifier","sliceName":"ins","max":"1"},
             {"id":"Patient.identifier:ins.system","path":"Patient.identifier.system","min":1,"fixedUri":"urn:oid:1.2.250.1.213.1.4.8"},
             {"id":"Patient.gender","path":"Patient.gender","min":1}]
            """));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        var slice = Element(outcome, "Patient.identifier:ins");
        Assert.That((string?)slice["sliceName"], Is.EqualTo("ins"));
        Assert.That((string?)slice["max"], Is.EqualTo("1"));
        Assert.That((int?)slice["min"], Is.EqualTo(0), "a slice starts from the base element, not from the profile's min 1");
        Assert.That(slice["slicing"], Is.Null);
        Assert.That((string?)Element(outcome, "Patient.identifier")["slicing"]!["rules"], Is.EqualTo("open"));
        var system = Element(outcome, "Patient.identifier:ins.system");
        Assert.That((string?)system["path"], Is.EqualTo("Patient.identifier.system"));
        Assert.That((string?)system["fixedUri"], Is.EqualTo("urn:oid:1.2.250.1.213.1.4.8"));
        Assert.That((int?)system["min"], Is.EqualTo(1));
        Assert.That((string?)Element(outcome, "Patient.identifier:ins.assigner")["type"]![0]!["code"], Is.EqualTo("Reference"));

        var ids = Ids(outcome);
        Assert.That(ids.IndexOf("Patient.identifier:ins"), Is.GreaterThan(ids.IndexOf("Patient.identifier")));
        Assert.That(ids.IndexOf("Patient.identifier:ins"), Is.LessThan(ids.IndexOf("Patient.active")), "slices come right after the sliced element");
        Assert.That((int?)Element(outcome, "Patient.gender")["min"], Is.EqualTo(1));
    }

    [Test]
    public void The_generated_snapshot_compiles_into_the_element_tree()
    {
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient", """
            [{"id":"Patient.identifier","path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}},
             {"id":"Patient.identifier:ins","path":"Patient.identifier","sliceName":"ins"},
             {"id":"Patient.identifier:ins.value","path":"Patient.identifier.value","min":1}]
            """));
        var info = StructureDefinitionCompiler.Compile(JsonSerializer.SerializeToElement(outcome.StructureDefinition));

        var identifier = info.GetById("Patient.identifier")!;
        Assert.That(identifier.Slices.Select(s => s.SliceName), Is.EqualTo(new[] { "ins" }));
        Assert.That(identifier.Slices[0].Children.Single(c => c.Name == "value").Min, Is.EqualTo(1));
    }

    [Test]
    public void A_choice_named_for_its_type_is_narrowed_and_sliced_by_type()
    {
        var outcome = Generator().Generate(Profile("http://example.org/sd/o", "Observation", "http://hl7.org/fhir/StructureDefinition/Observation", """
            [{"id":"Observation.valueQuantity","path":"Observation.valueQuantity","min":1},
             {"id":"Observation.valueQuantity.unit","path":"Observation.valueQuantity.unit","min":1}]
            """));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        var choice = Element(outcome, "Observation.value[x]");
        Assert.That(((JsonArray)choice["type"]!).Select(t => (string?)t!["code"]), Is.EqualTo(new[] { "Quantity" }));
        Assert.That((string?)choice["slicing"]!["rules"], Is.EqualTo("closed"));
        Assert.That((int?)Element(outcome, "Observation.value[x]:valueQuantity")["min"], Is.EqualTo(1));
        var unit = Element(outcome, "Observation.value[x]:valueQuantity.unit");
        Assert.That((string?)unit["path"], Is.EqualTo("Observation.value[x].unit"));
        Assert.That((int?)unit["min"], Is.EqualTo(1));
    }

    [Test]
    public void Extension_slices_take_their_children_from_the_extension_definition()
    {
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient", """
            [{"id":"Patient.extension:birthPlace","path":"Patient.extension","sliceName":"birthPlace",
              "type":[{"code":"Extension","profile":["http://hl7.org/fhir/StructureDefinition/patient-birthPlace"]}]},
             {"id":"Patient.extension:birthPlace.value[x]","path":"Patient.extension.value[x]","min":1}]
            """));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That((string?)Element(outcome, "Patient.extension")["slicing"]!["discriminator"]![0]!["path"], Is.EqualTo("url"),
            "extensions are always sliced by url");
        Assert.That((string?)Element(outcome, "Patient.extension:birthPlace.url")["fixedUri"], Is.EqualTo("http://hl7.org/fhir/StructureDefinition/patient-birthPlace"));
        var value = Element(outcome, "Patient.extension:birthPlace.value[x]");
        Assert.That((string?)value["type"]![0]!["code"], Is.EqualTo("Address"));
        Assert.That((int?)value["min"], Is.EqualTo(1));
    }

    [Test]
    public void Constraints_add_up_and_bindings_merge()
    {
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient", """
            [{"id":"Patient","path":"Patient","constraint":[{"key":"fr-1","severity":"error","human":"A name or an identifier","expression":"name.exists() or identifier.exists()"}]},
             {"id":"Patient.gender","path":"Patient.gender","binding":{"strength":"required","valueSet":"http://example.org/vs/gender"}}]
            """));

        var keys = ((JsonArray)Element(outcome, "Patient")["constraint"]!).Select(c => (string?)c!["key"]).ToList();
        Assert.That(keys, Does.Contain("dom-2").And.Contain("fr-1"));
        var binding = Element(outcome, "Patient.gender")["binding"]!;
        Assert.That((string?)binding["valueSet"], Is.EqualTo("http://example.org/vs/gender"));
        Assert.That((string?)binding["description"], Is.Not.Null, "what the differential does not say stays");
    }

    [Test]
    public void A_base_without_snapshot_gets_one_first()
    {
        var middle = Profile("http://example.org/sd/middle", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            """[{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}]""");
        var outcome = Generator(middle).Generate(Profile("http://example.org/sd/leaf", "Patient", "http://example.org/sd/middle",
            """[{"id":"Patient.gender","path":"Patient.gender","min":1}]"""));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That((int?)Element(outcome, "Patient.birthDate")["min"], Is.EqualTo(1));
        Assert.That((int?)Element(outcome, "Patient.gender")["min"], Is.EqualTo(1));
    }

    [Test]
    public void Circular_bases_are_an_error()
    {
        var a = Profile("http://example.org/sd/a", "Patient", "http://example.org/sd/b", """[{"id":"Patient","path":"Patient"}]""");
        var b = Profile("http://example.org/sd/b", "Patient", "http://example.org/sd/a", """[{"id":"Patient","path":"Patient"}]""");
        var outcome = Generator(a, b).Generate(a);

        Assert.That(outcome.StructureDefinition, Is.Null);
        Assert.That(outcome.Issues.Select(i => i.Message), Has.Some.Contains("circular"));
        Assert.That(outcome.Issues.First(i => i.Message.Contains("circular")).Expression, Is.EqualTo("StructureDefinition.baseDefinition"));
    }

    [Test]
    public void An_unknown_base_is_an_error()
    {
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", "http://example.org/sd/nowhere", "[]"));

        Assert.That(outcome.StructureDefinition, Is.Null);
        Assert.That(outcome.Issues[0].Severity, Is.EqualTo(IssueSeverity.Error));
        Assert.That(outcome.Issues[0].Message, Is.EqualTo("The StructureDefinition 'http://example.org/sd/nowhere' is unknown."));
        Assert.That(outcome.Issues[0].Expression, Is.EqualTo("StructureDefinition.baseDefinition"));
    }

    [TestCase("""{"id":"Patient.gender","path":"Patient.gender","max":"2"}""", "max 2 is above the base's 1")]
    [TestCase("""{"id":"Patient.link","path":"Patient.link","min":2,"max":"1"}""", "min 2 is above max 1")]
    [TestCase("""{"id":"Patient.deceased[x]","path":"Patient.deceased[x]","type":[{"code":"Quantity"}]}""", "type Quantity is not one of the base's (boolean, dateTime)")]
    [TestCase("""{"id":"Patient.nickname","path":"Patient.nickname"}""", "'Patient' has no element 'nickname'")]
    [TestCase("""{"id":"Patient.name.given.shout","path":"Patient.name.given.shout"}""", "'Patient.name.given' has no element 'shout'")]
    public void A_differential_that_widens_or_strays_is_reported_where_it_is(string element, string message)
    {
        var outcome = Generator().Generate(Profile("http://example.org/sd/p", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            $$"""[{"id":"Patient","path":"Patient"},{{element}}]"""));

        Assert.That(outcome.Success, Is.False);
        var issue = outcome.Issues.Single();
        Assert.That(issue.Message, Does.Contain(message));
        Assert.That(issue.Expression, Is.EqualTo("StructureDefinition.differential.element[1]"));
    }

    [TestCase("http://hl7.org/fhir/StructureDefinition/example-composition", "Composition.section:procedure")]
    [TestCase("http://hl7.org/fhir/StructureDefinition/example-section-library", "Composition.section:procedure")]
    public void Packaged_profiles_published_without_snapshot_get_one_in_the_registry(string url, string sliceId)
    {
        var info = TestData.Context.Registry.GetStructureDefinition(url)!;
        Assert.That(info.HasSnapshot, Is.True);
        Assert.That(info.GetById(sliceId), Is.Not.Null);
        Assert.That(TestData.Context.Registry.GetElement(url, "Composition.section.title"), Is.Not.Null);
    }

    [Test]
    public void A_base_snapshot_without_element_ids_gets_them()
    {
        var registry = TestData.Context.Registry;
        var patient = (JsonObject)JsonNode.Parse(registry.ReadBytes(registry.Resolve("http://hl7.org/fhir/StructureDefinition/Patient")!))!;
        patient["url"] = "http://example.org/sd/old-patient";
        patient["derivation"] = "constraint";
        foreach (var e in ((JsonArray)patient["snapshot"]!["element"]!).OfType<JsonObject>()) e.Remove("id");
        var outcome = Generator(patient).Generate(Profile("http://example.org/sd/p", "Patient", "http://example.org/sd/old-patient", """
            [{"path":"Patient.identifier","slicing":{"discriminator":[{"type":"value","path":"system"}],"rules":"open"}},
             {"path":"Patient.identifier","sliceName":"ins"},
             {"path":"Patient.identifier.system","min":1}]
            """));

        Assert.That(outcome.Success, Is.True, string.Join("; ", outcome.Issues));
        Assert.That((int?)Element(outcome, "Patient.identifier:ins.system")["min"], Is.EqualTo(1));
        Assert.That((string?)Element(outcome, "Patient.contact.name")["path"], Is.EqualTo("Patient.contact.name"));
    }

    [Test]
    public void Problems_in_a_base_without_snapshot_are_reported_at_the_base_definition()
    {
        var middle = Profile("http://example.org/sd/middle", "Patient", "http://hl7.org/fhir/StructureDefinition/Patient",
            """[{"id":"Patient.gender","path":"Patient.gender","max":"3"}]""");
        var outcome = Generator(middle).Generate(Profile("http://example.org/sd/leaf", "Patient", "http://example.org/sd/middle", "[]"));

        // The middle profile's snapshot is made despite its error, and built on, as the HL7 Java validator does.
        Assert.That(outcome.Success, Is.False);
        Assert.That((string?)Element(outcome, "Patient.gender")["max"], Is.EqualTo("3"));
        var issue = outcome.Issues.First();
        Assert.That(issue.Expression, Is.EqualTo("StructureDefinition.baseDefinition"));
        Assert.That(issue.Message, Does.StartWith("http://example.org/sd/middle at StructureDefinition.differential.element[0]: 'Patient.gender': max 3"));
    }
}
