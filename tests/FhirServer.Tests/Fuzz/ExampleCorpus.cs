using System.Text.Json.Nodes;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// The valid resources the fuzzer starts from: the FHIR examples of ../shared/fhir-examples (found through
/// <see cref="TestData"/>; never copied into the repository), in a fixed order so that a seed means the same requests
/// on every machine. Bundles are kept apart, as transaction material.
/// </summary>
public sealed class ExampleCorpus
{
    private const int MaxExampleBytes = 64 * 1024;

    private ExampleCorpus(IReadOnlyList<JsonObject> resources, IReadOnlyList<JsonObject> bundles, IReadOnlyList<string> xml)
    {
        Resources = resources;
        Bundles = bundles;
        Xml = xml;
        Types = [.. resources.Select(r => (string)r["resourceType"]!).Distinct().Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<JsonObject> Resources { get; }

    public IReadOnlyList<JsonObject> Bundles { get; }

    public IReadOnlyList<string> Xml { get; }

    public IReadOnlyList<string> Types { get; }

    public static ExampleCorpus Load(string? folder = null)
    {
        folder ??= TestData.ExamplesFolder;
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => new FileInfo(f).Length <= MaxExampleBytes)
            .Select(f => (Relative: Path.GetRelativePath(folder, f).Replace('\\', '/'), Full: f))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .ToList();
        var resources = new List<JsonObject>();
        var bundles = new List<JsonObject>();
        foreach (var (_, full) in files.Where(f => f.Relative.EndsWith(".json", StringComparison.Ordinal)))
        {
            if (TryParse(File.ReadAllText(full)) is not { } resource) continue;
            if ((string?)resource["resourceType"] == "Bundle") bundles.Add(resource);
            else resources.Add(resource);
        }
        var xml = files.Where(f => f.Relative.EndsWith(".xml", StringComparison.Ordinal)).Select(f => File.ReadAllText(f.Full)).ToList();
        if (resources.Count == 0) throw new InvalidOperationException($"No JSON examples under {folder}.");
        return new ExampleCorpus(resources, bundles, xml);
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            // DeepClone reads the whole tree now: a duplicated name would otherwise throw later, in a mutation.
            return JsonNode.Parse(text)?.DeepClone() is JsonObject o && o["resourceType"] is JsonValue ? o : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>A copy of a random example (of <paramref name="type"/> when given and there is one).</summary>
    public JsonObject Pick(Random random, string? type = null)
    {
        var candidates = type is null ? Resources : Resources.Where(r => (string?)r["resourceType"] == type).ToList();
        if (candidates.Count == 0) candidates = Resources;
        return (JsonObject)candidates[random.Next(candidates.Count)].DeepClone();
    }
}
