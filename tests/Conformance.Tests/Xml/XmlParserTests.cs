using FhirServer.Conformance.Serialization;
using static FhirServer.Conformance.Tests.Xml.XmlTestSupport;

namespace FhirServer.Conformance.Tests.Xml;

public class XmlParserTests
{
    [Test]
    public void Typed_tree_is_the_one_the_json_parser_builds()
    {
        var patient = AssertSameAsJson(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <Patient xmlns="http://hl7.org/fhir">
              <id value="p1"/>
              <active value="true"/>
              <name><family value="Dupont"/><given value="Jean"/><given value="Marie"/></name>
              <birthDate value="1974-12-25"/>
            </Patient>
            """,
            """{"resourceType":"Patient","id":"p1","active":true,"name":[{"family":"Dupont","given":["Jean","Marie"]}],"birthDate":"1974-12-25"}""");
        var given = patient.Child("name")!.ChildrenNamed("given").ToList();
        Assert.That(given.Select(g => g.Value), Is.EqualTo(new[] { "Jean", "Marie" }));
        Assert.That(given[1].Location, Is.EqualTo("Patient.name[0].given[1]"));
        Assert.That(given[1].Definition!.Path, Is.EqualTo("HumanName.given"));
        Assert.That(patient.Child("id")!.Type, Is.EqualTo("id"));
        Assert.That((given[1].Line, given[1].Column), Is.EqualTo((5, 54)));
    }

    [Test]
    public void Choice_element_keeps_base_name_and_chosen_type()
    {
        var obs = AssertSameAsJson(
            """<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><valueQuantity><value value="1.10"/><unit value="mg"/></valueQuantity></Observation>""",
            """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.10,"unit":"mg"}}""");
        var value = obs.Child("value")!;
        Assert.That(value.Type, Is.EqualTo("Quantity"));
        Assert.That(value.Location, Is.EqualTo("Observation.value.ofType(Quantity)"));
    }

    [TestCase("1.10")]
    [TestCase("1e3")]
    [TestCase("-0.000")]
    [TestCase("12345678901234567890.123456789")]
    public void Decimals_are_kept_exactly_as_written(string literal)
    {
        var obs = AssertSameAsJson(
            $"""<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><text value="x"/></code><valueQuantity><value value="{literal}"/></valueQuantity></Observation>""",
            $$$"""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":{{{literal}}}}}""");
        Assert.That(obs.Child("value")!.Child("value")!.Value, Is.EqualTo(literal));
        Assert.That(FhirXmlWriter.WriteToString(obs), Does.Contain($"<value value=\"{literal}\" />"));
    }

    [Test]
    public void Primitive_with_extension_only_has_no_value()
    {
        var patient = AssertSameAsJson(
            """
            <Patient xmlns="http://hl7.org/fhir"><name>
              <given value="Jean"/>
              <given><extension url="http://example.org/x"><valueString value="only-ext"/></extension></given>
              <given id="g3" value="Luc"/>
            </name></Patient>
            """,
            """
            {"resourceType":"Patient","name":[{"given":["Jean",null,"Luc"],
              "_given":[null,{"extension":[{"url":"http://example.org/x","valueString":"only-ext"}]},{"id":"g3"}]}]}
            """);
        var given = patient.Child("name")!.ChildrenNamed("given").ToList();
        Assert.That(given[1].Value, Is.Null);
        Assert.That(given[1].Child("extension")!.Child("value")!.Value, Is.EqualTo("only-ext"));
        Assert.That(given[2].Child("id")!.Value, Is.EqualTo("g3"));
        var xml = FhirXmlWriter.WriteToString(patient);
        Assert.That(xml, Does.Contain("<given><extension url=\"http://example.org/x\"><valueString value=\"only-ext\" /></extension></given>"));
        Assert.That(xml, Does.Contain("<given id=\"g3\" value=\"Luc\" />"));
    }

    [Test]
    public void Id_is_an_attribute_on_elements_and_an_element_on_resources()
    {
        var patient = AssertSameAsJson(
            """<Patient xmlns="http://hl7.org/fhir"><id value="p1"/><name id="n1"><family value="Martin"/></name><contact id="c1"><gender value="male"/></contact></Patient>""",
            """{"resourceType":"Patient","id":"p1","name":[{"id":"n1","family":"Martin"}],"contact":[{"id":"c1","gender":"male"}]}""");
        Assert.That(patient.Child("name")!.Child("id")!.Value, Is.EqualTo("n1"));
        Assert.That(patient.Child("contact")!.Child("id")!.Location, Is.EqualTo("Patient.contact[0].id"));
        var errors = Errors("""<Patient xmlns="http://hl7.org/fhir" id="p1"><name><id value="n1"/></name></Patient>""");
        Assert.That(errors.Select(e => e.Message), Is.EqualTo(new[]
        {
            "Unrecognized attribute 'id'",
            "'id' must be an XML attribute, not an element (R4 §2.7)",
        }));
    }

    [Test]
    public void Extension_url_is_an_attribute_and_nested_extensions_keep_their_order()
    {
        AssertSameAsJson(
            """
            <Patient xmlns="http://hl7.org/fhir">
              <extension url="http://example.org/complex">
                <extension url="a"><valueCode value="x"/></extension>
                <extension url="b"><valueInteger value="-12"/></extension>
              </extension>
              <modifierExtension id="m" url="http://example.org/mod"><valueBoolean value="false"/></modifierExtension>
            </Patient>
            """,
            """
            {"resourceType":"Patient","extension":[{"extension":[{"url":"a","valueCode":"x"},{"url":"b","valueInteger":-12}],"url":"http://example.org/complex"}],
             "modifierExtension":[{"id":"m","url":"http://example.org/mod","valueBoolean":false}]}
            """);
    }

    [Test]
    public void Contained_resources_are_wrapped_and_typed()
    {
        var obs = AssertSameAsJson(
            """
            <Observation xmlns="http://hl7.org/fhir">
              <contained><Patient><id value="p1"/><gender value="female"/></Patient></contained>
              <contained><Practitioner><id value="pr"/></Practitioner></contained>
              <status value="final"/><code><text value="x"/></code><subject><reference value="#p1"/></subject>
            </Observation>
            """,
            """
            {"resourceType":"Observation","contained":[{"resourceType":"Patient","id":"p1","gender":"female"},{"resourceType":"Practitioner","id":"pr"}],
             "status":"final","code":{"text":"x"},"subject":{"reference":"#p1"}}
            """);
        var contained = obs.ChildrenNamed("contained").ToList();
        Assert.That(contained.Select(c => c.Type), Is.EqualTo(new[] { "Patient", "Practitioner" }));
        Assert.That(contained[0].IsResource);
        Assert.That(contained[0].Child("gender")!.Location, Is.EqualTo("Observation.contained[0].gender"));
        Assert.That(contained[0].Child("gender")!.Definition!.Path, Is.EqualTo("Patient.gender"));
    }

    [Test]
    public void Bundle_entry_resource_and_response_outcome_are_wrapped()
    {
        var bundle = AssertSameAsJson(
            """
            <Bundle xmlns="http://hl7.org/fhir"><type value="transaction-response"/>
              <entry><fullUrl value="urn:uuid:1"/><resource><Patient><active value="true"/></Patient></resource>
                <response><status value="201"/><outcome><OperationOutcome><issue><severity value="information"/><code value="informational"/></issue></OperationOutcome></outcome></response>
              </entry>
            </Bundle>
            """,
            """
            {"resourceType":"Bundle","type":"transaction-response","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","active":true},
              "response":{"status":"201","outcome":{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational"}]}}}]}
            """);
        var resource = bundle.Child("entry")!.Child("resource")!;
        Assert.That((resource.Name, resource.Type, resource.IsResource), Is.EqualTo(("resource", "Patient", true)));
        Assert.That(resource.Child("active")!.Location, Is.EqualTo("Bundle.entry[0].resource.active"));
    }

    [Test]
    public void Parameters_parameter_resource_is_wrapped()
    {
        var parameters = AssertSameAsJson(
            """
            <Parameters xmlns="http://hl7.org/fhir">
              <parameter><name value="count"/><valueInteger value="3"/></parameter>
              <parameter><name value="patient"/><resource><Patient><id value="x"/></Patient></resource></parameter>
              <parameter><name value="nested"/><part><name value="a"/><valueString value="b"/></part></parameter>
            </Parameters>
            """,
            """
            {"resourceType":"Parameters","parameter":[{"name":"count","valueInteger":3},{"name":"patient","resource":{"resourceType":"Patient","id":"x"}},
              {"name":"nested","part":[{"name":"a","valueString":"b"}]}]}
            """);
        Assert.That(parameters.ChildrenNamed("parameter").ElementAt(1).Child("resource")!.Type, Is.EqualTo("Patient"));
    }

    [Test]
    public void Comments_processing_instructions_whitespace_and_foreign_attributes_are_ignored()
    {
        ParseOk(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- leading comment -->
            <?xml-stylesheet href="x.xsl"?>
            <Patient xmlns="http://hl7.org/fhir" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                     xsi:schemaLocation="http://hl7.org/fhir fhir-single.xsd">
              <!-- a comment between elements -->
              <active value="true"/><?pi ignored?>
              <name xml:lang="fr"><family value="Dupont"/></name>
            </Patient>
            <!-- trailing comment -->
            """);
    }

    [Test]
    public void Prefixed_fhir_elements_are_read()
    {
        var patient = ParseOk("""<f:Patient xmlns:f="http://hl7.org/fhir"><f:active value="true"/></f:Patient>""");
        Assert.That(patient.Child("active")!.Value, Is.EqualTo("true"));
    }
}
