using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// elementDefinition() answered from the loaded definitions.
/// </summary>
public sealed class DefinitionFunctionTests
{
    private static FhirPathContext Context() => new() { Registry = TestData.Context.Registry };

    private static ElementNode Parse(string json) =>
        TestData.Context.Json.Parse(json).Resource ?? throw new InvalidOperationException("unreadable test resource");

    private static IReadOnlyList<object> Eval(string expression, ElementNode input, FhirPathContext? context = null) =>
        FhirPathEngine.Evaluate(expression, input, context ?? Context());

    private static string Show(IReadOnlyList<object> items) => string.Join(" | ", items.Select(i => SystemValues.Format(i) ?? "(complex)"));

    // ---- elementDefinition() ----

    [TestCase("Patient.elementDefinition().path", "Patient")]
    [TestCase("Patient.name.elementDefinition().path", "Patient.name")]
    [TestCase("Patient.name.elementDefinition().min", "0")]
    [TestCase("Patient.name.elementDefinition().max", "*")]
    [TestCase("Patient.name.elementDefinition().short", "A name associated with the patient")]
    [TestCase("Patient.name.elementDefinition().type.code", "HumanName")]
    [TestCase("Patient.gender.elementDefinition().binding.strength", "required")]
    [TestCase("Patient.name.given.elementDefinition().path", "HumanName.given")]
    [TestCase("Patient.contact.elementDefinition().path", "Patient.contact")]
    [TestCase("Patient.contact.elementDefinition().type.code", "BackboneElement")]
    [TestCase("Patient.contact.name.elementDefinition().path", "Patient.contact.name")]
    public void ElementDefinitionOfPatientElements(string expression, string expected)
    {
        var patient = Parse("""
            {"resourceType":"Patient","gender":"female","name":[{"family":"Martin","given":["Anne"]}],
             "contact":[{"name":{"family":"Martin"}}]}
            """);
        Assert.That(Show(Eval(expression, patient)), Is.EqualTo(expected));
    }

    [Test]
    public void ElementDefinitionOfAChoiceElementIsTheChoice()
    {
        var observation = Parse("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1}}""");
        Assert.Multiple(() =>
        {
            Assert.That(Show(Eval("value.elementDefinition().path", observation)), Is.EqualTo("Observation.value[x]"));
            Assert.That(Eval("value.elementDefinition().type.code", observation), Has.Count.EqualTo(11));
            Assert.That(Show(Eval("value.value.elementDefinition().path", observation)), Is.EqualTo("Quantity.value"));
        });
    }

    [Test]
    public void ElementDefinitionThroughAContentReference()
    {
        var questionnaire = Parse("""
            {"resourceType":"Questionnaire","status":"draft",
             "item":[{"linkId":"1","type":"group","item":[{"linkId":"1.1","type":"string"}]}]}
            """);
        Assert.Multiple(() =>
        {
            // The nested item is defined by its own element, which points at Questionnaire.item…
            Assert.That(Show(Eval("item.item.elementDefinition().path", questionnaire)), Is.EqualTo("Questionnaire.item.item"));
            Assert.That(Show(Eval("item.item.elementDefinition().contentReference", questionnaire)), Is.EqualTo("#Questionnaire.item"));
            // … and its children by those of Questionnaire.item.
            Assert.That(Show(Eval("item.item.linkId.elementDefinition().path", questionnaire)), Is.EqualTo("Questionnaire.item.linkId"));
            Assert.That(Show(Eval("item.item.linkId.elementDefinition().min", questionnaire)), Is.EqualTo("1"));
        });
    }

    [Test]
    public void ElementDefinitionIsOneNodeOfTypeElementDefinitionPerItem()
    {
        var patient = Parse("""{"resourceType":"Patient","name":[{"family":"A"},{"family":"B"}]}""");
        var first = Eval("name.elementDefinition()", patient);
        Assert.Multiple(() =>
        {
            Assert.That(first, Has.Count.EqualTo(2));
            Assert.That(((ElementNode)first[0]).Type, Is.EqualTo("ElementDefinition"));
            // Read once, then kept: the same node for every item and evaluation.
            Assert.That(first[1], Is.SameAs(first[0]));
            Assert.That(Eval("name.elementDefinition()", patient)[0], Is.SameAs(first[0]));
            Assert.That(Show(Eval("name.elementDefinition().all($this is ElementDefinition)", patient)), Is.EqualTo("true"));
        });
    }

    [Test]
    public void ElementDefinitionWithoutDefinitionsOrWithTheHook()
    {
        var patient = Parse("""{"resourceType":"Patient","active":true,"name":[{"family":"A"}]}""");
        var own = Parse("""{"resourceType":"Basic","code":{"text":"own definition"}}""");
        var hooked = new FhirPathContext
        {
            Registry = TestData.Context.Registry,
            ElementDefinitions = d => d.Path == "Patient.name" ? own : null,
        };
        Assert.Multiple(() =>
        {
            Assert.That(Eval("name.elementDefinition()", patient, new FhirPathContext()), Is.Empty);
            Assert.That(Eval("'text'.elementDefinition()", patient), Is.Empty);
            // The hook wins where it answers; elsewhere the definitions answer.
            Assert.That(Show(Eval("name.elementDefinition().code.text", patient, hooked)), Is.EqualTo("own definition"));
            Assert.That(Show(Eval("active.elementDefinition().path", patient, hooked)), Is.EqualTo("Patient.active"));
        });
    }

    [Test]
    public void StrictModeKnowsThatElementDefinitionIsAnElementDefinition()
    {
        var registry = TestData.Context.Registry;
        Assert.Multiple(() =>
        {
            Assert.DoesNotThrow(() => FhirPathEngine.Compile("name.elementDefinition().binding.strength").Check("Patient", registry));
            var e = Assert.Throws<FhirPathException>(() => FhirPathEngine.Compile("name.elementDefinition().family").Check("Patient", registry))!;
            Assert.That(e.Message, Does.Contain("'family' is not an element of ElementDefinition"));
        });
    }
}
