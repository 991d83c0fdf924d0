using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// The published examples of the French guides and IHE MHD against their declared profiles, with terminology: a
/// fixed value, pattern, range or binding a published example breaks would make the check suspect. The R4
/// specification's examples are counted (printed), not asserted: a few are known to break their own definitions.
/// </summary>
public class ValueAndBindingExampleTests
{
    // Errors the examples do have, each for a reason of its own.
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        // dom-4: contained resources copied from the Annuaire with their meta.versionId / meta.lastUpdated.
        "DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference: Constraint failed: dom-4: 'If a resource is contained in another resource, it SHALL NOT have a meta.versionId or a meta.lastUpdated' (defined in http://hl7.org/fhir/StructureDefinition/DomainResource)",
        "List-ExampleSubmissionSet.json @ List: Constraint failed: dom-4: 'If a resource is contained in another resource, it SHALL NOT have a meta.versionId or a meta.lastUpdated' (defined in http://hl7.org/fhir/StructureDefinition/DomainResource)",
    };

    [TestCase("hl7.fhir.fr.core")]
    [TestCase("ans.fhir.fr.annuaire")]
    [TestCase("ans.fhir.fr.pdsm")]
    [TestCase("ihe.iti.mhd")]
    public void Published_examples_have_no_errors(string folder)
    {
        var (files, errors) = ValidateFolder(folder);
        Assert.That(files, Is.GreaterThan(0));
        var unexpected = errors.Where(e => !Known.Contains(e)).ToList();
        Assert.That(unexpected, Is.Empty, string.Join(Environment.NewLine, unexpected));
    }

    [Test, Explicit("prints figures; run by hand")]
    public void R4_specification_examples_errors_are_printed()
    {
        var (files, errors) = ValidateFolder("r4-spec");
        TestContext.Out.WriteLine($"{files} examples, {errors.Select(e => e[..e.IndexOf(" @ ", StringComparison.Ordinal)]).Distinct().Count()} with errors, {errors.Count} errors");
        foreach (var e in errors) TestContext.Out.WriteLine(e);
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
