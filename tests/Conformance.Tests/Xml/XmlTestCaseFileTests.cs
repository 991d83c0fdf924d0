using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Xml;

/// <summary>
/// The XML inputs of the R4 test cases: each parses cleanly (and survives XML → model → XML and → JSON → model), or
/// is one of the known bad inputs and is refused with the expected error.
/// </summary>
public class XmlTestCaseFileTests
{
    private static string Folder => Path.Combine(TestData.ExamplesFolder, "r4-fhir-test-cases");

    private static readonly Dictionary<string, string> Rejected = KnownBadInputs.Files
        .Where(kv => kv.Key.StartsWith("r4-fhir-test-cases/", StringComparison.Ordinal) && kv.Key.EndsWith(".xml", StringComparison.Ordinal))
        .ToDictionary(kv => kv.Key["r4-fhir-test-cases/".Length..], kv => kv.Value.ExpectedError, StringComparer.Ordinal);

    public static IEnumerable<TestCaseData> XmlFiles() =>
        Directory.EnumerateFiles(Folder, "*.xml").Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(f).SetArgDisplayNames(f!));

    [TestCaseSource(nameof(XmlFiles))]
    public void Xml_test_case_parses_or_is_rejected_with_a_clear_error(string file)
    {
        var result = TestData.Context.Xml.Parse(File.ReadAllBytes(Path.Combine(Folder, file)));
        if (Rejected.TryGetValue(file, out var expected))
        {
            Assert.That(result.HasErrors);
            Assert.That(result.Issues.Where(i => i.IsError).Select(i => i.Message), Has.Some.StartsWith(expected), string.Join("\n", result.Issues));
            Assert.That(result.Issues.Where(i => i.IsError), Has.All.Matches<Model.OutcomeIssue>(i => i.Line > 0 && i.Expression is not null));
            return;
        }
        Assert.That(result.Issues, Is.Empty, string.Join("\n", result.Issues));
        var resource = result.Resource!;

        var again = TestData.Context.Xml.Parse(FhirXmlWriter.WriteToBytes(resource, pretty: true));
        Assert.That(again.Issues, Is.Empty, string.Join("\n", again.Issues));
        Assert.That(XmlModelComparer.Differences(resource, again.Resource!), Is.Empty);

        var viaJson = TestData.Context.Json.Parse(FhirJsonWriter.WriteToBytes(resource));
        Assert.That(viaJson.Issues, Is.Empty, string.Join("\n", viaJson.Issues));
        Assert.That(XmlModelComparer.Differences(resource, viaJson.Resource!), Is.Empty);
    }

    [Test]
    public void All_xml_test_cases_are_classified()
    {
        Assert.That(Rejected.Keys, Is.SubsetOf(XmlFiles().Select(c => (string)c.Arguments[0]!)));
        Assert.That(XmlFiles().Count(), Is.EqualTo(25));
    }

    // The same example published in both formats gives the same model, narrative text included.
    [TestCase("examples_condition-example")]
    [TestCase("examples_organization-1")]
    [TestCase("examples_patient-example")]
    public void Xml_and_json_forms_of_one_example_give_the_same_model(string name)
    {
        var xml = TestData.Context.Xml.Parse(File.ReadAllBytes(Path.Combine(Folder, name + ".xml")));
        var json = TestData.Context.Json.Parse(File.ReadAllBytes(Path.Combine(Folder, name + ".json")));
        Assert.That(xml.Issues, Is.Empty);
        Assert.That(json.Issues, Is.Empty);
        Assert.That(XmlModelComparer.Differences(json.Resource!, xml.Resource!), Is.Empty);
    }
}
