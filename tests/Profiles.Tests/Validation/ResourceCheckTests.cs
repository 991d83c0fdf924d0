using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Rules of resource types stated in the specification's prose (Profiles/Validation/Resources), and invariants whose
/// published R4 expression the validator corrects.
/// </summary>
public class ResourceCheckTests
{
    private static readonly ResourceValidator Core = Validator();

    private static string[] ErrorsOf(ValidationReport report) => [.. report.Errors().Select(i => $"{i.Expression}: {i.Message}")];

    [Test]
    public void A_value_set_includes_a_code_system_by_its_absolute_url()
    {
        const string contained = """ "contained":[{"resourceType":"CodeSystem","id":"c1","url":"http://example.org/cs","status":"active","content":"complete"}], """;
        var bad = Core.Validate("""{"resourceType":"ValueSet","url":"http://example.org/vs","status":"active",""" + contained + """ "compose":{"include":[{"system":"#c1"}]}}""");
        Assert.That(ErrorsOf(bad), Is.EqualTo(new[]
        {
            "ValueSet.compose.include[0]: URI values in ValueSet.compose.include.system must be absolute. To reference a contained code system, use the full CodeSystem URL and reference it using the http://hl7.org/fhir/StructureDefinition/valueset-system extension",
        }), bad.Describe());

        var good = Core.Validate("""{"resourceType":"ValueSet","url":"urn:uuid:6a2ee390-978e-42c6-8f88-c17dff3bd8a3","status":"active","compose":{"include":[{"system":"http://example.org/cs"}]}}""");
        Assert.That(good.Errors(), Is.Empty, good.Describe());
    }

    [Test]
    public void A_canonical_url_is_absolute_in_contained_resources_too()
    {
        var report = Core.Validate("""
            {"resourceType":"ValueSet","url":"ValueSet/v1","status":"active",
             "contained":[{"resourceType":"CodeSystem","id":"c1","url":"c1","status":"active","content":"complete"}],
             "compose":{"include":[{"system":"http://example.org/cs"}]}}
            """);
        // (The unreferenced contained resource also fails dom-3, which is not what this test is about.)
        Assert.That(ErrorsOf(report).Where(e => e.Contains("Canonical URLs")), Is.EquivalentTo(new[]
        {
            "ValueSet.url: Canonical URLs must be absolute URLs if they are not fragment references (ValueSet/v1)",
            "ValueSet.contained[0].url: Canonical URLs in contained resources must be absolute URLs if present (c1)",
        }), report.Describe());
    }

    [Test]
    public void A_composite_search_parameter_has_two_components()
    {
        const string head = """{"resourceType":"SearchParameter","url":"http://example.org/sp","name":"x","status":"active","description":"x","code":"x","base":["Observation"],"type":"composite","expression":"Observation","component":[""";
        const string component = """{"definition":"http://hl7.org/fhir/SearchParameter/clinical-code","expression":"code"}""";
        var one = Core.Validate(head + component + "]}");
        Assert.That(ErrorsOf(one), Is.EqualTo(new[]
        {
            "SearchParameter: When the SearchParameter has a type of 'composite', then the SearchParameter must define two or more components",
        }), one.Describe());
        var two = Core.Validate(head + component + "," + component + "]}");
        Assert.That(two.Errors(), Is.Empty, two.Describe());
    }

    [Test]
    public void An_enable_when_refers_to_a_question_outside_the_item()
    {
        const string questionnaire = """
            {"resourceType":"Questionnaire","url":"http://example.org/q","status":"draft","item":[
              {"linkId":"before","text":"b","type":"boolean"},
              {"linkId":"group","text":"g","type":"group","enableWhen":[{"question":"QUESTION","operator":"=","answerBoolean":true}],
               "item":[{"linkId":"inner","text":"i","type":"boolean"}]}]}
            """;
        Assert.That(Core.Validate(questionnaire.Replace("QUESTION", "before")).Errors(), Is.Empty);
        Assert.That(ErrorsOf(Core.Validate(questionnaire.Replace("QUESTION", "inner"))), Is.EqualTo(new[]
        {
            "Questionnaire.item[1]: Questions with an enableWhen cannot refer to an inner question for its enableWhen condition",
        }));
        Assert.That(ErrorsOf(Core.Validate(questionnaire.Replace("QUESTION", "group"))), Is.EqualTo(new[]
        {
            "Questionnaire.item[1]: Target for this question enableWhen can't reference itself",
        }));
    }

