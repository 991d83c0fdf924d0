using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Xml;

/// <summary>Shorthands over the shared test context for the XML tests.</summary>
public static class XmlTestSupport
{
    public static FhirXmlParser Parser => TestData.Context.Xml;

    public static ElementNode ParseOk(string xml)
    {
        var result = Parser.Parse(xml);
        Assert.That(result.Issues, Is.Empty, string.Join("\n", result.Issues));
        Assert.That(result.Resource, Is.Not.Null);
        return result.Resource!;
    }

    public static ElementNode ParseJsonOk(string json)
    {
        var result = TestData.Context.Json.Parse(json);
        Assert.That(result.Issues, Is.Empty, string.Join("\n", result.Issues));
        return result.Resource!;
    }

    public static IReadOnlyList<OutcomeIssue> Errors(string xml) => Parser.Parse(xml).Issues.Where(i => i.IsError).ToList();

    /// <summary>The resource's XML and JSON forms must give the same model, and each writer must give back the other form.</summary>
    public static ElementNode AssertSameAsJson(string xml, string json)
    {
        var fromXml = ParseOk(xml);
        var fromJson = ParseJsonOk(json);
        Assert.That(XmlModelComparer.Differences(fromJson, fromXml), Is.Empty);
        Assert.That(JsonValueComparer.Differences(System.Text.Encoding.UTF8.GetBytes(json), FhirJsonWriter.WriteToBytes(fromXml)), Is.Empty);
        Assert.That(XmlModelComparer.Differences(fromXml, ParseOk(FhirXmlWriter.WriteToString(fromJson))), Is.Empty);
        return fromXml;
    }
}
