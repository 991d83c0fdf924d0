using System.Text;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Serialization;

/// <summary>
/// A resource of many faulty repeats is answered with at most <see cref="ParserOptions.MaxIssues"/> issues and one
/// that counts the rest. Before the limit, 100,000 identifiers of unknown elements made 200,000 issues, each location
/// counting its earlier siblings: a minute and a half of work for one request.
/// </summary>
public class IssueLimitTests
{
    private const int Repeats = 100_000;

    private static string JsonBody() =>
        """{"resourceType":"Patient","identifier":[""" +
        string.Join(",", Enumerable.Repeat("""{"url":"http://example.org/x","valueString":"v"}""", Repeats)) + "]}";

    private static string XmlBody() =>
        """<Patient xmlns="http://hl7.org/fhir">""" +
        string.Concat(Enumerable.Repeat("""<identifier><url value="http://example.org/x"/></identifier>""", Repeats)) + "</Patient>";

    private static void AssertCut(ParseResult result, int expectedOmitted)
    {
        var max = ParserOptions.Default.MaxIssues;
        Assert.That(result.Issues, Has.Count.EqualTo(max + 1));
        Assert.That(result.Issues.Take(max).All(i => i.Expression is { Length: > 0 }), "the reported issues keep their locations");
        var last = result.Issues[^1];
        Assert.That(last.Severity, Is.EqualTo(IssueSeverity.Error));
        Assert.That(last.Message, Does.Contain($"{expectedOmitted:N0} more issue(s) not reported"));
    }

    [Test]
    public void Json_issues_past_the_limit_are_counted_not_listed() =>
        AssertCut(TestData.Context.Json.Parse(Encoding.UTF8.GetBytes(JsonBody())), 2 * Repeats - ParserOptions.Default.MaxIssues);

    [Test]
    public void Xml_issues_past_the_limit_are_counted_not_listed() =>
        AssertCut(TestData.Context.Xml.Parse(Encoding.UTF8.GetBytes(XmlBody())), Repeats - ParserOptions.Default.MaxIssues);

    [Test]
    public void A_resource_with_few_issues_lists_them_all()
    {
        var result = TestData.Context.Json.Parse(Encoding.UTF8.GetBytes("""{"resourceType":"Patient","identifier":[{"url":"x"},{"url":"y"}]}"""));
        Assert.That(result.Issues, Has.Count.EqualTo(2));
        Assert.That(result.Issues.Select(i => i.Expression), Is.EqualTo(new[] { "Patient.identifier[0].url", "Patient.identifier[1].url" }));
    }
}