    [Test]
    public void A_search_parameter_expression_starts_at_its_bases_and_a_derived_one_keeps_its_type_and_bases()
    {
        static string Parameter(string bases, string type, string expression) => $$"""
            {"resourceType":"SearchParameter","url":"http://example.org/sp","name":"x","status":"active","description":"x","code":"name",
             "derivedFrom":"http://hl7.org/fhir/SearchParameter/Organization-name","base":[{{bases}}],"type":"{{type}}","expression":"{{expression}}"}
            """;
        Assert.That(ErrorsOf(Core.Validate(Parameter("\"Organization\"", "string", "Organization.name | Organization.alias"))), Is.Empty);
        // A path of a DomainResource parameter applies to every resource.
        Assert.That(ErrorsOf(Core.Validate(Parameter("\"Organization\"", "string", "DomainResource.text | Organization.name"))), Is.Empty);
        Assert.That(ErrorsOf(Core.Validate(Parameter("\"Patient\"", "token", "Organization.name | Patient.name"))), Is.EqualTo(new[]
        {
            "SearchParameter.expression: Error in search expression 'Organization.name | Patient.name': The name 'Organization' is not valid for any of the possible types: [http://hl7.org/fhir/StructureDefinition/Patient] (@char 1)",
            "SearchParameter: The resource type Patient is not listed as a base in the SearchParameter this is derived from (http://hl7.org/fhir/SearchParameter/Organization-name)",
            "SearchParameter: The type token is different to the type string of http://hl7.org/fhir/SearchParameter/Organization-name, the SearchParameter this is derived from",
        }));
    }

    [Test]
    public void A_structure_definition_gives_a_snapshot_slices_no_root_and_binds_only_coded_types()
    {
        static string Definition(string elements) => $$$"""
            {"resourceType":"StructureDefinition","url":"http://example.org/sd/p","name":"P","status":"draft","kind":"resource","abstract":false,
             "type":"Patient","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint","differential":{"element":[{{{elements}}}]}}
            """;
        Assert.That(ErrorsOf(Core.Validate(Definition("""{"id":"Patient.identifier","path":"Patient.identifier","min":1},{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}"""))), Is.Empty);
        Assert.That(ErrorsOf(Core.Validate(Definition("""
            {"id":"Patient.birthDate","path":"Patient.birthDate","type":[{"code":"date"}],"binding":{"strength":"required","valueSet":"http://example.org/vs"}},
            {"id":"Patient.identifier","path":"Patient.identifier","min":1}
            """))), Is.EqualTo(new[]
        {
            "StructureDefinition.differential.element[0]: This element has a Binding but the types [date] do not make this kind of constraint relevant",
            "StructureDefinition: Error generating Snapshot: No match found for Patient.birthDate in the generated snapshot: check that the path and definitions are legal in the differential (including order) (at StructureDefinition.differential.element[0])",
            "StructureDefinition: Error generating Snapshot: The profile http://example.org/sd/p has 1 element in the differential (id: Patient.birthDate) that don't have a matching element in the snapshot: check that the path and definitions are legal in the differential (including order) (at StructureDefinition.differential)",
        }));
        Assert.That(ErrorsOf(Core.Validate(Definition("""{"id":"Patient","path":"Patient","slicing":{"discriminator":[{"type":"value","path":"id"}],"rules":"open"}}"""))),
            Does.Contain("StructureDefinition.differential.element[0]: Slicing is not allowed at the root of a profile"));
    }

    [Test]
    public void A_supplement_has_content_supplement()
    {
        const string cs = """{"resourceType":"CodeSystem","url":"http://example.org/cs","status":"active","supplements":"http://example.org/base","content":"{0}"}""";
        var bad = Core.Validate(cs.Replace("{0}", "complete"));
        Assert.That(ErrorsOf(bad), Is.EqualTo(new[] { "CodeSystem.content: CodeSystem Supplements SHALL have a content value of 'supplement'" }), bad.Describe());
        var good = Core.Validate(cs.Replace("{0}", "supplement"));
        Assert.That(good.Errors(), Is.Empty, good.Describe());
    }

    [Test]
    public void Que_12_asks_for_enableBehavior_from_two_enableWhen()
    {
        // The R4 expression counts "> 2", against its own description; the corrected one counts "> 1".
        var report = Core.Validate("""
            {"resourceType":"Questionnaire","status":"active","item":[
              {"linkId":"a","type":"boolean"},{"linkId":"b","type":"boolean"},
              {"linkId":"c","type":"string","enableWhen":[
                {"question":"a","operator":"=","answerBoolean":true},{"question":"b","operator":"=","answerBoolean":true}]}]}
            """);
        Assert.That(ErrorsOf(report).Single(), Does.StartWith("Questionnaire.item[2]: Constraint failed: que-12:"), report.Describe());
    }

    [Test]
    public void A_code_system_lists_the_concepts_its_content_and_count_say()
    {
        const string cs = """{"resourceType":"CodeSystem","url":"http://example.org/cs","status":"active","content":"{0}","count":{1},"concept":[{"code":"a","concept":[{"code":"a1"}]},{"code":"b"}]}""";
        var notPresent = Core.Validate(cs.Replace("{0}", "not-present").Replace("{1}", "3"));
        Assert.That(ErrorsOf(notPresent), Is.EqualTo(new[] { "CodeSystem.concept[0]: The code system says it has no content present, but concepts are found" }), notPresent.Describe());
        var miscounted = Core.Validate(cs.Replace("{0}", "complete").Replace("{1}", "4"));
        Assert.That(ErrorsOf(miscounted), Is.EqualTo(new[] { "CodeSystem.count: The code system is complete, but the number of concepts (3) does not match the stated total number (4)" }), miscounted.Describe());
        var counted = Core.Validate(cs.Replace("{0}", "complete").Replace("{1}", "3"));
        Assert.That(counted.Errors(), Is.Empty, counted.Describe());
    }

