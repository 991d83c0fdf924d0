using FhirServer.Conformance.Model;
using static FhirServer.Conformance.Tests.Xml.XmlTestSupport;

namespace FhirServer.Conformance.Tests.Xml;

public class XmlParserErrorTests
{
    [Test]
    public void Unknown_element_is_reported_with_location_and_line_column_and_skipped()
    {
        var result = Parser.Parse("<Patient xmlns=\"http://hl7.org/fhir\">\r\n  <active value=\"true\"/>\r\n  <colour value=\"blue\"><x/></colour>\r\n  <gender value=\"male\"/>\r\n</Patient>");
        var issue = result.Issues.Single();
        Assert.That(issue.Severity, Is.EqualTo(IssueSeverity.Error));
        Assert.That(issue.Message, Is.EqualTo("Unrecognized element 'colour'"));
        Assert.That(issue.Expression, Is.EqualTo("Patient.colour"));
        Assert.That((issue.Line, issue.Column), Is.EqualTo((3, 3)));
        Assert.That(result.Resource!.Child("gender")!.Value, Is.EqualTo("male"), "reading goes on after the unknown element");
    }

    [Test]
    public void Unknown_attribute_and_element_of_another_namespace_are_reported()
    {
        var errors = Errors("""<Patient xmlns="http://hl7.org/fhir" xmlns:x="urn:x"><active value="true" colour="blue"/><x:note/></Patient>""");
        Assert.That(errors.Select(e => (e.Message, e.Expression)), Is.EqualTo(new[]
        {
            ("Unrecognized attribute 'colour'", "Patient.active.colour"),
            ("Unrecognized element 'x:note' in namespace 'urn:x': FHIR elements are in http://hl7.org/fhir (R4 §2.7)", "Patient.note"),
        }));
    }

    [Test]
    public void Text_content_is_an_error()
    {
        var errors = Errors("""<Patient xmlns="http://hl7.org/fhir"><name><family>Dupont</family></name></Patient>""");
        // The text is not the value: the primitive is left with none.
        Assert.That(errors.Select(e => (e.Message, e.Expression)), Is.EqualTo(new[]
        {
            ("Text is not allowed in 'family': use the value attribute (R4 §2.7) (found 'Dupont')", "Patient.name[0].family"),
            ("Primitive types must have a value or must have child extensions", "Patient.name[0].family"),
        }));
    }

    [Test]
    public void Each_piece_of_text_is_reported()
    {
        var errors = Errors("""<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/> [%loop count=70%] <entry><fullUrl value="urn:uuid:1"/></entry> [%endloop%] </Bundle>""");
        Assert.That(errors.Select(e => (e.Message, e.Expression)), Is.EqualTo(new[]
        {
            ("Text is not allowed in 'Bundle': use the value attribute (R4 §2.7) (found '[%loop count=70%]')", "Bundle"),
            ("Text is not allowed in 'Bundle': use the value attribute (R4 §2.7) (found '[%endloop%]')", "Bundle"),
        }));
    }

