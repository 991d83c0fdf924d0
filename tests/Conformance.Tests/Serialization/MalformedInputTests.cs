using System.Text;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Serialization;

/// <summary>
/// Hostile and broken input: each case must end in a clear error issue — never an exception, a hang, a stack
/// overflow or an entity expansion.
/// </summary>
public class MalformedInputTests
{
    private static ParseResult Json(byte[] bytes) => TestData.Context.Json.Parse(bytes);
    private static ParseResult Json(string text) => Json(Encoding.UTF8.GetBytes(text));
    private static ParseResult Xml(string text) => TestData.Context.Xml.Parse(Encoding.UTF8.GetBytes(text));

    private static void AssertRefused(ParseResult result, string expectedFragment)
    {
        var errors = result.Issues.Where(i => i.IsError).ToList();
        Assert.That(errors, Is.Not.Empty, "no error reported");
        Assert.That(string.Join("\n", errors.Select(e => e.Message)), Does.Contain(expectedFragment).IgnoreCase);
    }

    public static IEnumerable<TestCaseData> TruncatedJson()
    {
        const string full = """{"resourceType":"Patient","name":[{"family":"Dupont","given":["Jean"]}],"birthDate":"1974-12-25"}""";
        foreach (var cut in new[] { 1, 10, 20, 33, 50, full.Length - 1 })
            yield return new TestCaseData(full[..cut]).SetName($"Truncated JSON at {cut} characters is refused");
    }

    [TestCaseSource(nameof(TruncatedJson))]
    public void Truncated_json(string text) => AssertRefused(Json(text), "JSON");

    [Test]
    public void Empty_input() => AssertRefused(Json(""), "empty");

    [Test]
    public void Json_with_comments_and_trailing_commas()
    {
        AssertRefused(Json("""{"resourceType":"Patient", /* c */ "active":true}"""), "JSON");
        AssertRefused(Json("""{"resourceType":"Patient","active":true,}"""), "JSON");
    }

    [Test]
    public void Json_nested_ten_thousand_deep()
    {
        var sb = new StringBuilder("""{"resourceType":"Patient","extension":[""");
        for (var i = 0; i < 10_000; i++) sb.Append("""{"url":"http://x","extension":[""");
        sb.Append("""{"url":"http://x","valueString":"deep"}""");
        for (var i = 0; i < 10_000; i++) sb.Append("]}");
        sb.Append("]}");
        AssertRefused(Json(sb.ToString()), "nested deeper than the limit");
    }

    [Test]
    public void Json_array_nesting_ten_thousand_deep()
    {
        var text = """{"resourceType":"Patient","name":""" + new string('[', 10_000) + new string(']', 10_000) + "}";
        AssertRefused(Json(text), "nested deeper than the limit");
    }

    [Test]
    public void Json_string_of_fifty_megabytes()
    {
        var text = """{"resourceType":"Patient","name":[{"family":" """.TrimEnd() + new string('a', 50 * 1024 * 1024) + "\"}]}";
        var result = Json(text);
        AssertRefused(result, "limit");
        Assert.That(result.Issues.First(i => i.IsError).Code, Is.EqualTo("too-long"));
    }

    [Test]
    public void Json_with_invalid_utf8()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"resourceType":"Patient","name":[{"family":"Du?ont"}]}""");
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xC3; // a lead byte followed by an ASCII letter
        var result = Json(bytes);
        AssertRefused(result, "UTF-8");
        Assert.That(result.Resource, Is.Null);
    }

    [Test]
    public void Json_with_lone_surrogate_escape()
    {
        var result = Json("""{"resourceType":"Patient","name":[{"family":"\uD800"}]}""");
        AssertRefused(result, "string");
    }

    // The same escape in a property name or in the resource type, which are read before any value.
    [TestCase("""{"resourceType":"Patient","\uD800x":true}""")]
    [TestCase("""{"\uD800x":true,"resourceType":"Patient"}""")]
    [TestCase("""{"resourceType":"Patient","_\uDC00":{}}""")]
    [TestCase("""{"resourceType":"\uD800Patient"}""")]
    [TestCase("""{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Pat\uDC00ient"}}]}""")]
    public void Json_with_lone_surrogate_escape_in_a_name_or_resource_type(string json) => AssertRefused(Json(json), "Invalid JSON string");

    [Test]
    public void Xml_with_dtd_is_refused()
    {
        AssertRefused(Xml("""<?xml version="1.0"?><!DOCTYPE Patient [<!ELEMENT Patient ANY>]><Patient xmlns="http://hl7.org/fhir"/>"""), "DTD");
    }

    [Test]
    public void Xml_external_entity_is_refused()
    {
        var result = Xml("""<?xml version="1.0"?><!DOCTYPE p [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Patient xmlns="http://hl7.org/fhir"><id value="&xxe;"/></Patient>""");
        AssertRefused(result, "DTD");
        Assert.That(string.Join("", result.Issues.Select(i => i.Message)), Does.Not.Contain("root:"));
    }

    [Test]
    public void Xml_entity_expansion_is_refused()
    {
        var sb = new StringBuilder("""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">""");
        for (var i = 1; i < 10; i++) sb.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? "" : (i - 1).ToString())};", 10))}\">");
        sb.Append("""]><Patient xmlns="http://hl7.org/fhir"><id value="&lol9;"/></Patient>""");
        AssertRefused(Xml(sb.ToString()), "DTD");
    }

    [Test]
    public void Xml_nested_ten_thousand_deep()
    {
        var sb = new StringBuilder("""<Patient xmlns="http://hl7.org/fhir">""");
        for (var i = 0; i < 10_000; i++) sb.Append("""<extension url="http://x">""");
        for (var i = 0; i < 10_000; i++) sb.Append("</extension>");
        sb.Append("</Patient>");
        AssertRefused(Xml(sb.ToString()), "deep");
    }

    [Test]
    public void Xml_truncated() => AssertRefused(Xml("""<Patient xmlns="http://hl7.org/fhir"><name><family value="X"/>"""), "");

    [Test]
    public void Xml_with_invalid_utf8()
    {
        var bytes = Encoding.UTF8.GetBytes("""<Patient xmlns="http://hl7.org/fhir"><name><family value="Du?ont"/></name></Patient>""");
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xFF;
        var result = TestData.Context.Xml.Parse(bytes);
        Assert.That(result.Issues.Where(i => i.IsError), Is.Not.Empty);
    }

    [Test]
    public void Xml_string_of_fifty_megabytes()
    {
        var text = """<Patient xmlns="http://hl7.org/fhir"><name><family value=" """.TrimEnd() + new string('a', 50 * 1024 * 1024) + "\"/></name></Patient>";
        AssertRefused(Xml(text), "limit");
    }

    [Test]
    public void Errors_carry_an_issue_code_and_never_throw()
    {
        foreach (var text in new[] { "\0", "{", "}", "null", "true", "\"x\"", "{\"resourceType\":1}", "<", "<Patient", "<x xmlns='urn:y'/>" })
        {
            ParseResult? result = null;
            Assert.DoesNotThrow(() => result = text.StartsWith('<') ? Xml(text) : Json(text), text);
            Assert.That(result!.Issues.Where(i => i.IsError).Select(i => i.Code), Is.Not.Empty.And.All.Not.Empty, text);
        }
    }
}
