using FhirServer.Conformance.Context;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Definitions;

/// <summary>
/// Every package in ../shared/fhir-packages loads, and every StructureDefinition snapshot in it is coherent with the
/// registry: each element path resolves to that element, each type code names a loaded type, each contentReference
/// points into the snapshot.
/// </summary>
public class PackageSnapshotTests
{
    public static IEnumerable<TestCaseData> Packages() =>
        Directory.EnumerateFiles(TestData.PackagesFolder, "*.tgz").Order(StringComparer.Ordinal)
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Select(n => new TestCaseData(n).SetName($"Package {n} loads and its snapshots resolve"));

    [TestCaseSource(nameof(Packages))]
    public async Task Package_loads_and_its_snapshots_resolve(string fileName)
    {
        // "ans.fhir.fr.pdsm-3.1.1" → "ans.fhir.fr.pdsm#3.1.1": the version starts at the first '-' followed by a digit.
        var cut = Enumerable.Range(0, fileName.Length - 1).First(i => fileName[i] == '-' && char.IsDigit(fileName[i + 1]));
        var reference = fileName[..cut] + "#" + fileName[(cut + 1)..];
        var context = await TestData.LoadAsync([reference]);
        var package = context.Resolution.Packages[0];
        Assert.That($"{package.Name}#{package.Version}", Is.EqualTo(reference));
        Assert.That(package.Entries, Is.Not.Empty);

        var registry = context.Registry;
        var problems = new List<string>();
        var snapshots = 0;
        var withoutSnapshot = new List<string>();
        foreach (var entry in registry.ListByResourceType("StructureDefinition").Where(e => e.Package == package))
        {
            var sd = registry.Compile(entry);
            if (!sd.HasSnapshot)
            {
                // Generation failed (or the definition is a specialization without snapshot): reported, not checked.
                withoutSnapshot.Add(sd.Url);
                continue;
            }
            snapshots++;
            foreach (var element in sd.Elements)
            {
                // Path lookups ignore slicing, so only elements outside slices must resolve to themselves.
                if (!element.Id.Contains(':'))
                {
                    var found = registry.GetElement(sd.Url, element.Path);
                    if (found is null || found.Path != element.Path)
                        problems.Add($"{sd.Url}: {element.Path} resolves to {found?.Path ?? "nothing"}");
                }
                if (element != sd.Root && element.Parent is null && element.SlicedElement is null)
                    problems.Add($"{sd.Url}: {element.Id} is not attached to the element tree");
                foreach (var type in element.Types)
                    if (!registry.IsKnownType(type.Code) && registry.GetStructureDefinition(type.Code) is null)
                        problems.Add($"{sd.Url}: {element.Id} has unknown type {type.Code}");
                if (element.ContentReference is not null && ReferenceEquals(element.Target, element))
                    problems.Add($"{sd.Url}: {element.Id} contentReference {element.ContentReference} not found");
            }
        }
        TestContext.Out.WriteLine($"{reference}: {package.Entries.Count} resources, {snapshots} snapshots checked" +
            (withoutSnapshot.Count == 0 ? "" : $", without snapshot: {string.Join(", ", withoutSnapshot)}"));
        Assert.That(problems, Is.Empty, string.Join("\n", problems.Take(30)));
    }
}
