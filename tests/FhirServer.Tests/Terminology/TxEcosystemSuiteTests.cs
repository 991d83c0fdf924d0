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

    [Test]
    public async Task The_capability_statement_claims_the_release_of_the_tests_it_runs()
    {
        // The suite's history, newest first: "### 1.9.3".
        var history = await File.ReadAllLinesAsync(Path.Combine(SuiteFolder, "..", "docs", "test-history.md"));
        var release = history.First(l => l.StartsWith("### ", StringComparison.Ordinal))[4..].Trim();
        var statement = JsonNode.Parse(await Client.GetStringAsync("/metadata"))!;
        var claimed = statement["extension"]!.AsArray()
            .Select(f => f!["extension"]!.AsArray())
            .Where(parts => parts.Any(p => (string?)p!["valueCanonical"] == "http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version"))
            .Select(parts => (string?)parts.First(p => (string?)p!["url"] == "value")!["valueCode"]).Single();
        Assert.That(claimed, Is.EqualTo(release));
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
        // TX_SUITE_OUTPUT=folder keeps each response, as compared, to read beside the expected one.
        if (Environment.GetEnvironmentVariable("TX_SUITE_OUTPUT") is { Length: > 0 } output)
        {
            var file = Path.Combine(output, responseFile);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, actual?.ToJsonString(new() { WriteIndented = true }) ?? "");
        }
        return TemplateComparer.Compare(expected, actual);
    }

    // As the suite's runner sorts a response before comparing it (TxTesterSorters): the parameters of a Parameters
    // response by name (properties by code and value, designations by language and value, parts likewise), the parts
    // of a message joined by "; " in text order, the issues of an OperationOutcome by severity, code, expression and
    // text; in an expansion the value set's extensions by url, the parameters by name and value, the property
    // definitions by uri and code, and at every level the entries by code with their extensions, designations and
    // properties sorted.
    private static void Sort(JsonNode? node)
    {
        if (node is not JsonObject o) return;
        switch ((string?)o["resourceType"])
        {
            case "Parameters" when o["parameter"] is JsonArray list:
                o["parameter"] = SortParameters(list);
                foreach (var p in ((JsonArray)o["parameter"]!).OfType<JsonObject>())
                {
                    Sort(p["resource"]);
                    if ((string?)p["name"] == "message" && p["valueString"] is JsonValue message && ((string)message!).Contains("; ", StringComparison.Ordinal))
                        p["valueString"] = string.Join("; ", ((string)message!).Split("; ").Order(StringComparer.Ordinal));
                }
                break;
            case "OperationOutcome":
                SortIssues(o);
                break;
            case "ValueSet":
                SortBy(o, "extension", e => (string?)e?["url"]);
                if (o["expansion"] is not JsonObject expansion) break;
                if (expansion["parameter"] is JsonArray expansionParameters)
                    expansion["parameter"] = new JsonArray([.. expansionParameters
                        .OrderBy(p => (string?)p?["name"], StringComparer.Ordinal).ThenBy(p => Value(p), StringComparer.Ordinal).Select(p => p?.DeepClone())]);
                SortBy(expansion, "property", p => (string?)p?["uri"], p => (string?)p?["code"]);
                SortBy(expansion, "extension", e => (string?)e?["url"]);
                SortContains(expansion);
                break;
        }
    }

    private static JsonArray SortParameters(JsonArray list)
    {
        var sorted = list.Select(p => p?.DeepClone()).ToList();
        foreach (var p in sorted.OfType<JsonObject>())
            if (p["part"] is JsonArray parts) p["part"] = SortParameters(parts);
        return new JsonArray([.. sorted.OrderBy(p => p, Comparer<JsonNode?>.Create(CompareParameters))]);
    }

    // The runner's ParameterSorter: by name; two properties by code, then value; two designations by language, then value.
    private static int CompareParameters(JsonNode? a, JsonNode? b)
    {
        var name = (string?)a?["name"] ?? "";
        if (name == (string?)b?["name"] && name is "property" or "designation")
        {
            var key = name == "property" ? "code" : "language";
            var byKey = string.Compare(PartValue(a, key), PartValue(b, key), StringComparison.Ordinal);
            if (byKey != 0) return byKey;
            var byValue = string.Compare(PartValue(a, "value"), PartValue(b, "value"), StringComparison.Ordinal);
            if (byValue != 0) return byValue;
        }
        return string.Compare(name, (string?)b?["name"] ?? "", StringComparison.Ordinal);
    }

    private static string PartValue(JsonNode? parameter, string part) =>
        Value((parameter?["part"] as JsonArray)?.FirstOrDefault(p => (string?)p?["name"] == part)).ToLowerInvariant();

    private static void SortBy(JsonObject parent, string name, Func<JsonNode?, string?> key, Func<JsonNode?, string?>? then = null)
    {
        if (parent[name] is not JsonArray items) return;
        var ordered = items.OrderBy(i => key(i) ?? "", StringComparer.Ordinal);
        if (then is not null) ordered = ordered.ThenBy(i => then(i) ?? "", StringComparer.Ordinal);
        parent[name] = new JsonArray([.. ordered.Select(i => i?.DeepClone())]);
    }

    // The entries of an expansion by code, at every level, each with its extensions, designations and properties sorted.
    private static void SortContains(JsonObject parent)
    {
        if (parent["contains"] is not JsonArray contains) return;
        var sorted = contains.OrderBy(c => (string?)c?["code"] ?? "", StringComparer.Ordinal).Select(c => c?.DeepClone()).ToList();
        foreach (var child in sorted.OfType<JsonObject>())
        {
            SortBy(child, "extension", e => (string?)e?["url"]);
            if (child["designation"] is JsonArray designations)
                child["designation"] = new JsonArray([.. designations.OrderBy(d => d, Comparer<JsonNode?>.Create(CompareDesignations)).Select(d => d?.DeepClone())]);
            SortBy(child, "property", p => (string?)p?["code"]);
            SortContains(child);
        }
        parent["contains"] = new JsonArray([.. sorted]);
    }

    // The runner's DesignationSorter: by language when both have one, else by value.
    private static int CompareDesignations(JsonNode? a, JsonNode? b) =>
        a?["language"] is not null && b?["language"] is not null
            ? string.Compare((string?)a["language"], (string?)b["language"], StringComparison.Ordinal)
            : string.Compare((string?)a?["value"], (string?)b?["value"], StringComparison.Ordinal);

    private static void SortIssues(JsonObject outcome)
    {
        if ((string?)outcome["resourceType"] != "OperationOutcome" || outcome["issue"] is not JsonArray issues) return;
        outcome["issue"] = new JsonArray([.. issues
            .OrderBy(i => (string?)i?["severity"] ?? "", StringComparer.Ordinal)
            .ThenBy(i => (string?)i?["code"] ?? "", StringComparer.Ordinal)
            .ThenBy(i => (string?)i?["expression"]?[0] ?? "", StringComparer.Ordinal)
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
