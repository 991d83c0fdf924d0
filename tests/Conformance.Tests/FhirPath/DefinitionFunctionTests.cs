using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// elementDefinition(), slice() and conformsTo() answered from the loaded definitions (R4 core and FR Core), on
/// real profiles and the FR Core examples.
/// </summary>
public sealed class DefinitionFunctionTests
{
    private const string FrCore = "https://hl7.fr/ig/fhir/core/StructureDefinition/";
    private const string PatientIns = FrCore + "fr-core-patient-ins";

    private static FhirPathContext Context() => new() { Registry = TestData.Context.Registry };

    private static ElementNode Parse(string json) =>
        TestData.Context.Json.Parse(json).Resource ?? throw new InvalidOperationException("unreadable test resource");

    private static ElementNode Example(string file) =>
        TestData.Context.Json.Parse(File.ReadAllBytes(Path.Combine(TestData.ExamplesFolder, "hl7.fhir.fr.core", file))).Resource
        ?? throw new InvalidOperationException($"unreadable example {file}");

    private static IReadOnlyList<object> Eval(string expression, ElementNode input, FhirPathContext? context = null) =>
        FhirPathEngine.Evaluate(expression, input, context ?? Context());

    private static string Show(IReadOnlyList<object> items) => string.Join(" | ", items.Select(i => SystemValues.Format(i) ?? "(complex)"));

    private static readonly Lazy<ElementNode> InsPatient = new(() => Example("Patient-FRCorePatientExample.json"));

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

    // ---- slice() ----

    [TestCase("identifier", "INS-NIR", "value", "123456789012244")]
    [TestCase("identifier", "Patient.identifier:INS-NIR", "value", "123456789012244")]
    [TestCase("identifier", "INS-NIA", "value", "")]
    [TestCase("identifier", "NSS-NIR", "value", "")]
    [TestCase("identifier", "INS-NIR-TEST", "value", "")]
    [TestCase("extension", "identityReliability", "url", "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability")]
    [TestCase("extension", "birthPlace", "url", "http://hl7.org/fhir/StructureDefinition/patient-birthPlace")]
    [TestCase("extension", "nationality", "url", "")]
    [TestCase("extension", "deathPlace", "url", "")]
    public void SlicesOfTheFrCoreInsPatient(string element, string slice, string shown, string expected) =>
        Assert.That(Show(Eval($"{element}.slice('{PatientIns}', '{slice}').{shown}", InsPatient.Value)), Is.EqualTo(expected));

    [Test]
    public void SlicesByPatternOnTheNameAndByAnExtensionValue()
    {
        var patient = InsPatient.Value;
        Assert.Multiple(() =>
        {
            Assert.That(Show(Eval($"name.slice('{PatientIns}', 'officialName').family", patient)), Is.EqualTo("Durand"));
            Assert.That(Eval($"name.slice('{PatientIns}', 'usualName')", patient), Is.Empty);
            // Patient.contact.relationship is sliced on extension('…relationship-category').value.
            Assert.That(Show(Eval($"contact.relationship.slice('{PatientIns}', 'role').coding.code", patient)), Is.EqualTo("ECON"));
            Assert.That(Show(Eval($"contact.relationship.slice('{PatientIns}', 'relationType').coding.code", patient)), Is.EqualTo("MTH"));
        });
    }

    [Test]
    public void AnItemElsewhereIsNotInTheSlice()
    {
        var patient = InsPatient.Value;
        // The telecom and the name lie where no identifier slice is, whatever their content.
        Assert.That(Eval($"(telecom | name).slice('{PatientIns}', 'INS-NIR')", patient), Is.Empty);
        // A Patient profile says nothing about an Observation's elements.
        var observation = Parse("""
            {"resourceType":"Observation","status":"final","code":{"text":"x"},
             "identifier":[{"type":{"coding":[{"system":"https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203","code":"INS-NIR"}]},
                            "system":"urn:oid:1.2.250.1.213.1.4.8","value":"1"}]}
            """);
        Assert.That(Eval($"identifier.slice('{PatientIns}', 'INS-NIR')", observation), Is.Empty);
    }

