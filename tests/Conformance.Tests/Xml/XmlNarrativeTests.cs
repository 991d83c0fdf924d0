using System.Text;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using static FhirServer.Conformance.Tests.Xml.XmlTestSupport;

namespace FhirServer.Conformance.Tests.Xml;

/// <summary>The narrative div is carried as its exact source text, the string the JSON form holds (R4 §2.4.1).</summary>
public class XmlNarrativeTests
{
    private static string InPatient(string div, string newline = "\n") =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>{newline}<Patient xmlns=\"http://hl7.org/fhir\">{newline}  <text>{newline}    <status value=\"generated\"/>{newline}    "
        + div + $"{newline}  </text>{newline}  <active value=\"true\"/>{newline}</Patient>";

    private static ElementNode Div(ElementNode patient) => patient.Child("text")!.Child("div")!;

    [TestCase("<div xmlns=\"http://www.w3.org/1999/xhtml\">Hi</div>")]
    [TestCase("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hi &amp; bye &lt;3 &#169; &#x263A;</p></div>")]
    [TestCase("<div xmlns='http://www.w3.org/1999/xhtml' class='a \"b\"'><p title='x > y'>q</p></div>")]
    [TestCase("<div xmlns=\"http://www.w3.org/1999/xhtml\"/>")]
    [TestCase("<div class='x>y' xmlns=\"http://www.w3.org/1999/xhtml\" />")]
    [TestCase("<div xmlns=\"http://www.w3.org/1999/xhtml\">\r\n  <table>\r\n    <tr><td>a</td></tr>\r\n  </table>\r\n</div>")]
    [TestCase("<div xmlns=\"http://www.w3.org/1999/xhtml\">line\rbreak\r\n\ttab <!-- a > comment --> <![CDATA[<raw>]]></div>")]
    [TestCase("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>été 😀</p><div><div><span>deep</span></div></div></div >")]
    [TestCase("<div\r\n   xmlns=\"http://www.w3.org/1999/xhtml\"\r\n   lang=\"fr\"><img src=\"a.png\" alt=\"a\"/></div>")]
    public void Div_value_is_the_exact_source_text(string div)
    {
        foreach (var newline in new[] { "\n", "\r\n", "\r" })
        {
            var xml = InPatient(div, newline);
            var patient = ParseOk(xml);
            Assert.That(Div(patient).Value, Is.EqualTo(div), $"newline {newline.Replace("\r", "CR").Replace("\n", "LF")}");
            Assert.That(ParseOk(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(xml))).Child("active")!.Value, Is.EqualTo("true"));
            var bytes = Parser.Parse(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(xml)).ToArray());
            Assert.That(Div(bytes.Resource!).Value, Is.EqualTo(div), "from bytes with a BOM");
        }
    }

    [Test]
    public void Div_on_the_same_line_as_multibyte_text_and_the_root()
    {
        const string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">é</div>";
        var xml = $"<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"Müller 😀\"/></name><text><status value=\"generated\"/>{div}</text></Patient>";
        Assert.That(Parser.Parse(xml).Issues, Has.Count.EqualTo(1), "text comes after name: out of order");
        var xml2 = $"<Patient xmlns=\"http://hl7.org/fhir\"><meta><tag><display value=\"Müller 😀\"/></tag></meta><text><status value=\"generated\"/>{div}</text></Patient>";
        Assert.That(Div(ParseOk(xml2)).Value, Is.EqualTo(div));
        Assert.That(Div(Parser.Parse(Encoding.UTF8.GetBytes(xml2)).Resource!).Value, Is.EqualTo(div));
    }

    [Test]
    public void Div_text_round_trips_through_json_and_the_writer()
    {
        const string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Hi &amp; bye</p></div>";
        var json = $$$"""{"resourceType":"Patient","text":{"status":"generated","div":"{{{div.Replace("\"", "\\\"")}}}"}}""";
        var fromJson = ParseJsonOk(json);
        var xml = FhirXmlWriter.WriteToString(fromJson);
        Assert.That(xml, Does.Contain("<text><status value=\"generated\" />" + div + "</text>"));
        Assert.That(Div(ParseOk(xml)).Value, Is.EqualTo(div));
    }

    [Test]
    public void Prefixed_div_is_normalized_to_a_default_namespace_declaration()
    {
        var patient = ParseOk(InPatient("<h:div xmlns:h=\"http://www.w3.org/1999/xhtml\"><h:p class=\"c\">a &amp; b</h:p><h:br/></h:div>"));
        Assert.That(Div(patient).Value, Is.EqualTo("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p class=\"c\">a &amp; b</p><br /></div>"));
    }

    [Test]
    public void Div_using_a_prefix_declared_on_an_ancestor_is_normalized()
    {
        var xml = """
            <Patient xmlns="http://hl7.org/fhir" xmlns:h="http://www.w3.org/1999/xhtml">
              <text><status value="generated"/><h:div><h:p>x</h:p></h:div></text>
            </Patient>
            """;
        Assert.That(Div(ParseOk(xml)).Value, Is.EqualTo("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x</p></div>"));
    }

    [Test]
    public void Div_whose_inner_prefix_is_declared_outside_falls_back_to_the_normalized_copy()
    {
        var xml = """
            <Patient xmlns="http://hl7.org/fhir" xmlns:s="http://www.w3.org/2000/svg">
              <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><s:svg><s:circle r="1"/></s:svg></div></text>
            </Patient>
            """;
        var value = Div(ParseOk(xml)).Value!;
        Assert.That(value, Is.EqualTo("<div xmlns=\"http://www.w3.org/1999/xhtml\"><s:svg xmlns:s=\"http://www.w3.org/2000/svg\"><s:circle r=\"1\" /></s:svg></div>"));
        Assert.That(PrimitiveRules.CheckXhtml(value), Is.Null);
    }

    [Test]
    public void Div_with_undeclared_entity_is_refused()
    {
        var result = Parser.Parse(InPatient("<div xmlns=\"http://www.w3.org/1999/xhtml\">a&nbsp;b</div>"));
        Assert.That(result.Resource, Is.Null);
        Assert.That(result.Issues.Single().Severity, Is.EqualTo(IssueSeverity.Fatal));
        Assert.That(result.Issues.Single().Message, Does.Contain("nbsp"));
    }
}
