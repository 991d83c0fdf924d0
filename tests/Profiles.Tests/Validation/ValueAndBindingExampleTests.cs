using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// The R4 specification's examples against the base definitions, with terminology: what the value and binding checks
/// find there. (The French guides' examples are <see cref="FrenchExampleTests"/>.)
/// </summary>
public class ValueAndBindingExampleTests
{
    // The R4 examples break their own definitions here and there (3 files before these checks); what the value and
    // binding checks add is only codes their systems do not define: UCUM is case-sensitive and has no mEq, mcg, ml/hr,
    // month, ea, drop, tbl or TAB; v3-orderableDrugForm's codes are upper-case (TAB, PATCH, VIAL).
    private static readonly System.Text.RegularExpressions.Regex ValueAndBindingMessage = new(
        "^(Value is|Missing element|The element .* is present|The pattern|The value provided|The code provided|None of the codings|No code provided|Unknown code|The value .* (less|greater)|date/time value|value is longer|The value '.*' does not match|The value in the instance)");

    [Test]
    public void R4_specification_examples_break_only_code_systems()
    {
        var (files, errors) = ValidateFolder("r4-spec");
        TestContext.Out.WriteLine($"{files} examples, {errors.Select(e => e[..e.IndexOf(" @ ", StringComparison.Ordinal)]).Distinct().Count()} with errors, {errors.Count} errors");
        var ours = errors.Select(e => e[(e.IndexOf(": ", e.IndexOf(" @ ", StringComparison.Ordinal), StringComparison.Ordinal) + 2)..])
            .Where(m => ValueAndBindingMessage.IsMatch(m)).ToList();
        Assert.That(ours, Has.Count.EqualTo(39));
        Assert.That(ours, Has.All.Match("^Unknown code '[^']+' in the CodeSystem '(http://unitsofmeasure.org|http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm)'$"));
    }

    private static (int Files, List<string> Errors) ValidateFolder(string folder)
    {
        var validator = ProfilesTestData.NewValidator();
        var root = Path.Combine(ProfilesTestData.ExamplesFolder, folder);
        var errors = new List<string>();
        var files = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var parsed = ProfilesTestData.Context.Json.Parse(File.ReadAllBytes(file));
            if (parsed.Resource is null) continue;
            files++;
            foreach (var issue in validator.Validate(parsed.Resource).Issues.Where(i => i.Severity is IssueSeverity.Error or IssueSeverity.Fatal))
                errors.Add($"{Path.GetRelativePath(root, file)} @ {issue.Expression}: {issue.Message}");
        }
        TestContext.Out.WriteLine($"{folder}: {files} examples, {errors.Count} errors");
        return (files, errors);
    }
}