    [Test]
    public void SlicesMatchOnTheirOwnValuesNotOnTheExample()
    {
        // The same discriminator (identifier.type) with other values: an INS-NIA identifier, and one of no known type.
        var patient = Parse("""
            {"resourceType":"Patient",
             "identifier":[
               {"use":"official","type":{"coding":[{"system":"https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203","code":"INS-NIA"}]},
                "system":"urn:oid:1.2.250.1.213.1.4.9","value":"nia"},
               {"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"PI","display":"Patient internal identifier"},
                                  {"system":"http://example.org/local","code":"IPP"}]},"system":"http://example.org/ipp","value":"pi"},
               {"type":{"text":"no coding"},"value":"other"}]}
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Show(Eval($"identifier.slice('{PatientIns}', 'INS-NIA').value", patient)), Is.EqualTo("nia"));
            Assert.That(Eval($"identifier.slice('{PatientIns}', 'INS-NIR')", patient), Is.Empty);
            // A pattern is contained in the instance: the extra coding does not matter.
            Assert.That(Show(Eval($"identifier.slice('{PatientIns}', 'PI').value", patient)), Is.EqualTo("pi"));
        });
    }

    [Test]
    public void SlicesOfAnObservationByValueAndByType()
    {
        var bp = Example("Observation-FRCoreObservationBPExample.json");
        var bmi = Example("Observation-FRCoreObservationBMIExample.json");
        var bpProfile = FrCore + "fr-core-observation-bp";
        var bmiProfile = FrCore + "fr-core-observation-bmi";
        Assert.Multiple(() =>
        {
            Assert.That(Eval($"category.slice('{bpProfile}', 'VSCat')", bp), Has.Count.EqualTo(1));
            // component is sliced on code.coding.code and .system, whose values lie in the required coding slices.
            Assert.That(Show(Eval($"component.slice('{bpProfile}', 'SystolicBP').value.value", bp)), Is.EqualTo("107"));
            Assert.That(Eval($"component.slice('{bpProfile}', 'DiastolicBP')", bp), Has.Count.EqualTo(1));
            Assert.That(Eval($"component.slice('{bpProfile}', 'MeanBP')", bp), Is.Empty);
            // A slice within a slice: the systolic coding, not the diastolic one, although both lie at component.code.coding.
            Assert.That(Show(Eval($"component.code.coding.slice('{bpProfile}', 'SBPCode').code", bp)), Is.EqualTo("8480-6"));
            // value[x] is sliced by type.
            Assert.That(Eval($"value.slice('{bmiProfile}', 'valueQuantity')", bmi), Has.Count.EqualTo(1));
        });
        var text = Parse("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"28"}""");
        Assert.That(Eval($"value.slice('{bmiProfile}', 'valueQuantity')", text), Is.Empty);
    }

    [Test]
    public void SlicesOfFrCoreOrganizationAndPractitionerIdentifiers()
    {
        var etablissement = FrCore + "fr-core-organization-etablissement";
        var organization = Example("Organization-hopitaltest-ej-350005179.json");
        var practitioner = Example("Practitioner-FRCorePractitionerExample.json");
        Assert.Multiple(() =>
        {
            // Sliced by pattern on system and type; finess sets no type, so its system decides.
            Assert.That(Show(Eval($"identifier.slice('{etablissement}', 'finess').value", organization)), Is.EqualTo("350005179"));
            Assert.That(Show(Eval($"identifier.slice('{etablissement}', 'siren').value", organization)), Is.EqualTo("263500076"));
            Assert.That(Eval($"identifier.slice('{etablissement}', 'siret')", organization), Is.Empty);
            Assert.That(Show(Eval($"identifier.slice('{FrCore}fr-core-practitioner', 'rpps').value", practitioner)), Is.EqualTo("10101201234"));
            Assert.That(Show(Eval($"identifier.slice('{FrCore}fr-core-practitioner', 'idNatPs').value", practitioner)), Is.EqualTo("810101201234"));
        });
    }

