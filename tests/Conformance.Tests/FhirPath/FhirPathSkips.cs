using System.Text.Json;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// fhirpath-skips.json: the suite cases not passed yet (<c>suite</c>: name → reason), the FHIRPath expressions of
/// the loaded packages that do not compile yet (<c>expressions</c>: expression → reason), and the R4 core
/// invariants that strict mode's static pass rightly refuses because the specification wrote them wrong
/// (<c>refusedInStrictMode</c>: StructureDefinition url#key → reason). Nothing is skipped silently: each entry is
/// a known gap, and a test fails when a listed entry starts to pass.
/// </summary>
public static class FhirPathSkips
{
    private static readonly Lazy<Lists> LazyLists = new(Load);

    public static string FilePath => Path.Combine(TestData.RepositoryRoot, "tests", "Conformance.Tests", "FhirPath", "fhirpath-skips.json");

    public static IReadOnlyDictionary<string, string> Suite => LazyLists.Value.Suite;
    public static IReadOnlyDictionary<string, string> Expressions => LazyLists.Value.Expressions;
    public static IReadOnlyDictionary<string, string> RefusedInStrictMode => LazyLists.Value.RefusedInStrictMode;

    private sealed record Lists(Dictionary<string, string> Suite, Dictionary<string, string> Expressions, Dictionary<string, string> RefusedInStrictMode);

    private static Lists Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FilePath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return new Lists(Read(doc.RootElement, "suite"), Read(doc.RootElement, "expressions"), Read(doc.RootElement, "refusedInStrictMode"));
    }

    private static Dictionary<string, string> Read(JsonElement root, string name)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty(name, out var section))
            foreach (var p in section.EnumerateObject()) result[p.Name] = p.Value.GetString() ?? "";
        return result;
    }
}
