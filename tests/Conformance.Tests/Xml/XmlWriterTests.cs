using System.Text;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using static FhirServer.Conformance.Tests.Xml.XmlTestSupport;

namespace FhirServer.Conformance.Tests.Xml;

public class XmlWriterTests
{
    private static ElementNode Patient() => ParseJsonOk("""
        {"resourceType":"Patient","id":"p1","extension":[{"url":"http://example.org/e","valueDecimal":1.50}],
         "active":true,"name":[{"id":"n1","family":"Dupont","given":["Jean"],"_given":[{"id":"g1"}]}],"gender":"male"}
        """);

    [Test]
    public void Compact_output_has_the_fhir_namespace_attributes_and_definition_order()
    {
        var xml = FhirXmlWriter.WriteToString(Patient());
        Assert.That(xml, Is.EqualTo(
            "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"p1\" />"
            + "<extension url=\"http://example.org/e\"><valueDecimal value=\"1.50\" /></extension>"
            + "<active value=\"true\" /><name id=\"n1\"><family value=\"Dupont\" /><given id=\"g1\" value=\"Jean\" /></name>"
            + "<gender value=\"male\" /></Patient>"));
    }

    [Test]
    public void Children_built_out_of_order_are_written_in_definition_order()
    {
        var patient = ParseJsonOk("""{"gender":"male","name":[{"given":["Jean"],"family":"Dupont"}],"resourceType":"Patient","active":true}""");
        Assert.That(FhirXmlWriter.WriteToString(patient), Is.EqualTo(
            "<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\" /><name><family value=\"Dupont\" /><given value=\"Jean\" /></name><gender value=\"male\" /></Patient>"));
    }

    [Test]
    public void Bytes_are_utf8_without_bom_and_the_declaration_is_optional()
    {
        var patient = ParseJsonOk("""{"resourceType":"Patient","name":[{"family":"Müller"}]}""");
        var bytes = FhirXmlWriter.WriteToBytes(patient);
        Assert.That(bytes[0], Is.EqualTo((byte)'<'));
        Assert.That(Encoding.UTF8.GetString(bytes), Does.Contain("Müller"));
        Assert.That(FhirXmlWriter.WriteToString(patient, xmlDeclaration: true), Does.StartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?><Patient"));
    }

    [Test]
    public void Pretty_output_is_indented_and_reads_back_the_same()
    {
        var patient = Patient();
        var pretty = FhirXmlWriter.WriteToString(patient, pretty: true);
        Assert.That(pretty, Does.Contain("\n  <active value=\"true\" />\n"));
        Assert.That(XmlModelComparer.Differences(patient, ParseOk(pretty)), Is.Empty);
    }

    [Test]
    public void Line_breaks_tabs_and_markup_characters_in_values_survive()
    {
        const string text = "  a\r\nb\rc\nd\te <&> \"q\" 'a'  ";
        var escaped = text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
        var patient = ParseJsonOk($$"""{"resourceType":"Patient","name":[{"text":"{{escaped}}"}]}""");
        var xml = FhirXmlWriter.WriteToString(patient);
        Assert.That(xml, Does.Contain("&#xD;&#xA;"));
        Assert.That(ParseOk(xml).Child("name")!.Child("text")!.Value, Is.EqualTo(text));
    }

    [Test]
    public void Write_to_a_stream_leaves_it_open()
    {
        using var stream = new MemoryStream();
        FhirXmlWriter.Write(stream, Patient());
        Assert.That(stream.CanWrite);
        Assert.That(Parser.Parse(stream.ToArray()).Success);
    }
}