    [Test]
    public void TheFrCoreExamplesFillTheRequiredSlicesOfTheirProfiles()
    {
        // Every slice the examples' own profiles require (min ≥ 1, not within another slice) is found at least that
        // many times where the example has the sliced element; what needs terminology or a validator is an error
        // that says so.
        var registry = TestData.Context.Registry;
        var decided = new List<string>();
        var undecided = new List<string>();
        var failures = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.ExamplesFolder, "hl7.fhir.fr.core"), "*.json").Order())
        {
            var example = Example(Path.GetFileName(file));
            foreach (var profile in Eval("meta.profile", example).Select(p => SystemValues.Format(p)!))
            {
                var sd = registry.GetStructureDefinition(profile);
                if (sd is null) continue;
                foreach (var slice in sd.Elements.Where(e => e is { SliceName: not null, Min: >= 1 }))
                {
                    var nested = false;
                    for (var e = slice.Parent; e is not null; e = e.Parent) nested |= e.SliceName is not null;
                    var path = slice.Path.Replace("[x]", "");
                    if (nested || Eval(path, example).Count == 0) continue;
                    var what = $"{Path.GetFileName(file)} {slice.Id}";
                    try
                    {
                        var count = Eval($"{path}.slice('{profile}', '{slice.Id}')", example).Count;
                        if (count >= slice.Min) decided.Add(what);
                        else failures.Add($"{what}: {count} < {slice.Min}");
                    }
                    catch (FhirPathException e) when (e.Message.Contains("cannot tell"))
                    {
                        undecided.Add(what);
                    }
                }
            }
        }
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(decided, Has.Count.GreaterThanOrEqualTo(15), string.Join("\n", decided));
            Assert.That(decided, Does.Contain("Patient-FRCorePatientExample.json Patient.extension:birthPlace"));
            Assert.That(decided, Does.Contain("Observation-FRCoreObservationBPExample.json Observation.component:SystolicBP"));
        });
        TestContext.Out.WriteLine($"{decided.Count} required slices found, {undecided.Count} undecidable from the definitions: {string.Join(", ", undecided)}");
    }

    [Test]
    public void UnknownProfilesAndSlicesAreErrors()
    {
        var patient = InsPatient.Value;
        Assert.Multiple(() =>
        {
            var unknownProfile = Assert.Throws<FhirPathException>(() => Eval("identifier.slice('http://example.org/nothing', 'x')", patient))!;
            Assert.That(unknownProfile.Message, Does.Contain("unknown profile 'http://example.org/nothing'"));
            var unknownSlice = Assert.Throws<FhirPathException>(() => Eval($"identifier.slice('{PatientIns}', 'INS')", patient))!;
            Assert.That(unknownSlice.Message, Does.Contain("has no slice 'INS'"));
            // Even on an empty input: the expression is wrong whatever the data.
            Assert.Throws<FhirPathException>(() => Eval($"photo.slice('{PatientIns}', 'INS')", patient));
            // Two slices named 'category' (under role and relationType): the element id tells them apart.
            var ambiguous = Assert.Throws<FhirPathException>(() => Eval($"contact.relationship.extension.slice('{PatientIns}', 'category')", patient))!;
            Assert.That(ambiguous.Message, Does.Contain("Patient.contact.relationship:role.extension:category"));
            Assert.That(Eval($"contact.relationship.extension.slice('{PatientIns}', 'Patient.contact.relationship:role.extension:category')", patient),
                Has.Count.EqualTo(1));
            // Empty arguments: empty.
            Assert.That(Eval("identifier.slice({}, 'INS-NIR')", patient), Is.Empty);
        });
    }

    [Test]
    public void WhatTheDefinitionsCannotDecideIsAnErrorUnlessAnotherDiscriminatorSaysNo()
    {
        // PDSM's find-lists response slices Bundle.entry by the profile of entry.resource.
        const string response = "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-find-lists-response";
        var sd = TestData.Context.Registry.GetStructureDefinition(response);
        Assume.That(sd, Is.Not.Null, "ans.fhir.fr.pdsm is loaded");
        var slice = sd!.Elements.First(e => e is { Path: "Bundle.entry", SliceName: not null });
        var bundle = Parse("""
            {"resourceType":"Bundle","type":"searchset","entry":[
              {"fullUrl":"http://example.org/fhir/Patient/1","resource":{"resourceType":"Patient","id":"1"}}]}
            """);
        var listBundle = Parse("""
            {"resourceType":"Bundle","type":"searchset","entry":[
              {"fullUrl":"http://example.org/fhir/List/1","resource":{"resourceType":"List","id":"1","status":"current","mode":"working"}}]}
            """);
        var expression = $"entry.slice('{response}', '{slice.SliceName}')";
        Assert.Multiple(() =>
        {
            // A Patient is certainly not a List of the profile…
            Assert.That(Eval(expression, bundle), Is.Empty);
            // … but whether a List conforms to the profile needs the validator.
            var e = Assert.Throws<FhirPathException>(() => Eval(expression, listBundle))!;
            Assert.That(e.Message, Does.Contain("needs the validator"));
            // The validator's hook answers it.
            var hooked = new FhirPathContext { Registry = TestData.Context.Registry, ConformsTo = (_, _) => true };
            Assert.That(Eval(expression, listBundle, hooked), Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void TheSliceMatcherHookWins()
    {
        var context = new FhirPathContext
        {
            Registry = TestData.Context.Registry,
            SliceMatcher = (node, _, name) => name == "any" || node.Child("value")?.Value == name,
        };
        var patient = InsPatient.Value;
        Assert.Multiple(() =>
        {
            Assert.That(Eval("identifier.slice('http://example.org/profile', 'any')", patient, context), Has.Count.EqualTo(1));
            Assert.That(Eval("telecom.slice('http://example.org/profile', '01 23 24 67 89')", patient, context), Has.Count.EqualTo(1));
        });
    }

    // ---- conformsTo() ----

    [TestCase("conformsTo('http://hl7.org/fhir/StructureDefinition/Patient')", "true")]
    [TestCase("conformsTo('http://hl7.org/fhir/StructureDefinition/DomainResource')", "true")]
    [TestCase("conformsTo('http://hl7.org/fhir/StructureDefinition/Resource')", "true")]
    [TestCase("conformsTo('http://hl7.org/fhir/StructureDefinition/Observation')", "false")]
    [TestCase("name.conformsTo('http://hl7.org/fhir/StructureDefinition/HumanName')", "true")]
    [TestCase("name.conformsTo('http://hl7.org/fhir/StructureDefinition/Element')", "true")]
    [TestCase("name.conformsTo('http://hl7.org/fhir/StructureDefinition/Address')", "false")]
    // A profile of another type is certainly not met; one of the Patient type needs the validator.
    [TestCase("conformsTo('https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-observation-bp')", "false")]
    [TestCase("conformsTo('https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins')", "")]
    [TestCase("name.conformsTo('https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-human-name')", "")]
    public void ConformsToAnswersWhatTheDefinitionsDecide(string expression, string expected) =>
        Assert.That(Show(Eval(expression, InsPatient.Value)), Is.EqualTo(expected));

    [Test]
    public void ConformsToAsksTheHookForProfilesOnly()
    {
        var asked = new List<string>();
        var context = new FhirPathContext
        {
            Registry = TestData.Context.Registry,
            ConformsTo = (_, profile) => { asked.Add(profile); return false; },
        };
        var patient = InsPatient.Value;
        Assert.Multiple(() =>
        {
            Assert.That(Show(Eval($"conformsTo('{PatientIns}')", patient, context)), Is.EqualTo("false"));
            Assert.That(Show(Eval("conformsTo('http://hl7.org/fhir/StructureDefinition/Patient')", patient, context)), Is.EqualTo("true"));
            Assert.That(asked, Is.EqualTo(new[] { PatientIns }));
            Assert.Throws<FhirPathException>(() => Eval("conformsTo('http://example.org/unknown')", patient, context));
        });
    }
}