    [Test]
    public void Content_refused_in_a_complex_element_marks_it_while_a_primitive_with_only_unknown_content_is_empty()
    {
        var result = Parser.Parse("""<Observation xmlns="http://hl7.org/fhir"><status value="final"/><code><coding2/></code><valueInteger><value value="0"/></valueInteger></Observation>""");
        Assert.That(result.Issues.Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Unrecognized element 'coding2'", "Observation.code.coding2"),
            ("Unrecognized element 'value'", "Observation.value.ofType(integer).value"),
            ("Primitive types must have a value or must have child extensions", "Observation.value.ofType(integer)"),
        }));
        Assert.That(result.Resource!.Child("code")!.HasRefusedContent, Is.True);
        Assert.That(result.Resource.Child("value")!.HasRefusedContent, Is.False);
        Assert.That(result.Resource.Child("status")!.HasRefusedContent, Is.False);
    }

    [Test]
    public void Elements_out_of_definition_order_are_reported_yet_read()
    {
        var result = Parser.Parse("""<Patient xmlns="http://hl7.org/fhir"><name><given value="A"/><family value="B"/></name><gender value="male"/><active value="true"/></Patient>""");
        Assert.That(result.Issues.Select(i => i.Message), Is.EqualTo(new[]
        {
            "The element 'family' is out of order: the definition puts it before 'given' (R4 §2.7: elements appear in the order documented)",
            "The element 'active' is out of order: the definition puts it before 'gender' (R4 §2.7: elements appear in the order documented)",
        }));
        Assert.That(result.Resource!.Child("active")!.Value, Is.EqualTo("true"));
        Assert.That(result.Resource.Child("name")!.Child("family")!.Value, Is.EqualTo("B"));
    }

    [Test]
    public void Repeating_element_split_by_another_is_out_of_order()
    {
        var errors = Errors("""<Patient xmlns="http://hl7.org/fhir"><name><given value="A"/></name><telecom><value value="1"/></telecom><name><given value="B"/></name></Patient>""");
        Assert.That(errors.Single().Message, Does.StartWith("The element 'name' is out of order"));
    }

    [TestCase("""<Patient xmlns="http://hl7.org/fhir"><active/></Patient>""", "Patient.active")]
    [TestCase("""<Patient xmlns="http://hl7.org/fhir"><name/></Patient>""", "Patient.name[0]")]
    [TestCase("""<Patient xmlns="http://hl7.org/fhir"><name><given/></name></Patient>""", "Patient.name[0].given[0]")]
    public void Empty_elements_are_errors(string xml, string location)
    {
        var error = Errors(xml).Single();
        Assert.That(error.Message, Is.EqualTo("Empty elements are not allowed: an element must have a value or children (R4 §2.7)"));
        Assert.That(error.Expression, Is.EqualTo(location));
    }

    [Test]
    public void Empty_value_attribute_is_an_error_as_in_json()
    {
        var error = Errors("""<Patient xmlns="http://hl7.org/fhir"><gender value=""/></Patient>""").Single();
        Assert.That(error.Message, Is.EqualTo("Empty values are not allowed: omit the element instead (R4 §2.6.2)"));
    }

    [Test]
    public void Value_attribute_on_a_complex_element_is_an_error()
    {
        var error = Errors("""<Patient xmlns="http://hl7.org/fhir"><name value="Dupont"><family value="Dupont"/></name></Patient>""").Single();
        Assert.That(error.Message, Is.EqualTo("'name' is of type HumanName, which has no value attribute: its content goes in child elements (R4 §2.7)"));
    }

    [Test]
    public void Invalid_primitive_values_are_reported_with_the_json_parser_messages()
    {
        var errors = Errors("""<Patient xmlns="http://hl7.org/fhir"><active value="yes"/><birthDate value="1974-13-45"/></Patient>""");
        Assert.That(errors.Select(e => (e.Code, e.Message, e.Expression)), Is.EqualTo(new[]
        {
            ("value", "The value 'yes' is not a valid boolean", "Patient.active"),
            ("value", "The value '1974-13-45' is not a valid date", "Patient.birthDate"),
        }));
    }

    [Test]
    public void Duplicates_of_a_single_element_and_of_a_choice_are_errors()
    {
        var errors = Errors("""<Patient xmlns="http://hl7.org/fhir"><gender value="male"/><gender value="female"/><deceasedBoolean value="true"/><deceasedDateTime value="2020"/></Patient>""");
        Assert.That(errors.Select(e => e.Message), Is.EqualTo(new[]
        {
            "Duplicate element 'gender': it does not repeat",
            "Only one of the choice types of 'deceased[x]' may be present (found 'deceasedBoolean' and 'deceasedDateTime')",
        }));
    }

    [Test]
    public void Unknown_resource_type_and_wrong_namespace_give_no_resource()
    {
        var unknown = Parser.Parse("""<Patiente xmlns="http://hl7.org/fhir"><id value="1"/></Patiente>""");
        Assert.That(unknown.Resource, Is.Null);
        Assert.That(unknown.Issues.Single().Message, Is.EqualTo("Unknown resource type 'Patiente'"));

        var noNamespace = Parser.Parse("""<Patient><id value="1"/></Patient>""");
        Assert.That(noNamespace.Resource, Is.Null);
        Assert.That(noNamespace.Issues.Single().Message, Does.Contain("not in the FHIR namespace"));
    }

    [Test]
    public void Resource_wrappers_must_hold_exactly_one_resource()
    {
        var errors = Errors("""
            <Bundle xmlns="http://hl7.org/fhir"><type value="collection"/>
              <entry><resource/></entry>
              <entry><resource><Patient><active value="true"/></Patient><Patient><active value="false"/></Patient></resource></entry>
              <entry><resource><Unknown/></resource></entry>
            </Bundle>
            """);
        Assert.That(errors.Select(e => (e.Message, e.Line)), Is.EqualTo(new[]
        {
            ("'resource' must hold a resource element, e.g. <resource><Patient>…</Patient></resource> (R4 §2.7)", 2),
            ("'resource' holds one resource only", 3),
            ("Unknown resource type 'Unknown'", 4),
        }));
    }

    [Test]
    public void Narrative_div_outside_the_xhtml_namespace_is_an_error()
    {
        var error = Errors("""<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div>hi</div></text></Patient>""").Single();
        Assert.That(error.Message, Is.EqualTo("The narrative 'div' must be in the XHTML namespace http://www.w3.org/1999/xhtml (R4 §2.4.1)"));
    }

    [Test]
    public void Declared_encoding_other_than_utf8_is_reported_for_bytes()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("""<?xml version="1.0" encoding="ISO-8859-1"?><Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>""");
        var result = Parser.Parse(bytes);
        Assert.That(result.Issues.Single().Message, Does.Contain("FHIR XML must be UTF-8"));
        Assert.That(result.Resource!.Child("active")!.Value, Is.EqualTo("true"));
    }
}
