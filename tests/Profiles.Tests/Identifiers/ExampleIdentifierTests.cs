using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Tests.Support;

namespace FhirServer.Profiles.Tests.Identifiers;

/// <summary>
/// Every example of ../shared/fhir-examples through the identifier rules. The packages' own examples carry numbers
/// made up for illustration, so some break the rules: each such finding is listed here, by rule, and any
/// other finding (or a listed one that goes away) fails the test.
/// </summary>
public class ExampleIdentifierTests
{
    internal static readonly IReadOnlyDictionary<string, string> Expected = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // FR Core: the INS-NIR's key is 12, not 44; a SIRET (14 digits) typed SIREN; an RPPS (and its IdNatPS) off by its key.
        ["hl7.fhir.fr.core/Patient-FRCorePatientExample.json @ Patient.identifier[0].value"] = "NIR",
        ["hl7.fhir.fr.core/Organization-hopitaltest-eg-4-members.json @ Organization.identifier[1].value"] = "SIREN/SIRET",
        ["hl7.fhir.fr.core/Practitioner-FRCorePractitionerExample.json @ Practitioner.identifier[0].value"] = "IdNatPS",
        ["hl7.fhir.fr.core/Practitioner-FRCorePractitionerExample.json @ Practitioner.identifier[1].value"] = "RPPS",
        // PDSm: the same practitioner as FR Core's example, contained.
        ["ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference.contained[0].identifier[0].value"] = "IdNatPS",
        ["ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference.contained[0].identifier[1].value"] = "RPPS",
        // Annuaire Santé: FINESS numbers (and the IdNatSt built on them) and RPPS numbers whose keys do not match.
        ["ans.fhir.fr.annuaire/Organization-158480.json @ Organization.identifier[0].value"] = "IdNatSt",
        ["ans.fhir.fr.annuaire/Organization-158480.json @ Organization.identifier[1].value"] = "FINESS",
        ["ans.fhir.fr.annuaire/Organization-158480DP.json @ Organization.identifier[0].value"] = "IdNatSt",
        ["ans.fhir.fr.annuaire/Organization-158480DP.json @ Organization.identifier[1].value"] = "FINESS",
        ["ans.fhir.fr.annuaire/Organization-example-organization-fictive.json @ Organization.identifier[0].value"] = "IdNatSt",
        ["ans.fhir.fr.annuaire/Organization-example-organization-fictive.json @ Organization.identifier[1].value"] = "FINESS",
        ["ans.fhir.fr.annuaire/Practitioner-334081.json @ Practitioner.identifier[0].value"] = "IdNatPS",
        ["ans.fhir.fr.annuaire/Practitioner-334081.json @ Practitioner.identifier[1].value"] = "RPPS",
        ["ans.fhir.fr.annuaire/Practitioner-334081DP.json @ Practitioner.identifier[0].value"] = "IdNatPS",
        ["ans.fhir.fr.annuaire/Practitioner-334081DP.json @ Practitioner.identifier[1].value"] = "RPPS",
        ["ans.fhir.fr.annuaire/Practitioner-3719500.json @ Practitioner.identifier[0].value"] = "IdNatPS",
        ["ans.fhir.fr.annuaire/Practitioner-3719500.json @ Practitioner.identifier[1].value"] = "RPPS",
        ["ans.fhir.fr.annuaire/Practitioner-3719500DP.json @ Practitioner.identifier[0].value"] = "IdNatPS",
        ["ans.fhir.fr.annuaire/Practitioner-3719500DP.json @ Practitioner.identifier[1].value"] = "RPPS",
    };

    [Test]
    public void Examples_break_only_the_listed_rules()
    {
        var registry = IdentifierRuleRegistry.CreateDefault();
        var context = ProfilesTestData.Context;
        var root = ProfilesTestData.ExamplesFolder;
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var checkedFiles = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var isJson = file.EndsWith(".json", StringComparison.Ordinal);
            if (!isJson && !file.EndsWith(".xml", StringComparison.Ordinal)) continue;
            var bytes = File.ReadAllBytes(file);
            var result = isJson ? context.Json.Parse(bytes) : context.Xml.Parse(bytes);
            if (result.Resource is null) continue; // the parsers' own suites judge the files they refuse
            checkedFiles++;
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            foreach (var issue in registry.Check(result.Resource))
                found[$"{relative} @ {issue.Expression}"] = issue.Message[..issue.Message.IndexOf(" rule:", StringComparison.Ordinal)];
        }
        TestContext.Out.WriteLine($"{checkedFiles} examples checked, {found.Count} findings");
        foreach (var (where, rule) in found) TestContext.Out.WriteLine($"{rule}: {where}");

        Assert.That(checkedFiles, Is.GreaterThan(900));
        Assert.That(found, Is.EquivalentTo(Expected));
    }
}
