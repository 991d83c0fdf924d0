using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Conformance.Tests.Snapshots;

/// <summary>
/// Snapshot generation over every StructureDefinition the HL7 validator suite loads beside its cases
/// (<see cref="ValidatorSuiteDefinitions"/>), from its differential (any published snapshot set aside), with the
/// other definitions of its cases and the packages they name. A definition passes when its snapshot is made without
/// error and compiles; the others are listed in validator-suite-snapshot-known-failures.txt with the outcome and
/// first error, and the list is kept exact: a listed definition that passes, or fails otherwise, fails its case.
/// </summary>
public class ValidatorSuiteSnapshotTests
{
    private const string KnownFailuresFile = "validator-suite-snapshot-known-failures.txt";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> KnownFailures = new(ReadKnownFailures);

    private static IEnumerable<ValidatorSuiteDefinitions.Definition> Definitions => ValidatorSuiteDefinitions.All;

    [TestCaseSource(nameof(Definitions))]
    public void Snapshot_is_generated_or_the_failure_is_known(ValidatorSuiteDefinitions.Definition definition)
    {
        var failure = Failure(definition);
        TestContext.Out.WriteLine(failure ?? "generated");
        Assert.That(failure, Is.EqualTo(KnownFailures.Value.GetValueOrDefault(definition.File)),
            failure is null ? $"generated now: remove it from {KnownFailuresFile}" : $"not as {KnownFailuresFile} says");
    }

    [Test]
    public void The_known_failures_are_suite_definitions()
    {
        Assert.That(Definitions.Count(), Is.EqualTo(137), "StructureDefinitions among the suite's supporting files");
        Assert.That(KnownFailures.Value.Keys.Except(Definitions.Select(d => d.File)), Is.Empty);
    }

    // Null when the snapshot is made without error and compiles; else "no snapshot: …" or "errors: …" with the first error.
    private static string? Failure(ValidatorSuiteDefinitions.Definition definition)
    {
        var context = ValidatorSuiteDefinitions.ContextFor(definition);
        var json = ValidatorSuiteDefinitions.Read(context, definition.File);
        if (json is null) return "does not parse";
        // The case's other definitions first (a profile's base is often one of them), then the packages.
        var siblings = definition.Siblings.Select(f => ValidatorSuiteDefinitions.Read(context, f)).OfType<JsonObject>();
        var generator = SnapshotGeneratorTests.Generator(context.Registry, siblings);
        var outcome = generator.Generate(json);
        foreach (var issue in outcome.Issues) TestContext.Out.WriteLine(issue);
        if (outcome.StructureDefinition is null) return "no snapshot: " + outcome.Issues.First(i => i.IsError).Message;
        StructureDefinitionCompiler.Compile(JsonSerializer.SerializeToElement(outcome.StructureDefinition));
        return outcome.Issues.FirstOrDefault(i => i.IsError) is { } error ? "errors: " + error.Message : null;
    }

    private static IReadOnlyDictionary<string, string> ReadKnownFailures() =>
        File.ReadAllLines(Path.Combine(SourceFolder(), KnownFailuresFile))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private static string SourceFolder([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
