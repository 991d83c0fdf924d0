using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Serialization;

/// <summary>
/// Acceptance: every example of ../shared/fhir-examples (R4 spec, FR Core, Annuaire, PDSm, MHD, the R4 test-case
/// inputs) round-trips — a JSON file through JSON → model → JSON and JSON → model → XML → model → JSON to the same
/// JSON value; an XML file through XML → model → XML and → JSON — or is a listed bad input refused with its error.
/// </summary>
public class ExampleRoundTripTests
{
    public static IEnumerable<TestCaseData> Examples() =>
        Directory.EnumerateFiles(TestData.ExamplesFolder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".xml", StringComparison.Ordinal))
            .Select(KnownBadInputs.Relative)
            .Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(f).SetArgDisplayNames(f));

    [TestCaseSource(nameof(Examples))]
    public void Example_round_trips_or_is_a_known_bad_input(string relativePath)
    {
        var result = RoundTrip.Check(TestData.Context, Path.Combine(TestData.ExamplesFolder, relativePath));
        if (KnownBadInputs.Files.TryGetValue(relativePath, out var bad))
        {
            Assert.That(result.Parsed, Is.False, "a listed bad input was accepted: " + bad.Reason);
            Assert.That(result.Issues.Where(i => i.IsError).Select(i => i.Message), Has.Some.Contains(bad.ExpectedError),
                string.Join("\n", result.Issues));
            Assert.That(result.Issues.Where(i => i.IsError), Has.All.Matches<Model.OutcomeIssue>(i => i.Line > 0));
            return;
        }
        Assert.That(result.Issues, Is.Empty, string.Join("\n", result.Issues));
        Assert.That(result.Differences, Is.Empty, string.Join("\n", result.Differences));
    }

    [Test]
    public void The_example_set_is_the_one_expected()
    {
        var files = Examples().Select(c => (string)c.Arguments[0]!).ToList();
        TestContext.Out.WriteLine($"{files.Count} example files, {KnownBadInputs.Files.Count} known bad");
        Assert.That(KnownBadInputs.Files.Keys, Is.SubsetOf(files));
        Assert.That(files.Count(f => f.StartsWith("r4-spec/json/", StringComparison.Ordinal)), Is.EqualTo(713));
        foreach (var folder in new[] { "hl7.fhir.fr.core", "ans.fhir.fr.annuaire", "ans.fhir.fr.pdsm", "ihe.iti.mhd", "r4-fhir-test-cases" })
            Assert.That(files.Where(f => f.StartsWith(folder + "/", StringComparison.Ordinal)), Is.Not.Empty, folder);
    }
}
