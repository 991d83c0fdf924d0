using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// The published examples of the French guides and IHE MHD against their declared profiles, with terminology: a
/// fixed value, pattern, range or binding a published example breaks would make the check suspect, unless the
/// example is shown wrong (listed below with the reason).
/// </summary>
public class ValueAndBindingExampleTests
{
    // Errors the examples do have, each for a reason of its own: file, location, and how the message starts.
    private static readonly (string File, string Expression, string Message)[] Known =
    [
        // dom-4: contained resources copied from the Annuaire with their meta.versionId / meta.lastUpdated.
        ("DocumentReference-exemple-pdsm-documentreference.json", "DocumentReference", "Constraint failed: dom-4:"),
        ("List-ExampleSubmissionSet.json", "List", "Constraint failed: dom-4:"),
        // FR Core's fr-core-address-insee-code binds (required) fr-core-vs-insee-code, which includes the system
        // TRE_R13-CommuneOM (2.1.0 and 2.2.0 alike); these Annuaire examples code their communes in TRE_R13-Commune.
        // as-dp-practitionerrole requires identifier:idSituationExercice (system https://rpps.esante.gouv.fr, 1..1); the
        // three DP examples carry only their https://annuaire.sante.fr identifier, as the DR ones (whose profile does not).
        ("PractitionerRole-1578230DP.json", "PractitionerRole", "Slice 'PractitionerRole.identifier:idSituationExercice': a matching slice is required"),
        ("PractitionerRole-1738459DP.json", "PractitionerRole", "Slice 'PractitionerRole.identifier:idSituationExercice': a matching slice is required"),
        ("PractitionerRole-5015602DP.json", "PractitionerRole", "Slice 'PractitionerRole.identifier:idSituationExercice': a matching slice is required"),
        .. InseeCode("Organization-158480.json", "Organization.address[0]"),
        .. InseeCode("Organization-158480DP.json", "Organization.address[0]"),
        .. InseeCode("Organization-example-organization-fictive.json", "Organization.address[0]"),
        .. InseeCode("Organization-example-organization-nancy.json", "Organization.address[0]"),
        .. InseeCode("Person-pp16dr-person.json", "Person.extension[1].value.ofType(Address)"),
        .. InseeCode("Person-pp19dr-person.json", "Person.extension[1].value.ofType(Address)"),
        .. InseeCode("Practitioner-334081.json", "Practitioner.address[0]"),
        .. InseeCode("Practitioner-3719500.json", "Practitioner.address[0]"),
    ];

    private static (string, string, string)[] InseeCode(string file, string address) =>
        [(file, address + ".extension[0].value.ofType(Coding)",
            "The code provided (https://mos.esante.gouv.fr/NOS/TRE_R13-Commune/FHIR/TRE-R13-Commune#")];

    private static bool IsKnown(string error) =>
        Known.Any(k => error.StartsWith($"{k.File} @ {k.Expression}: {k.Message}", StringComparison.Ordinal));

    [TestCase("hl7.fhir.fr.core")]
    [TestCase("ans.fhir.fr.annuaire")]
    [TestCase("ans.fhir.fr.pdsm")]
    [TestCase("ihe.iti.mhd")]
    public void Published_examples_have_no_errors(string folder)
    {
        var (files, errors) = ValidateFolder(folder);
        Assert.That(files, Is.GreaterThan(0));
        var unexpected = errors.Where(e => !IsKnown(e)).ToList();
        Assert.That(unexpected, Is.Empty, string.Join(Environment.NewLine, unexpected));
    }

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
