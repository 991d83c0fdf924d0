using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Slicing on the published examples of FR Core, Annuaire Santé, PDSm and MHD, against the profiles they declare:
/// every node sorted into its slice without doubt (no slice undecided, none matched twice, no closed slicing
/// broken), every required slice found, except where an example is known to lack one.
/// </summary>
public class SlicingExampleTests
{
    private static readonly string[] Guides = ["hl7.fhir.fr.core", "ans.fhir.fr.annuaire", "ans.fhir.fr.pdsm", "ihe.iti.mhd"];

    // as-dp-practitionerrole requires identifier:idSituationExercice (system https://rpps.esante.gouv.fr); these carry
    // only their https://annuaire.sante.fr identifier (see ValueAndBindingExampleTests).
    private static readonly string[] LackingARequiredSlice =
        ["PractitionerRole-1578230DP.json", "PractitionerRole-1738459DP.json", "PractitionerRole-5015602DP.json"];

    private static readonly Lazy<ResourceValidator> Validator = new(() => ProfilesTestData.NewValidator());

    public static IEnumerable<TestCaseData> Examples() =>
        Guides.SelectMany(g => Directory.GetFiles(Path.Combine(ProfilesTestData.ExamplesFolder, g), "*.json").Order(StringComparer.Ordinal))
            .Select(f => new TestCaseData(f).SetArgDisplayNames($"{Path.GetFileName(Path.GetDirectoryName(f))}/{Path.GetFileName(f)}"));

    [TestCaseSource(nameof(Examples))]
    public void Example_is_sliced_without_issues(string file)
    {
        var report = Validator.Value.Validate(ProfilesTestData.Parse(File.ReadAllText(file)));
        var slicing = report.Issues
            .Where(i => i.Severity is IssueSeverity.Warning or IssueSeverity.Error or IssueSeverity.Fatal)
            .Where(i => i.Message.Contains("slice", StringComparison.OrdinalIgnoreCase))
            .Select(i => $"{i.Expression}: {i.Message}").ToList();
        if (LackingARequiredSlice.Contains(Path.GetFileName(file)))
            Assert.That(slicing, Is.EqualTo(new[] { "PractitionerRole: Slice 'PractitionerRole.identifier:idSituationExercice': a matching slice is required, but not found (from https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitionerrole). Note that other slices are allowed in addition to this required slice" }));
        else
            Assert.That(slicing, Is.Empty);
    }

    [Test, Explicit("figures for the design note: errors on the examples with and without slicing")]
    public void Errors_with_and_without_slicing_are_printed()
    {
        var without = new ResourceValidator(new SchemaCompiler(new ProfileSource(ProfilesTestData.Context.Registry), ValidationAspects.Default),
            ValidatorOptions.Default, ProfilesTestData.Terminology);
        var examples = Examples().Select(e => ProfilesTestData.Parse(File.ReadAllText((string)e.Arguments[0]!))).ToList();
        foreach (var (name, validator) in new[] { ("without", without), ("with", Validator.Value) })
        {
            int failing = 0, errors = 0;
            foreach (var example in examples)
            {
                var n = validator.Validate(example).Issues.Count(i => i.IsError);
                errors += n;
                if (n > 0) failing++;
            }
            // Warm now: the cost of validating them all again (time and allocation, printed, never asserted).
            const int rounds = 20;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var r = 0; r < rounds; r++)
                foreach (var example in examples) validator.Validate(example);
            clock.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            TestContext.Out.WriteLine($"{name} slicing: {examples.Count} examples, {failing} with errors, {errors} errors; " +
                $"{rounds * examples.Count / clock.Elapsed.TotalSeconds:N0} resources/s, {allocated / (rounds * examples.Count):N0} bytes allocated per resource");
        }
    }
}
