using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>Engine behaviour the official suite does not pin down: error positions, caching, variables and the FHIR hooks.</summary>
public sealed class FhirPathEngineTests
{
    private static FhirPathContext Context() =>
        new() { Registry = TestData.Context.Registry };

    private static ElementNode Parse(string json) =>
        TestData.Context.Json.Parse(json).Resource ?? throw new InvalidOperationException("unreadable test resource");

    private static IReadOnlyList<object> Eval(string expression, ElementNode? input = null, FhirPathContext? context = null) =>
        FhirPathEngine.Evaluate(expression, input, context ?? Context());

    private static string Show(IReadOnlyList<object> items) => string.Join(" | ", items.Select(i => SystemValues.Format(i) ?? "(complex)"));

    [TestCase("2 + 2 /", 7)]
    [TestCase("name.", 5)]
    [TestCase("'unterminated", 0)]
    [TestCase("a /* open", 2)]
    [TestCase("@2012-13-01", 0)]
    [TestCase("where(a b)", 8)]
    public void SyntaxErrorsCarryTheirPosition(string expression, int position)
    {
        var e = Assert.Throws<FhirPathException>(() => FhirPathEngine.Compile(expression))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(FhirPathErrorKind.Syntax));
            Assert.That(e.Position, Is.EqualTo(position));
        });
    }

    [TestCase("foo()")]
    [TestCase("substring()")]
    [TestCase("name.where(1, 2)")]
    public void UnknownFunctionsAndArityAreSemanticErrors(string expression)
    {
        var e = Assert.Throws<FhirPathException>(() => FhirPathEngine.Compile(expression))!;
        Assert.That(e.Kind, Is.EqualTo(FhirPathErrorKind.Semantic));
    }

    [Test]
    public void CompiledExpressionsAreCachedByText() =>
        Assert.That(FhirPathEngine.Compile("name.given.first()"), Is.SameAs(FhirPathEngine.Compile("name.given.first()")));

    [TestCase("1 + 2 * 3", "7")]
    [TestCase("true or false and false", "true")]
    [TestCase("(1 | 2 | 2).count()", "2")]
    [TestCase("1 'kg' = 1000 'g'", "true")]
    [TestCase("@2012-04-15 = @2012-04-15T10:00", "")]
    [TestCase("@2012-04-15 ~ @2012-04-15T10:00", "false")]
    [TestCase("{} = 1", "")]
    [TestCase("true and {}", "")]
    [TestCase("false and {}", "false")]
    [TestCase("{} implies false", "")]
    [TestCase("'abc' & {}", "abc")]
    [TestCase("@2019-02-28 + 1 day", "2019-03-01")]
    [TestCase("%ucum", "http://unitsofmeasure.org")]
    [TestCase("%`vs-administrative-gender`", "http://hl7.org/fhir/ValueSet/administrative-gender")]
    public void Evaluates(string expression, string expected) => Assert.That(Show(Eval(expression)), Is.EqualTo(expected));

    // A path from $this compared with a constant is evaluated without collections (the shape of most where()
    // criteria); .select($this) keeps the same comparison on the general operators' path.
    [TestCase("name.given = 'Peter'", "name.given.select($this) = 'Peter'")]
    [TestCase("name.given != 'Peter'", "name.given.select($this) != 'Peter'")]
    [TestCase("name[0].given = 'Peter'", "name[0].given.select($this) = 'Peter'")]
    [TestCase("'Chalmers' = name.family", "'Chalmers' = name.family.select($this)")]
    [TestCase("name.where(use = 'official').family = 'Chalmers'", "name.where(use.select($this) = 'official').family = 'Chalmers'")]
    [TestCase("gender = 'male'", "gender.select($this) = 'male'")]
    [TestCase("deceased = false", "deceased.select($this) = false")]
    [TestCase("active = true", "active.select($this) = true")]
    [TestCase("photo = 'x'", "photo.select($this) = 'x'")]
    [TestCase("birthDate < @1980-01-01", "birthDate.select($this) < @1980-01-01")]
    [TestCase("birthDate >= @1974-12-25", "birthDate.select($this) >= @1974-12-25")]
    [TestCase("birthDate > @1974", "birthDate.select($this) > @1974")]
    [TestCase("@2000-01-01 > birthDate", "@2000-01-01 > birthDate.select($this)")]
    [TestCase("name.given < 'Z'", "name.given.select($this) < 'Z'")]
    [TestCase("multipleBirth = -1", "multipleBirth.select($this) = -1")]
    [TestCase("contact.gender != 'female'", "contact.gender.select($this) != 'female'")]
    [TestCase("Patient.gender = 'male'", "Patient.gender.select($this) = 'male'")]
    [TestCase("Observation.status = 'final'", "Observation.status.select($this) = 'final'")]
    public void ComparisonsOfAPathWithAConstantBehaveAsTheGeneralOperators(string expression, string generic)
    {
        var patient = OfficialSuite.Input("patient-example.xml");
        string Outcome(string e)
        {
            try
            {
                return "= " + Show(Eval(e, patient));
            }
            catch (FhirPathException x)
            {
                return "error " + x.Kind;
            }
        }
        Assert.That(Outcome(expression), Is.EqualTo(Outcome(generic)));
    }

    [Test]
    public void FhirDecimalsKeepTheirWrittenPrecision()
    {
        var obs = Parse("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.10,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}""");
        Assert.Multiple(() =>
        {
            Assert.That(Show(Eval("Observation.value.value", obs)), Is.EqualTo("1.10"));
            Assert.That(Show(Eval("Observation.value.value ~ 1.1", obs)), Is.EqualTo("true"));
            Assert.That(Show(Eval("Observation.value = 1100 'ug'", obs)), Is.EqualTo("true"));
        });
    }

    [Test]
    public void ChoiceElementsAreNamedWithoutTheirType()
    {
        var obs = Parse("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a"}""");
        var e = Assert.Throws<FhirPathException>(() => Eval("Observation.valueString", obs))!;
        Assert.That(e.Kind, Is.EqualTo(FhirPathErrorKind.Semantic));
        Assert.That(Show(Eval("Observation.value.ofType(string)", obs)), Is.EqualTo("a"));
    }

    [Test]
    public void StrictModeRefusesUnknownNames()
    {
        var patient = Parse("""{"resourceType":"Patient","active":true}""");
        Assert.That(Eval("Patient.activ", patient), Is.Empty);
        var strict = new FhirPathContext { Registry = TestData.Context.Registry, Strict = true };
        Assert.Throws<FhirPathException>(() => Eval("Patient.activ", patient, strict));
    }

    [Test]
    public void AsOperatorOnSeveralItemsFiltersLikeOfTypeExceptInStrictMode()
    {
        // The shape of R4's SearchParameter component-value-quantity: (Observation.component.value as Quantity).
        var obs = Parse("""
            {"resourceType":"Observation","status":"final","code":{"text":"x"},"component":[
              {"code":{"text":"a"},"valueQuantity":{"value":1,"unit":"mg"}},
              {"code":{"text":"b"},"valueString":"s"},
              {"code":{"text":"c"},"valueQuantity":{"value":2,"unit":"mg"}}]}
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Show(Eval("(Observation.component.value as Quantity).value", obs)), Is.EqualTo("1 | 2"));
            Assert.That(Eval("(Observation.component.value as Period)", obs), Is.Empty);
        });
        var strict = new FhirPathContext { Registry = TestData.Context.Registry, Strict = true };
        Assert.Throws<FhirPathException>(() => Eval("(Observation.component.value as Quantity)", obs, strict));
        // The function form keeps N1's singleton rule (R4 suite, testFHIRPathAsFunction21).
        Assert.Throws<FhirPathException>(() => Eval("Observation.component.value.as(string)", obs));
    }

    [TestCase("Observation", "(Observation.value as Period).unit", "'unit' is not an element of Period")]
    [TestCase("Observation", "Observation.value.ofType(Period).unit", "'unit' is not an element of Period")]
    [TestCase("Patient", "Patient.contact.nme", "'nme' is not an element of BackboneElement")]
    [TestCase("Patient", "name.where(famly = 'x')", "'famly' is not an element of HumanName")]
    [TestCase("Observation", "Observation.valueQuantity.unit", "use 'value'")]
    [TestCase("Bundle", "Bundle.entry.resource.ofType(Patient).nam", "'nam' is not an element of Patient")]
    [TestCase("Patient", "extension('http://x').value.ofType(Quantity).unitt", "'unitt' is not an element of")]
    public void StrictStaticCheckRefusesNamesNoPossibleTypeHas(string type, string expression, string message)
    {
        var e = Assert.Throws<FhirPathException>(() => FhirPathEngine.Compile(expression).Check(type, TestData.Context.Registry))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(FhirPathErrorKind.Semantic));
            Assert.That(e.Message, Does.Contain(message));
        });
    }

    [TestCase("Observation", "(Observation.value as Quantity).unit")]
    [TestCase("Observation", "Observation.component.value.ofType(Quantity).code")]
    [TestCase("Questionnaire", "Questionnaire.item.item.item.linkId")]
    [TestCase("Bundle", "Bundle.entry.resource.name")]
    [TestCase("Patient", "contained.name | managingOrganization.resolve().name")]
    [TestCase("Patient", "Patient.name.given.extension.value")]
    [TestCase("Patient", "Resource.id | DomainResource.text.div")]
    [TestCase("Patient", "children().name")]
    public void StrictStaticCheckAcceptsWhatSomeTypeMayHave(string type, string expression) =>
        Assert.DoesNotThrow(() => FhirPathEngine.Compile(expression).Check(type, TestData.Context.Registry));

    [Test]
    public void StrictModeChecksStaticallyBeforeEvaluating()
    {
        // Observation.value is a Quantity here: evaluation alone would never look at Period.
        var obs = Parse("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1,"unit":"mg"}}""");
        Assert.That(Eval("(Observation.value as Period).unit", obs), Is.Empty);
        var strict = new FhirPathContext { Registry = TestData.Context.Registry, Strict = true };
        var e = Assert.Throws<FhirPathException>(() => Eval("(Observation.value as Period).unit", obs, strict))!;
        Assert.That(e.Kind, Is.EqualTo(FhirPathErrorKind.Semantic));
    }

    [Test]
    public void OrderDependentFunctionsOnUnorderedCollectionsAreRefusedWhenAsked()
    {
        var patient = Parse("""{"resourceType":"Patient","active":true,"name":[{"family":"A"},{"family":"B"}]}""");
        var check = new FhirPathContext { Registry = TestData.Context.Registry, CheckOrderedFunctions = true };
        Assert.Multiple(() =>
        {
            Assert.That(Eval("Patient.children().skip(1)", patient), Has.Count.EqualTo(2));
            foreach (var expression in new[] { "Patient.children().skip(1)", "descendants().first()", "children().where(true).last()", "children()[0]" })
                Assert.That(Assert.Throws<FhirPathException>(() => Eval(expression, patient, check))!.Kind, Is.EqualTo(FhirPathErrorKind.Semantic), expression);
            Assert.That(Show(Eval("Patient.name.skip(1).family", patient, check)), Is.EqualTo("B"));
            Assert.That(Show(Eval("children().ofType(HumanName).family.sort().first()", patient, check)), Is.EqualTo("A"));
            Assert.That(Eval("children().count()", patient, check), Is.EqualTo(new object[] { 3 }));
        });
    }

    [Test]
    public void ResolveFindsContainedResources()
    {
        var patient = Parse("""
            {"resourceType":"Patient","id":"p","contained":[
              {"resourceType":"Organization","id":"o1","name":"Org","partOf":{"reference":"#o2"}},
              {"resourceType":"Organization","id":"o2","name":"Parent org"},
              {"resourceType":"Practitioner","id":"pr","name":[{"family":"Who"}]}],
             "managingOrganization":{"reference":"#o1"},"generalPractitioner":[{"reference":"#pr"},{"reference":"#missing"}]}
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Show(Eval("managingOrganization.resolve().name", patient)), Is.EqualTo("Org"));
            Assert.That(Show(Eval("generalPractitioner.resolve().name.family", patient)), Is.EqualTo("Who"));
            // From one contained resource to another, through the container.
            Assert.That(Show(Eval("managingOrganization.resolve().partOf.resolve().name", patient)), Is.EqualTo("Parent org"));
            // '#' alone is the container.
            Assert.That(Show(Eval("'#'.resolve().id", patient)), Is.EqualTo("p"));
            Assert.That(Eval("generalPractitioner[1].resolve()", patient), Is.Empty);
            // Evaluated on a contained resource, %resource is that resource and %rootResource its container (FHIR R4 fhirpath.html, "Variables").
            var contained = (ElementNode)Eval("contained", patient)[0];
            Assert.That(Show(Eval("%resource.name", contained)), Is.EqualTo("Org"));
            Assert.That(Show(Eval("%rootResource.managingOrganization.reference", contained)), Is.EqualTo("#o1"));
            Assert.That(Show(Eval("partOf.resolve().name", contained)), Is.EqualTo("Parent org"));
        });
    }

    [Test]
    public void ResolveFindsEntriesOfTheSameBundle()
    {
        var bundle = Parse("""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"http://a.org/fhir/Observation/o1","resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},
                "subject":{"reference":"Patient/p1"},"performer":[{"reference":"http://b.org/fhir/Patient/p1"},{"reference":"urn:uuid:9d3bbd6c-5c8d-4a5a-8f2e-3a8c43c1c7b1"}],
                "hasMember":[{"reference":"Observation/o2/_history/3"}],"specimen":{"reference":"Specimen/s1"}}},
              {"fullUrl":"http://b.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"On B"}]}},
              {"fullUrl":"http://a.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"On A"}]}},
              {"fullUrl":"urn:uuid:9d3bbd6c-5c8d-4a5a-8f2e-3a8c43c1c7b1","resource":{"resourceType":"Practitioner","name":[{"family":"New"}]}},
              {"fullUrl":"http://a.org/fhir/Observation/o2","resource":{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"member"}}}]}
            """);
        var observation = "entry.resource.ofType(Observation).where(id = 'o1')";
        Assert.Multiple(() =>
        {
            // Relative: against the base of the referring entry's fullUrl (http://a.org/fhir), not any Patient/p1.
            Assert.That(Show(Eval(observation + ".subject.resolve().name.family", bundle)), Is.EqualTo("On A"));
            // Absolute, and urn:uuid: the entry with that fullUrl.
            Assert.That(Show(Eval(observation + ".performer.resolve().name.family", bundle)), Is.EqualTo("On B | New"));
            // A version-specific reference finds the entry of the resource.
            Assert.That(Show(Eval(observation + ".hasMember.resolve().code.text", bundle)), Is.EqualTo("member"));
            // Not in the Bundle, and no resolver: nothing.
            Assert.That(Eval(observation + ".specimen.resolve()", bundle), Is.Empty);
        });
    }

    [Test]
    public void ResolveMatchesTypeAndIdWhenTheReferringEntryHasNoRestfulUrl()
    {
        var bundle = Parse("""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"resource":{"resourceType":"Patient","id":"p1","managingOrganization":{"reference":"Organization/o2"}}},
              {"resource":{"resourceType":"Organization","id":"o2","name":"Second"}}]}
            """);
        Assert.That(Show(Eval("entry.resource.ofType(Patient).managingOrganization.resolve().name", bundle)), Is.EqualTo("Second"));
    }

    [Test]
    public void ResolverHookAnswersWhatIsNeitherContainedNorInTheBundle()
    {
        var org = Parse("""{"resourceType":"Organization","id":"ext","name":"Remote"}""");
        var vs = Parse("""{"resourceType":"ValueSet","url":"http://example.org/vs","status":"active","name":"Remote VS"}""");
        var asked = new List<string>();
        var context = new FhirPathContext
        {
            Registry = TestData.Context.Registry,
            Resolver = r =>
            {
                asked.Add(r);
                return r switch { "Organization/ext" => org, "http://example.org/vs" => vs, _ => null };
            },
        };
        var patient = Parse("""{"resourceType":"Patient","managingOrganization":{"reference":"Organization/ext"}}""");
        Assert.That(Show(Eval("managingOrganization.resolve().name", patient, context)), Is.EqualTo("Remote"));
        // A canonical goes to the hook as written.
        var questionnaire = Parse("""{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"1","type":"choice","answerValueSet":"http://example.org/vs"}]}""");
        Assert.That(Show(Eval("item.answerValueSet.resolve().name", questionnaire, context)), Is.EqualTo("Remote VS"));
        // A miss in the Bundle goes to the hook too; a hit does not.
        var bundle = Parse("""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"http://a.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","managingOrganization":{"reference":"Organization/ext"},
                "generalPractitioner":[{"reference":"Patient/p1"}]}}]}
            """);
        asked.Clear();
        Assert.That(Show(Eval("entry.resource.managingOrganization.resolve().name", bundle, context)), Is.EqualTo("Remote"));
        Assert.That(Eval("entry.resource.generalPractitioner.resolve().id", bundle, context), Has.Count.EqualTo(1));
        Assert.That(asked, Is.EqualTo(new[] { "Organization/ext" }));
    }

    [Test]
    public void MemberOfIsUnknownWithoutTerminology()
    {
        var patient = Parse("""{"resourceType":"Patient","gender":"male"}""");
        Assert.That(Eval("gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", patient), Is.Empty);
        var context = new FhirPathContext { Registry = TestData.Context.Registry, MemberOf = (_, vs) => vs.EndsWith("administrative-gender") };
        Assert.That(Show(Eval("gender.memberOf(%`vs-administrative-gender`)", patient, context)), Is.EqualTo("true"));
    }

    [Test]
    public void UserVariablesAndTrace()
    {
        var traced = new List<string>();
        var context = new FhirPathContext
        {
            Variables = new Dictionary<string, IReadOnlyList<object>> { ["limit"] = [3] },
            Trace = (name, items) => traced.Add($"{name}:{items.Count}"),
        };
        Assert.That(Show(Eval("(1 | 2 | 3 | 4).where($this < %limit).trace('kept')", null, context)), Is.EqualTo("1 | 2"));
        Assert.That(traced, Is.EqualTo(new[] { "kept:2" }));
        Assert.Throws<FhirPathException>(() => Eval("%unknown", null, context));
    }

    [Test]
    public void PredicateFollowsSingletonEvaluation()
    {
        var patient = Parse("""{"resourceType":"Patient","active":false,"name":[{"family":"A"}]}""");
        Assert.Multiple(() =>
        {
            Assert.That(FhirPathEngine.Predicate("active", patient), Is.False);
            Assert.That(FhirPathEngine.Predicate("name.family", patient), Is.True);
            Assert.That(FhirPathEngine.Predicate("birthDate", patient), Is.Null);
        });
    }
}
