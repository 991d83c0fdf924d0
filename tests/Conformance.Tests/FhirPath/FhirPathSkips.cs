using System.Text.Json;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// fhirpath-skips.json: the suite cases not passed yet (<c>suite</c>: name → reason) and the FHIRPath expressions of
/// the loaded packages that do not compile yet (<c>expressions</c>: expression → reason). Nothing is skipped
/// silently: each entry is a known gap, and a test fails when a listed entry starts to pass.
/// </summary>
public static class FhirPathSkips
{
    private static readonly Lazy<Lists> LazyLists = new(Load);

    public static string FilePath => Path.Combine(TestData.RepositoryRoot, "tests", "Conformance.Tests", "FhirPath", "fhirpath-skips.json");

    public static IReadOnlyDictionary<string, string> Suite => LazyLists.Value.Suite;
    public static IReadOnlyDictionary<string, string> Expressions => LazyLists.Value.Expressions;

    private sealed record Lists(Dictionary<string, string> Suite, Dictionary<string, string> Expressions);

    private static Lists Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FilePath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return new Lists(Read(doc.RootElement, "suite"), Read(doc.RootElement, "expressions"));
    }

    private static Dictionary<string, string> Read(JsonElement root, string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty(name, out var section))
            foreach (var p in section.EnumerateObject()) result[p.Name] = p.Value.GetString() ?? "";
        return result;
    }
}
