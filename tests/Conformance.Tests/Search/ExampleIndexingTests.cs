using System.Diagnostics;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Search;

/// <summary>
/// Acceptance: every example of the R4 specification, FR Core, Annuaire, PDSm and MHD indexes without throwing and
/// without diagnostics other than those listed in <see cref="KnownIndexDiagnostics"/>. A Bundle's entries are
/// indexed too, as a transaction would store them.
/// </summary>
public class ExampleIndexingTests
{
    private static readonly string[] Folders = ["r4-spec/json", "hl7.fhir.fr.core", "ans.fhir.fr.annuaire", "ans.fhir.fr.pdsm", "ihe.iti.mhd"];

    private static readonly Lazy<SearchIndexer> LazyIndexer = new(() =>
        new SearchIndexer(new SearchParameterRegistry(TestData.Context.Registry), TestData.Context.Registry));

    public static IEnumerable<TestCaseData> Examples() =>
        Folders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(TestData.ExamplesFolder, folder), "*.json"))
            .Select(KnownBadInputs.Relative)
            .Order(StringComparer.Ordinal)
            .Select(f => new TestCaseData(f).SetArgDisplayNames(f));

    [TestCaseSource(nameof(Examples))]
    public void Example_indexes_with_only_known_diagnostics(string relativePath)
    {
        var (count, diagnostics) = IndexFile(relativePath);
        var unknown = diagnostics.Where(d => KnownIndexDiagnostics.Find(d.Diagnostic) is null).Select(d => $"{d.ResourceType} {d.Diagnostic}").ToList();
        Assert.That(unknown, Is.Empty);
        Assert.That(count, Is.GreaterThan(0), "every resource has at least its _id or a value");
    }

    [Test]
    public void All_examples_together()
    {
        var files = Examples().Select(c => (string)c.Arguments[0]!).ToList();
        var entries = 0;
        var hits = new Dictionary<KnownIndexDiagnostics.Entry, int>();
        foreach (var file in files)
        {
            var (count, diagnostics) = IndexFile(file);
            entries += count;
            foreach (var (_, d) in diagnostics)
                if (KnownIndexDiagnostics.Find(d) is { } known) hits[known] = hits.GetValueOrDefault(known) + 1;
        }
        TestContext.Out.WriteLine($"{files.Count} example files: {entries} index entries; known diagnostics:");
        foreach (var known in KnownIndexDiagnostics.Entries)
            TestContext.Out.WriteLine($"  {hits.GetValueOrDefault(known),4} × {known.Url} ({known.MessageContains})");
        Assert.That(files.Count(f => f.StartsWith("r4-spec/json/", StringComparison.Ordinal)), Is.EqualTo(713));
        Assert.That(KnownIndexDiagnostics.Entries.Where(k => !hits.ContainsKey(k)).Select(k => k.Url + " " + k.MessageContains), Is.Empty,
            "listed as known but no example produces it any more: remove it");
    }

    [Test]
    public void Concurrent_extraction_with_a_fresh_indexer_gives_the_same_entries()
    {
        var resources = Examples().Select(c => (string)c.Arguments[0]!)
            .Select(f => TestData.Context.Json.Parse(File.ReadAllBytes(Path.Combine(TestData.ExamplesFolder, f))).Resource!)
            .ToList();
        var expected = resources.Select(r => LazyIndexer.Value.Extract(r)).ToList();
        // A new indexer, so that the per-type plans are built while other threads ask for them.
        var indexer = new SearchIndexer(new SearchParameterRegistry(TestData.Context.Registry), TestData.Context.Registry);
        var actual = new IReadOnlyList<IndexEntry>[resources.Count];
        Parallel.For(0, resources.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = indexer.Extract(resources[i]));
        for (var i = 0; i < resources.Count; i++)
            Assert.That(actual[i].Select(Describe), Is.EqualTo(expected[i].Select(Describe)), resources[i].Type);

        static string Describe(IndexEntry e) => e.Value is CompositeIndex c ? $"{e.Param} [{string.Join(", ", c.Components)}]" : e.ToString();
    }

    // Prints the extraction rate over the 713 R4 examples (parsed beforehand; expressions compiled by a first pass),
    // beside the JSON parse of the same examples in the same run: on a shared machine the ratio means more than the rate.
    [Test]
    public void Extraction_throughput()
    {
        var files = Examples().Select(c => (string)c.Arguments[0]!)
            .Where(f => f.StartsWith("r4-spec/json/", StringComparison.Ordinal))
            .Select(f => File.ReadAllBytes(Path.Combine(TestData.ExamplesFolder, f)))
            .ToList();
        var resources = files.Select(f => TestData.Context.Json.Parse(f).Resource!).ToList();
        var indexer = LazyIndexer.Value;
        var entries = resources.Sum(r => indexer.Extract(r).Count);
        const int rounds = 5;
        var parse = TimeSpan.Zero;
        var extract = TimeSpan.Zero;
        for (var i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var file in files) TestData.Context.Json.Parse(file);
            parse += clock.Elapsed;
            clock.Restart();
            foreach (var resource in resources) indexer.Extract(resource);
            extract += clock.Elapsed;
        }
        var perSecond = rounds * resources.Count / extract.TotalSeconds;
        TestContext.Out.WriteLine($"{resources.Count} resources, {entries} entries per pass, {rounds} passes: extraction {extract.TotalMilliseconds:F0} ms " +
                                  $"({perSecond:F0} resources/s, {perSecond * entries / resources.Count:F0} entries/s); JSON parse {parse.TotalMilliseconds:F0} ms; " +
                                  $"extraction / parse = {extract / parse:F2}");
        Assert.That(entries, Is.GreaterThan(0));
    }

    private static (int Count, List<(string ResourceType, IndexDiagnostic Diagnostic)> Diagnostics) IndexFile(string relativePath)
    {
        var parsed = TestData.Context.Json.Parse(File.ReadAllBytes(Path.Combine(TestData.ExamplesFolder, relativePath)));
        Assert.That(parsed.Resource, Is.Not.Null, string.Join("\n", parsed.Issues));
        var resources = new List<ElementNode> { parsed.Resource! };
        if (parsed.Resource!.Type == "Bundle")
            resources.AddRange(parsed.Resource.ChildrenNamed("entry").Select(e => e.Child("resource")).OfType<ElementNode>());
        var count = 0;
        var all = new List<(string, IndexDiagnostic)>();
        foreach (var resource in resources)
        {
            var diagnostics = new List<IndexDiagnostic>();
            count += LazyIndexer.Value.Extract(resource, diagnostics).Count;
            all.AddRange(diagnostics.Select(d => (resource.Type, d)));
        }
        return (count, all);
    }
}
