using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions.Snapshots;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Snapshots;

/// <summary>
/// The French packages publish both a differential and a snapshot for every profile: the snapshot generated from
/// the differential (over the published snapshot of the base) must match the published one. Each package is loaded
/// with the dependencies it was published against (Annuaire and PDSm: FR Core 2.1.0), as its snapshots were made.
/// </summary>
public class PackagedProfileSnapshotTests
{
    [TestCase("hl7.fhir.fr.core#2.2.0")]
    [TestCase("ans.fhir.fr.annuaire#1.1.0")]
    [TestCase("ans.fhir.fr.pdsm#3.1.1")]
    [TestCase("hl7.fhir.r4.core#4.0.1")]
    public async Task Generated_snapshots_match_the_published_ones(string package)
    {
        var context = await TestData.LoadAsync([package]);
        var registry = context.Registry;
        var generator = new SnapshotGenerator(registry);
        var report = new List<string>();
        var (total, exact) = (0, 0);
        foreach (var entry in registry.ListByResourceType("StructureDefinition").Where(e => $"{e.Package.Name}#{e.Package.Version}" == package))
        {
            var published = (JsonObject)JsonNode.Parse(registry.ReadBytes(entry))!;
            if (published["differential"] is null || published["snapshot"]?["element"] is not JsonArray snapshot) continue;
            if ((string?)published["derivation"] != "constraint") continue;
            total++;
            var outcome = generator.Generate(published);
            var differences = outcome.StructureDefinition?["snapshot"]?["element"] is JsonArray generated
                ? SnapshotComparison.Differences(snapshot, generated)
                : ["no snapshot"];
            differences.AddRange(outcome.Issues.Select(i => "issue: " + i));
            if (differences.Count == 0) exact++;
            else report.Add($"{entry.Url} ({differences.Count}):\n    " + string.Join("\n    ", differences.Take(15)));
        }
        TestContext.Out.WriteLine($"{exact} of {total} profiles match exactly, over " + string.Join(", ", context.Resolution.Packages.Select(p => $"{p.Name}#{p.Version}")));
        foreach (var line in report) TestContext.Out.WriteLine(line);
        Assert.That(exact, Is.EqualTo(total));
    }
}
