using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Xml;

/// <summary>
/// Every JSON example of the shared example folders goes JSON → model → XML → model → JSON and must come back as
/// the same JSON value, through the same model. A file may only differ when the JSON parser itself reported an
/// error for it (bad input), and then that is what the test asserts.
/// </summary>
public class XmlRoundTripTests
{
    public static IEnumerable<TestCaseData> JsonExamples() =>
        Serialization.ExampleRoundTripTests.Examples().Where(c => ((string)c.Arguments[0]!).EndsWith(".json", StringComparison.Ordinal));

    [TestCaseSource(nameof(JsonExamples))]
    public void Json_to_xml_to_json_is_identical(string relativePath)
    {
        var original = File.ReadAllBytes(Path.Combine(TestData.ExamplesFolder, relativePath));
        var fromJson = TestData.Context.Json.Parse(original);
        var jsonErrors = fromJson.Issues.Where(i => i.IsError).ToList();
        if (fromJson.Resource is null)
        {
            Assert.That(jsonErrors, Is.Not.Empty, "the JSON parser read nothing, yet reported no error");
            return;
        }

        var xml = FhirXmlWriter.WriteToString(fromJson.Resource);
        var fromXml = TestData.Context.Xml.Parse(xml);
        Assert.That(fromXml.Resource, Is.Not.Null, string.Join("\n", fromXml.Issues));
        var json = FhirJsonWriter.WriteToBytes(fromXml.Resource!);
        var differences = JsonValueComparer.Differences(original, json);
        var modelDifferences = XmlModelComparer.Differences(fromJson.Resource, fromXml.Resource!);

        if (jsonErrors.Count > 0)
        {
            Assert.That(KnownBadInputs.Files.ContainsKey(relativePath.Replace('\\', '/')), "the JSON parser refused an example that is not a known bad input:\n" + string.Join("\n", jsonErrors));
            // Bad input: the JSON parser said so. Whatever it kept must still survive XML unchanged.
            Assert.That(modelDifferences, Is.Empty, "the model changed through XML:\n" + string.Join("\n", modelDifferences));
            return;
        }
        Assert.Multiple(() =>
        {
            Assert.That(fromXml.Issues, Is.Empty, "the XML parser reported issues on written XML:\n" + string.Join("\n", fromXml.Issues) + "\n" + xml);
            Assert.That(differences, Is.Empty, "the JSON changed:\n" + string.Join("\n", differences));
            Assert.That(modelDifferences, Is.Empty, "the model changed:\n" + string.Join("\n", modelDifferences));
        });
    }
}
