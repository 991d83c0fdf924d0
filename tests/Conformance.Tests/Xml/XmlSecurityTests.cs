using System.Diagnostics;
using System.Text;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using static FhirServer.Conformance.Tests.Xml.XmlTestSupport;

namespace FhirServer.Conformance.Tests.Xml;

/// <summary>Hostile XML is refused with a fatal issue, quickly, without expansion, resolution or deep recursion.</summary>
public class XmlSecurityTests
{
    private static OutcomeIssue Refused(ParseResult result)
    {
        Assert.That(result.Resource, Is.Null);
        var fatal = result.Issues.Where(i => i.Severity == IssueSeverity.Fatal).ToList();
        Assert.That(fatal, Has.Count.EqualTo(1), string.Join("\n", result.Issues));
        return fatal[0];
    }

    [Test]
    public void Dtd_is_refused()
    {
        var issue = Refused(Parser.Parse("<?xml version=\"1.0\"?>\n<!DOCTYPE Patient>\n<Patient xmlns=\"http://hl7.org/fhir\"/>"));
        Assert.That(issue.Message, Does.Contain("DTD").And.Not.Contain("DtdProcessing"));
        Assert.That((issue.Line, issue.Column), Is.EqualTo((2, 1)));
    }

    [Test]
    public void External_entity_is_never_resolved()
    {
        var secret = Path.Combine(Path.GetTempPath(), $"xxe-{Guid.NewGuid():N}.txt");
        File.WriteAllText(secret, "TOP-SECRET");
        try
        {
            var xml = $"""
                <?xml version="1.0"?>
                <!DOCTYPE Patient [ <!ENTITY xxe SYSTEM "file://{secret}"> ]>
                <Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>
                """;
            var issue = Refused(Parser.Parse(xml));
            Assert.That(issue.Message, Does.Contain("DTD").And.Not.Contain("TOP-SECRET"));
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Test]
    public void Undeclared_entity_without_dtd_is_refused()
    {
        var issue = Refused(Parser.Parse("""<Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>"""));
        Assert.That(issue.Message, Does.Contain("xxe"));
    }

    [Test]
    public void Billion_laughs_is_refused_without_expansion()
    {
        var sb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
        for (var i = 1; i <= 9; i++)
            sb.Append($" <!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? "" : (i - 1).ToString())};", 10))}\">\n");
        sb.Append("]>\n<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"&lol9;\"/></name></Patient>");
        var watch = Stopwatch.StartNew();
        var issue = Refused(Parser.Parse(sb.ToString()));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(issue.Message, Does.Contain("DTD"));
    }

    [Test]
    public void Ten_thousand_levels_of_extensions_are_refused_without_recursing()
    {
        var xml = "<Patient xmlns=\"http://hl7.org/fhir\">"
            + string.Concat(Enumerable.Repeat("<extension url=\"x\">", 10_000))
            + string.Concat(Enumerable.Repeat("</extension>", 10_000)) + "</Patient>";
        var issue = Refused(Parser.Parse(xml));
        Assert.That(issue.Message, Is.EqualTo($"The content is nested deeper than the limit of {ParserOptions.Default.MaxXmlDepth} levels of XML elements ({ParserOptions.Default.MaxDepth} of JSON)"));
    }

    [TestCase("<unknown>", "</unknown>")]
    [TestCase("<text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">", "</div></text>")]
    public void Deep_nesting_in_skipped_content_and_narrative_is_refused(string opening, string closing)
    {
        var inner = opening.Contains("div") ? ("<b>", "</b>") : ("<x>", "</x>");
        var xml = "<Patient xmlns=\"http://hl7.org/fhir\">" + opening
            + string.Concat(Enumerable.Repeat(inner.Item1, 10_000)) + string.Concat(Enumerable.Repeat(inner.Item2, 10_000))
            + closing + "</Patient>";
        Assert.That(Refused(Parser.Parse(xml)).Message, Does.StartWith("The content is nested deeper"));
    }

    [Test]
    public void Depth_limit_follows_the_options()
    {
        // MaxDepth 5 (JSON) allows 3 levels of XML elements.
        var parser = new FhirXmlParser(Support.TestData.Context.Registry, new ParserOptions { MaxDepth = 5 });
        Assert.That(parser.Parse("""<Patient xmlns="http://hl7.org/fhir"><name><family value="a"/></name></Patient>""").Issues, Is.Empty);
        Refused(parser.Parse("""<Patient xmlns="http://hl7.org/fhir"><name><family><extension url="x"/></family></name></Patient>"""));
    }

    [Test]
    public void Invalid_utf8_is_refused_with_its_offset()
    {
        var bytes = Encoding.UTF8.GetBytes("<Patient xmlns=\"http://hl7.org/fhir\">\n<name><family value=\"Du?ont\"/></name></Patient>");
        var at = Array.IndexOf(bytes, (byte)'?');
        bytes[at] = 0xC3; // a lead byte followed by an ASCII byte
        var issue = Refused(Parser.Parse(bytes));
        Assert.That(issue.Message, Is.EqualTo($"The content is not valid UTF-8 (invalid byte 0xC3 at offset {at})"));
        Assert.That(issue.Line, Is.EqualTo(2));
    }

    [Test]
    public void Utf16_input_is_refused()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("<Patient xmlns=\"http://hl7.org/fhir\"/>")).ToArray();
        Assert.That(Refused(Parser.Parse(bytes)).Message, Does.Contain("UTF-8"));
    }

    [TestCase("", "The content is empty")]
    [TestCase("<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"></Patient>", "Invalid XML")]
    [TestCase("<Patient xmlns=\"http://hl7.org/fhir\"/><Patient xmlns=\"http://hl7.org/fhir\"/>", "Invalid XML")]
    [TestCase("<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"a\u0001\"/></Patient>", "Invalid XML")]
    [TestCase("{\"resourceType\":\"Patient\"}", "Invalid XML")]
    public void Malformed_xml_is_a_fatal_issue_with_position(string xml, string message)
    {
        var issue = Refused(Parser.Parse(xml));
        Assert.That(issue.Message, Does.StartWith(message));
        if (xml.Length > 0) Assert.That(issue.Line, Is.EqualTo(1));
    }

    [Test]
    public void Truncated_or_corrupted_documents_never_throw()
    {
        var xml = File.ReadAllText(Path.Combine(Support.TestData.ExamplesFolder, "r4-fhir-test-cases", "examples_patient-example.xml")).TrimEnd();
        for (var length = 0; length < xml.Length; length += 7)
        {
            var result = Parser.Parse(xml[..length]);
            Assert.That(result.Issues.Any(i => i.Severity == IssueSeverity.Fatal), $"truncated at {length}");
        }
        var random = new Random(42);
        for (var i = 0; i < 500; i++)
        {
            var chars = xml.ToCharArray();
            chars[random.Next(chars.Length)] = "<>&\"'/=x \n"[random.Next(10)];
            Assert.DoesNotThrow(() => Parser.Parse(new string(chars)));
        }
    }

    [Test]
    public void Stream_input_is_read_like_bytes()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("""<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>"""));
        var result = Parser.Parse(stream);
        Assert.That(result.Success);
        Assert.That(result.Resource!.Child("active")!.Value, Is.EqualTo("true"));
    }
}
