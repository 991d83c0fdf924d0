using System.Collections.Concurrent;
using System.Xml.Linq;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>One &lt;test&gt; of the official FHIRPath R4 suite (../shared/suites/fhirpath-r4/tests-fhir-r4.xml).</summary>
public sealed record SuiteCase(
    string Name,
    string Group,
    string? InputFile,
    string Expression,
    string? Invalid,
    bool Strict,
    bool CheckOrderedFunctions,
    bool Predicate,
    bool Ordered,
    IReadOnlyList<SuiteOutput> Outputs)
{
    public override string ToString() => Name;
}

public sealed record SuiteOutput(string? Type, string Value);

/// <summary>Reads the suite file (test data, read with System.Xml) and the inputs, parsed once each by our parsers.</summary>
public static class OfficialSuite
{
    private static readonly Lazy<IReadOnlyList<SuiteCase>> LazyCases = new(Load);
    private static readonly ConcurrentDictionary<string, ElementNode> Inputs = new(StringComparer.Ordinal);

    public static string Folder => Path.Combine(TestData.SharedRoot, "suites", "fhirpath-r4");

    public static IReadOnlyList<SuiteCase> Cases => LazyCases.Value;

    public static ElementNode Input(string file) => Inputs.GetOrAdd(file, f =>
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, "input", f));
        var context = TestData.Context;
        var parsed = f.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? context.Xml.Parse(bytes) : context.Json.Parse(bytes);
        return parsed.Resource ?? throw new InvalidOperationException($"{f}: {string.Join("; ", parsed.Issues)}");
    });

    private static IReadOnlyList<SuiteCase> Load()
    {
        var doc = XDocument.Load(Path.Combine(Folder, "tests-fhir-r4.xml"));
        var cases = new List<SuiteCase>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var test in doc.Descendants("test"))
        {
            var expression = test.Element("expression");
            if (expression is null) continue;
            var name = (string?)test.Attribute("name") ?? "unnamed";
            // The suite names one test twice (testEquivalent23): the second keeps a suffix to stay addressable.
            seen[name] = seen.GetValueOrDefault(name) + 1;
            if (seen[name] > 1) name += "#" + seen[name];
            var mode = (string?)test.Attribute("mode") ?? (string?)expression.Attribute("mode");
            cases.Add(new SuiteCase(
                name,
                (string?)test.Parent?.Attribute("name") ?? "",
                (string?)test.Attribute("inputfile"),
                expression.Value,
                (string?)expression.Attribute("invalid"),
                mode == "strict",
                (string?)test.Attribute("checkOrderedFunctions") == "true",
                (string?)test.Attribute("predicate") == "true",
                (string?)test.Attribute("ordered") != "false",
                test.Elements("output").Select(o => new SuiteOutput((string?)o.Attribute("type"), o.Value)).ToList()));
        }
        return cases;
    }
}
