using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using FhirServer.Profiles.Tests.Validation.Suite;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// The HL7 validator suite (suites/validator-r4, manifest-r4.json): every check that can run offline validated by our
/// validator and its error count compared with the HL7 Java validator's recorded outcome (docs/validation.md,
/// "Conformance: the HL7 validator cases"). A check passes when the counts match, or when it is listed in
/// validator-r4-known-mismatches.txt with its first difference; the list must stay exact, so a listed check that
/// matches now fails until it is taken out. VALIDATOR_SUITE_WRITE_KNOWN_MISMATCHES=1 rewrites the list from a run.
/// </summary>
public class ValidatorSuiteTests
{
    private const string KnownMismatchesFile = "validator-r4-known-mismatches.txt";
    private const string WriteVariable = "VALIDATOR_SUITE_WRITE_KNOWN_MISMATCHES";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> KnownMismatches = new(ReadKnownMismatches);

    public static IEnumerable<TestCaseData> RunnableChecks() =>
        ValidatorSuite.Runnable.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(RunnableChecks))]
    public void Gives_the_Java_validators_error_count_or_is_a_known_mismatch(SuiteCheck check)
    {
        var result = ValidatorSuite.Run(check);
        Assert.That(result.Thrown, Is.Null, $"{check.Name}: the validator throws");
        var listed = KnownMismatches.Value.ContainsKey(check.Name);
        if (result.ExactCount)
            Assert.That(listed, Is.False, $"{check.Name} gives {result.Errors.Count} error(s) as expected now: remove it from {KnownMismatchesFile}");
        else
            Assert.That(listed, Is.True, $"{check.Name}: ours vs expected {result.Mismatch.Replace('\t', ' ')}; not in {KnownMismatchesFile}");
    }

    [Test]
    public void Summary_and_the_known_mismatches_are_exact()
    {
        var results = ValidatorSuite.Runnable.Select(ValidatorSuite.Run).ToList();
        foreach (var line in Summary(results)) TestContext.Out.WriteLine(line);

        // The suite found and read: a wrong folder must not pass as "nothing to compare".
        Assert.That(results, Has.Count.GreaterThan(300), $"runnable checks in {ValidatorSuite.Folder}");
        var mismatches = results.Where(r => !r.ExactCount).Select(r => r.Check.Name).ToHashSet(StringComparer.Ordinal);
        var known = KnownMismatches.Value.Keys.ToHashSet(StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(mismatches.Except(known), Is.Empty, "checks whose count differs and are not in " + KnownMismatchesFile);
            Assert.That(known.Except(mismatches), Is.Empty, "listed in " + KnownMismatchesFile + " but matching (or no longer run): remove them");
        });
    }

    [Test]
    public void A_cases_manifest_options_become_the_validators_options()
    {
        var c = SuiteCase.Read(JsonNode.Parse("""
            {"name":"x","file":"x.json","version":"4.0","validateContains":"IGNORE","security-checks":true,"noHtmlInMarkdown":true,"for-publication":true}
            """)!.AsObject());
        Assert.That(c.ValidatorOptions(ValidatorOptions.Default), Is.EqualTo(ValidatorOptions.Default with
        {
            ValidateContained = false,
            SecurityChecks = true,
            HtmlInMarkdown = HtmlInMarkdownCheck.Error,
            ForPublication = true,
        }));
        var plain = SuiteCase.Read(JsonNode.Parse("""{"name":"y","file":"y.json","version":"4.0","security-checks":false}""")!.AsObject());
        Assert.That(plain.ValidatorOptions(ValidatorOptions.Default), Is.EqualTo(ValidatorOptions.Default));
    }

    /// <summary>The figures, as a validate-suite run prints them.</summary>
    public static IEnumerable<string> Summary(IReadOnlyList<SuiteResult> results)
    {
        var n = results.Count;
        yield return $"validator-r4: {n} runnable, exact count {Figure(results.Count(r => r.ExactCount), n)}, right verdict {Figure(results.Count(r => r.RightVerdict), n)}";
        yield return $"  against every Java error (terminology server's included): exact count {Figure(results.Count(r => r.ExactTotalCount), n)}, right verdict {Figure(results.Count(r => r.RightTotalVerdict), n)}";
        // The floor to read the figures against: the checks a validator that reports nothing would get right.
        yield return $"  (reporting no error at all would give {Figure(results.Count(r => r.Expected.OfflineCount == 0), n)} exact)";
        var firely = results.Where(r => r.Check.HasFirelyOutcome).ToList();
        yield return $"  on the {firely.Count} checks with a recorded Firely outcome: exact count {Figure(firely.Count(r => r.ExactCount), firely.Count)}, right verdict {Figure(firely.Count(r => r.RightVerdict), firely.Count)}";
        if (results.Where(r => r.Thrown is not null).Select(r => r.Check.Name).ToList() is { Count: > 0 } thrown)
            yield return $"  the validator throws on {thrown.Count}: {string.Join(", ", thrown)}";
        var skipped = ValidatorSuite.Checks.Where(c => c.Skip is not null).ToList();
        yield return $"  skipped {skipped.Count} of {ValidatorSuite.Checks.Count} checks:";
        foreach (var group in skipped.GroupBy(c => c.Skip!).OrderByDescending(g => g.Count()))
            yield return $"    {group.Count(),3} {group.Key.Name}: {group.Key.Reason}";
    }

    private static string Figure(int count, int of) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} ({(of == 0 ? 0 : 100.0 * count / of):0.0} %)");

    private static IReadOnlyDictionary<string, string> ReadKnownMismatches()
    {
        var file = Path.Combine(SourceFolder(), KnownMismatchesFile);
        if (Environment.GetEnvironmentVariable(WriteVariable) == "1")
        {
            var mismatches = ValidatorSuite.Runnable.Select(ValidatorSuite.Run).Where(r => !r.ExactCount)
                .OrderBy(r => r.Check.Name, StringComparer.Ordinal);
            File.WriteAllLines(file, [
                "# HL7 validator suite checks whose error count differs from the Java validator's (ValidatorSuiteTests).",
                "# check<TAB>ours vs expected<TAB>first difference; rewritten by " + WriteVariable + "=1",
                .. mismatches.Select(r => $"{r.Check.Name}\t{r.Mismatch}")]);
        }
        return File.ReadAllLines(file).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t'))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
    }

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
