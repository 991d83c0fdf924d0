using System.Text.RegularExpressions;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Primitives;

// Every primitive value found in the JSON examples under ../shared/fhir-examples (read once per run), and the
// spec regexes compiled exactly as PrimitiveRules compiles them, as the reference the fast paths must agree with.
internal static class ExampleValues
{
    private static readonly Lazy<IReadOnlyList<(string Type, string Value)>> LazyAll = new(Load);
    private static readonly Dictionary<string, Regex?> Regexes = new(StringComparer.Ordinal);

    // The types PrimitiveLexer covers; the others (string, markdown, base64Binary, xhtml) have their own checks.
    public static readonly string[] LexerTypes =
    [
        "boolean", "integer", "positiveInt", "unsignedInt", "decimal", "date", "dateTime", "instant", "time",
        "code", "id", "uri", "url", "canonical", "oid", "uuid",
    ];

    public static IReadOnlyList<(string Type, string Value)> All => LazyAll.Value;

    public static IEnumerable<string> OfType(string type) => All.Where(v => v.Type == type).Select(v => v.Value);

    public static bool RegexAccepts(string type, string value) => SpecRegex(type)!.IsMatch(value);

    public static Regex? SpecRegex(string type)
    {
        lock (Regexes)
        {
            if (Regexes.TryGetValue(type, out var cached)) return cached;
            var pattern = TestData.Context.Registry.GetTypeDefinition(type)?.ValueRegex;
            // Same construction as PrimitiveRules.CreateRegex: whole-value match, ECMAScript (ASCII \s and \d).
            var regex = pattern is null ? null
                : new Regex($"^(?:{pattern})$(?![\\s\\S])", RegexOptions.ECMAScript | RegexOptions.Compiled | RegexOptions.CultureInvariant);
            Regexes[type] = regex;
            return regex;
        }
    }

    private static IReadOnlyList<(string Type, string Value)> Load()
    {
        var values = new List<(string, string)>();
        var parser = TestData.Context.Json;
        foreach (var file in Directory.EnumerateFiles(TestData.ExamplesFolder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var resource = parser.Parse(File.ReadAllBytes(file)).Resource;
            if (resource is null) continue;
            foreach (var node in resource.Descendants())
                if (node.Value is { } value) values.Add((node.Type, value));
        }
        return values;
    }
}