    [Test]
    public void An_identifier_whose_system_is_rfc_3986_has_a_uri_value()
    {
        const string patient = """{"resourceType":"Patient","identifier":[{"system":"urn:ietf:rfc:3986","value":"{0}"}]}""";
        var bad = Core.Validate(patient.Replace("{0}", "2.16.840.1.113883.6.57"));
        Assert.That(ErrorsOf(bad), Is.EqualTo(new[]
        {
            "Patient.identifier[0]: if identifier.system is 'urn:ietf:rfc:3986', then the identifier.value must be a full URI (e.g. start with a scheme), not '2.16.840.1.113883.6.57'",
        }), bad.Describe());
        var good = Core.Validate(patient.Replace("{0}", "urn:oid:2.16.840.1.113883.6.57"));
        Assert.That(good.Errors(), Is.Empty, good.Describe());
    }

    [Test]
    public void Code_system_properties_are_defined_once_with_their_standard_types_and_values_of_that_type()
    {
        var report = Core.Validate("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs","status":"active","content":"complete",
             "property":[{"uri":"http://hl7.org/fhir/concept-properties#notSelectable","code":"notSelectable","type":"dateTime"},
                         {"code":"notSelectable","type":"boolean"},
                         {"uri":"http://hl7.org/fhir/concept-properties#inactive","code":"status","type":"boolean"}],
             "concept":[{"code":"a","property":[{"code":"notSelectable","valueBoolean":true}]}]}
            """);
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            "CodeSystem.property[0]: Wrong type 'dateTime': The URI 'http://hl7.org/fhir/concept-properties#notSelectable' identifies a property that has the type 'boolean'",
            "CodeSystem.property[1]: A property is already defined with the code 'notSelectable'",
            "CodeSystem.property[2]: The URI 'http://hl7.org/fhir/concept-properties#inactive' is normally assigned the code 'inactive'. Using the code 'status' will usually create confusion in ValueSet filters etc",
            "CodeSystem.concept[0].property[0]: The property 'notSelectable' has the invalid type 'boolean', when it is defined to have the type 'dateTime'",
        }), report.Describe());
    }

    [Test]
    public void A_filter_value_expression_is_fhirpath_naming_a_parameter_of_the_value_set()
    {
        const string vs = """
            {"resourceType":"ValueSet","url":"http://example.org/vs","status":"active",
             "extension":[{"url":"http://hl7.org/fhir/tools/StructureDefinition/valueset-parameter","extension":[{"url":"name","valueCode":"p"}]}],
             "compose":{"include":[{"system":"http://snomed.info/sct","filter":[{"property":"inactive","op":"=",
               "_value":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/cqf-expression","valueExpression":{"language":"LANG","expression":"%NAME"}}]}}]}]}}
            """;
        Assert.That(Core.Validate(vs.Replace("LANG", "text/fhirpath").Replace("NAME", "p")).Errors(), Is.Empty);
        Assert.That(ErrorsOf(Core.Validate(vs.Replace("LANG", "text/cql").Replace("NAME", "p"))).Select(e => e[(e.IndexOf(": ") + 2)..]),
            Is.EqualTo(new[] { "A ValueSet expression language must be 'text/fhirpath' not 'text/cql'" }));
        Assert.That(ErrorsOf(Core.Validate(vs.Replace("LANG", "text/fhirpath").Replace("NAME", "q"))).Select(e => e[(e.IndexOf(": ") + 2)..]),
            Is.EqualTo(new[] { "The filter parameter expression '%q' refers to the unknown parameter 'q'" }));
    }

    [Test]
    public void For_publication_an_HL7_definition_names_its_work_group()
    {
        const string withoutGroup = """{"resourceType":"CodeSystem","url":"http://hl7.org/fhir/narrative-status","status":"draft","content":"complete"}""";
        const string withGroup = """{"resourceType":"CodeSystem","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/structuredefinition-wg","valueCode":"fhir"}],"url":"http://hl7.org/fhir/narrative-status","status":"draft","content":"complete"}""";
        const string elsewhere = """{"resourceType":"CodeSystem","url":"http://example.org/cs","status":"draft","content":"complete"}""";
        var publishing = Validator(ValidatorOptions.Default with { ForPublication = true });

        Assert.That(ErrorsOf(publishing.Validate(withoutGroup)), Is.EqualTo(new[]
        {
            "CodeSystem: When HL7 is publishing a resource, the owning committee must be stated using the http://hl7.org/fhir/StructureDefinition/structuredefinition-wg extension",
        }));
        Assert.That(ErrorsOf(publishing.Validate(withGroup)), Is.Empty);
        Assert.That(ErrorsOf(publishing.Validate(elsewhere)), Is.Empty, "not in HL7's space");
        Assert.That(ErrorsOf(Core.Validate(withoutGroup)), Is.Empty, "not publishing");
    }
}
