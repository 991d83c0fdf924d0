using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation.Suite;

/// <summary>
/// The HL7 validator suite (../shared/suites/validator-r4): its checks, each runnable one or the category that keeps
/// it from running (<see cref="SuiteSkips"/>), and the run of a check — supporting files loaded, the instance parsed
/// with the parser of its format and validated, our errors (the parser's and the validator's) kept for comparison.
/// Results are kept for the test run, so the per-check tests and the summary validate each check once. Checks run one
/// at a time: they load and unload definitions into a shared validator.
/// </summary>
public static class ValidatorSuite
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, SuiteEnvironment> Environments = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, SuiteResult> Results = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string?> ResourceTypes = new(StringComparer.Ordinal);
    private static int _storedVersion;

    public static string Folder { get; } = Path.GetFullPath(Path.Combine(
        PackageSettings.FindSharedPackageFolders().FirstOrDefault() ?? "../shared/fhir-packages", "..", "suites", "validator-r4"));

    private static readonly Lazy<IReadOnlyList<(SuiteCheck Check, SuiteSkips.Category? Skip)>> LazyChecks = new(ReadChecks);

    /// <summary>Every check of the manifest with the reason it is skipped (null: it runs).</summary>
    public static IReadOnlyList<(SuiteCheck Check, SuiteSkips.Category? Skip)> Checks => LazyChecks.Value;

    public static IEnumerable<SuiteCheck> Runnable => Checks.Where(c => c.Skip is null).Select(c => c.Check);

    private static IReadOnlyList<(SuiteCheck, SuiteSkips.Category?)> ReadChecks()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "manifest-r4.json")))!;
        var names = new HashSet<string>(StringComparer.Ordinal);
        var checks = new List<(SuiteCheck, SuiteSkips.Category?)>();
        foreach (var json in manifest["test-cases"]!.AsArray().OfType<JsonObject>())
        {
            var c = SuiteCase.Read(json);
            // A few names appear twice in the manifest; the known-mismatch list needs one name per check.
            var name = c.Name;
            for (var n = 2; !names.Add(name); n++) name = $"{c.Name} #{n}";
            foreach (var check in SuiteCheck.Of(c, name, Folder))
                checks.Add((check, SuiteSkips.Reason(check, f => File.Exists(Path.Combine(Folder, f)),
                    p => SuiteEnvironment.IsAvailable(p, Folder), ResourceTypeOf)));
        }
        return checks;
    }

    /// <summary>Validates the check's instance (once per test run) and returns our errors beside the expected ones.</summary>
    public static SuiteResult Run(SuiteCheck check)
    {
        lock (Gate)
        {
            if (!Results.TryGetValue(check.Name, out var result)) Results[check.Name] = result = Validate(check);
            return result;
        }
    }

    private static SuiteResult Validate(SuiteCheck check)
    {
        var key = string.Join(" ", check.Case.Packages.Order(StringComparer.Ordinal));
        if (!Environments.TryGetValue(key, out var environment))
            Environments[key] = environment = SuiteEnvironment.Load(check.Case.Packages, Folder);
        var problems = new List<string>();
        var added = new List<string>();
        var stored = new List<(string Type, string Id)>();
        try
        {
            var definitions = new List<(string File, JsonElement Json)>();
            foreach (var file in check.Files)
            {
                var node = Parse(environment.Context, file, out var issues);
                if (node is null)
                {
                    problems.Add($"{file} does not parse: {issues.FirstOrDefault(i => i.IsError)}");
                    continue;
                }
                if (node.Type == "StructureDefinition") definitions.Add((file, DefinitionJson(file, node)));
                else
                {
                    var id = "suite-" + file;
                    environment.Stored.Committed(node.Type, id, Interlocked.Increment(ref _storedVersion), node);
                    stored.Add((node.Type, id));
                }
            }
            AddDefinitions(environment, definitions, added, problems);
            string? profile = null;
            if (check.ProfileFile is { } profileFile)
            {
                profile = definitions.Where(d => d.File == profileFile).Select(d => d.Json.GetProperty("url").GetString()).FirstOrDefault();
                if (profile is null) problems.Add($"the profile {profileFile} is not loaded: validated against the base only");
            }

            var parsed = Parse(environment.Context, check.Case.File, out var parseIssues);
            var errors = parseIssues.Where(i => i.IsError).ToList();
            Exception? thrown = null;
            try
            {
                if (parsed is not null)
                    errors.AddRange(environment.For(check.Case).Validate(parsed, profile is null ? null : [profile]).Issues.Where(i => i.IsError));
            }
            catch (Exception e)
            {
                // Kept, so that the figures are still given; the check's own test fails on it whatever the list says.
                thrown = e;
                errors.Add(new OutcomeIssue(IssueSeverity.Fatal, "exception", $"the validator throws {e.GetType().Name}: {e.Message}"));
            }
            return new SuiteResult(check, errors, problems) { Thrown = thrown };
        }
        finally
        {
            foreach (var url in added) environment.Validator.Profiles.Remove(url);
            foreach (var (type, id) in stored) environment.Stored.Committed(type, id, Interlocked.Increment(ref _storedVersion), null);
        }
    }

    // Definitions of a case may derive from each other: each is added once the one it derives from is.
    private static void AddDefinitions(SuiteEnvironment environment, List<(string File, JsonElement Json)> definitions,
        List<string> added, List<string> problems)
    {
        var pending = definitions.ToList();
        while (pending.Count > 0)
        {
            var failed = new List<((string File, JsonElement Json) Definition, IReadOnlyList<OutcomeIssue> Issues)>();
            foreach (var definition in pending)
            {
                var issues = environment.Validator.Profiles.Add(definition.Json);
                // Warnings (a differential's own slips, read as meant) leave the definition added.
                if (!issues.Any(i => i.IsError)) added.Add(definition.Json.GetProperty("url").GetString()!);
                else failed.Add((definition, [.. issues.Where(i => i.IsError)]));
            }
            if (failed.Count == pending.Count)
            {
                problems.AddRange(failed.Select(f => $"{f.Definition.File} is not loaded: {f.Issues[0]}"));
                return;
            }
            pending = [.. failed.Select(f => f.Definition)];
        }
    }

    private static ElementNode? Parse(ConformanceContext context, string file, out IReadOnlyList<OutcomeIssue> issues)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Folder, file));
        var result = file.EndsWith(".xml", StringComparison.Ordinal) ? context.Xml.Parse(bytes) : context.Json.Parse(bytes);
        issues = result.Issues;
        return result.Resource;
    }

    // The JSON file as written; an XML definition through our JSON writer.
    private static JsonElement DefinitionJson(string file, ElementNode node)
    {
        var bytes = file.EndsWith(".json", StringComparison.Ordinal) ? File.ReadAllBytes(Path.Combine(Folder, file)) : FhirJsonWriter.WriteToBytes(node);
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    // The resourceType of a suite file, read without a FHIR parser: it decides whether a case can run at all.
    private static string? ResourceTypeOf(string file)
    {
        lock (ResourceTypes)
        {
            if (ResourceTypes.TryGetValue(file, out var known)) return known;
            var path = Path.Combine(Folder, file);
            string? type = null;
            try
            {
                if (file.EndsWith(".json", StringComparison.Ordinal))
                {
                    using var document = JsonDocument.Parse(File.ReadAllBytes(path));
                    type = document.RootElement.TryGetProperty("resourceType", out var t) ? t.GetString() : null;
                }
                else
                {
                    using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
                    type = reader.MoveToContent() == XmlNodeType.Element ? reader.LocalName : null;
                }
            }
            catch (Exception e) when (e is JsonException or XmlException or IOException)
            {
                type = null;
            }
            return ResourceTypes[file] = type;
        }
    }
}
