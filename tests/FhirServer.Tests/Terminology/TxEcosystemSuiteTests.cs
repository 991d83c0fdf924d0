using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Tests.Http;

namespace FhirServer.Tests.Terminology;

/// <summary>
/// The HL7 terminology ecosystem suite (suites/tx-ecosystem, tests/test-cases.json), its <c>general</c> suites, run
/// as its runner does: each request posted with the suite's setup resources as <c>tx-resource</c> parameters, and
/// the response compared with the expected one by the suite's template rules. Every case that does not pass is
/// listed, with its reason, in tx-ecosystem-known-failures.txt; the list must stay exact, so a listed case that
/// starts to pass fails the test until it is removed. The suite does not touch the store: one store suffices.
/// </summary>
// The expansion limit at 1000 codes: the suite's big/ cases ask a server to treat 1000 as its limit (by a header that
// Ontoserver reads), to see that a too-costly expansion is refused in the expected form.
public class TxEcosystemSuiteTests() : ServerTests("sqlite", new() { ["Terminology:MaxExpansionSize"] = "1000" })
{
    private const string KnownFailuresFile = "tx-ecosystem-known-failures.txt";

    private static string SuiteFolder => Path.Combine(TestData.SharedRoot, "suites", "tx-ecosystem", "tests");

    [Test]
    public async Task General_suites_match_the_expected_responses_except_the_known_failures()
    {
        var cases = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(SuiteFolder, "test-cases.json")))!["suites"]!.AsArray();
        var failures = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var run = 0;
        // The general suites, and the metadata suite, which has no mode: it applies to every server.
        foreach (var suite in cases.Select(s => s!.AsObject()).Where(s => (string?)s["mode"] is "general" or null))
        {
            var setup = suite["setup"]!.AsArray().Select(f => Load((string)f!)).ToList();
            foreach (var test in suite["tests"]!.AsArray().Select(t => t!.AsObject()))
            {
                run++;
                var name = $"{suite["name"]}/{test["name"]}";
                if (await RunCase(test, setup) is { } reason) failures[name] = Shorten(reason.Replace('\t', ' '));
            }
        }
        var file = Path.Combine(SourceFolder(), KnownFailuresFile);
        if (Environment.GetEnvironmentVariable("TX_SUITE_WRITE_KNOWN_FAILURES") == "1")
            await File.WriteAllLinesAsync(file, failures.Select(f => $"{f.Key}\t{f.Value}"));
        var known = File.ReadAllLines(file).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t')[0]).ToHashSet(StringComparer.Ordinal);

        var newFailures = failures.Keys.Where(k => !known.Contains(k)).Select(k => $"{k}: {failures[k]}").ToList();
        var nowPassing = known.Where(k => !failures.ContainsKey(k)).ToList();
        TestContext.Out.WriteLine($"tx-ecosystem general suites: {run - failures.Count} of {run} cases pass");
        Assert.Multiple(() =>
        {
            Assert.That(newFailures, Is.Empty, "cases that fail and are not in " + KnownFailuresFile);
            Assert.That(nowPassing, Is.Empty, "cases that pass now: remove them from " + KnownFailuresFile);
        });
    }

    private async Task<string?> RunCase(JsonObject test, IReadOnlyList<JsonNode> setup)
    {
        var operation = (string)test["operation"]!;
        if (operation is "metadata" or "term-caps") return await RunMetadataCase(operation, (string)test["response"]!);
        var url = operation switch
        {
            "expand" => "/ValueSet/$expand",
            "validate-code" => "/ValueSet/$validate-code",
            "cs-validate-code" => "/CodeSystem/$validate-code",
            "lookup" => "/CodeSystem/$lookup",
            "translate" => "/ConceptMap/$translate",
            "batch-validate" => "/ValueSet/$batch-validate-code",
            _ => null,
        };
        if (url is null) return $"the operation '{operation}' is not implemented";
        var request = Load((string)test["request"]!).AsObject();
        var parameters = request["parameter"] as JsonArray ?? [];
        request["parameter"] = parameters;
        foreach (var resource in setup) parameters.Add(new JsonObject { ["name"] = "tx-resource", ["resource"] = resource.DeepClone() });
        // The test's profile (its version parameters…), else the suite's default one, as the runner adds them.
        foreach (var parameter in Load((string?)test["profile"] ?? "parameters-default.json")["parameter"]!.AsArray())
            parameters.Add(parameter!.DeepClone());

        using var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/fhir+json"),
        };
        if ((string?)test["Accept-Language"] is { } language) message.Headers.TryAddWithoutValidation("Accept-Language", language);
        var response = await Client.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        // http-code is a status ("422") or a class of them ("4xx").
        var expectedStatus = test["http-code"]?.ToString() ?? "200";
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (expectedStatus.EndsWith("xx", StringComparison.Ordinal) ? status[0] != expectedStatus[0] : status != expectedStatus)
            return $"HTTP {status}, expected {expectedStatus}: {Shorten(text)}";
        // The server nests expansions as the reference servers do, so the nested response first; the flat one when the
        // suite lacks the other (some named files are missing from it).
        var responseFile = new[] { (string?)test["response"], (string?)test["response:flat"] }
            .FirstOrDefault(f => f is not null && File.Exists(Path.Combine(SuiteFolder, f)));
        if (responseFile is null) return "the suite has no expected response file for this case";
        var expected = Load(responseFile, convert: false);
        var actual = JsonNode.Parse(text);
        if (actual is not null) SuiteVersionConversion.ToR5(actual);
        Sort(actual);
        return TemplateComparer.Compare(expected, actual);
    }

    // As the suite's runner does: the parameters of a Parameters response in name order (those of batch results too),
    // the issues of an OperationOutcome by severity, code, location and text, the expansion parameters by name and
    // value, the expansion entries by code.
    private static void Sort(JsonNode? node)
    {
        if (node is not JsonObject o) return;
        switch ((string?)o["resourceType"])
        {
            case "Parameters" when o["parameter"] is JsonArray list:
                o["parameter"] = new JsonArray([.. list.OrderBy(p => (string?)p?["name"], StringComparer.Ordinal).Select(p => p?.DeepClone())]);
                foreach (var p in (JsonArray)o["parameter"]!) Sort(p?["resource"]);
                break;
            case "OperationOutcome":
                SortIssues(o);
                break;
            case "ValueSet" when o["expansion"] is JsonObject expansion:
                if (expansion["parameter"] is JsonArray expansionParameters)
                    expansion["parameter"] = new JsonArray([.. expansionParameters
                        .OrderBy(p => (string?)p?["name"], StringComparer.Ordinal).ThenBy(p => Value(p), StringComparer.Ordinal).Select(p => p?.DeepClone())]);
                SortContains(expansion);
                break;
        }
    }

    // The entries of an expansion by code, at every level.
    private static void SortContains(JsonObject parent)
    {
        if (parent["contains"] is not JsonArray contains) return;
        var sorted = contains.OrderBy(c => (string?)c?["code"] ?? "", StringComparer.Ordinal).Select(c => c?.DeepClone()).ToList();
        foreach (var child in sorted.OfType<JsonObject>()) SortContains(child);
        parent["contains"] = new JsonArray([.. sorted]);
    }

    private static void SortIssues(JsonObject outcome)
    {
        if ((string?)outcome["resourceType"] != "OperationOutcome" || outcome["issue"] is not JsonArray issues) return;
        outcome["issue"] = new JsonArray([.. issues
            .OrderBy(i => (string?)i?["severity"] ?? "", StringComparer.Ordinal)
            .ThenBy(i => (string?)i?["code"] ?? "", StringComparer.Ordinal)
            .ThenBy(i => (string?)(i?["expression"] ?? i?["location"])?[0] ?? "", StringComparer.Ordinal)
            .ThenBy(i => (string?)i?["details"]?["text"] ?? "", StringComparer.Ordinal)
            .Select(i => i?.DeepClone())]);
    }

    // The value[x] of a parameter as text, whatever its type.
    private static string Value(JsonNode? parameter) =>
        parameter is JsonObject p ? p.Where(kv => kv.Key.StartsWith("value", StringComparison.Ordinal)).Select(kv => kv.Value?.ToString() ?? "").FirstOrDefault() ?? "" : "";

    // The metadata suite: the CapabilityStatement and the TerminologyCapabilities, compared in the runner's pattern mode.
    private async Task<string?> RunMetadataCase(string operation, string responseFile)
    {
        var response = await Client.GetAsync(operation == "metadata" ? "/metadata" : "/metadata?mode=terminology");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) return $"HTTP {(int)response.StatusCode}: {Shorten(text)}";
        return PatternComparer.Compare(Load(responseFile, convert: false), JsonNode.Parse(text));
    }

    private static JsonNode Load(string relative, bool convert = true)
    {
        var node = JsonNode.Parse(File.ReadAllText(Path.Combine(SuiteFolder, relative)))!;
        // The runner converts R5 to R4 for an R4 server (docs/r4.md).
        if (convert)
        {
            SuiteVersionConversion.ToR4(node);
            R5ConceptMap.ToR4(node);
        }
        return node;
    }

    private static string Shorten(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length > 200 ? text[..200] + "…" : text;
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
