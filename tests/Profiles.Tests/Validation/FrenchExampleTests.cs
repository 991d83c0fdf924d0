using FhirServer.Conformance.Model;
using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Tests.Identifiers;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// The published examples of FR Core, Annuaire Santé, PDSm and IHE MHD against the profiles they declare, with the
/// server's packages, terminology and the French identifier rules: no error, except the identifier rules' findings on
/// the made-up numbers the guides publish (<see cref="ExampleIdentifierTests.Expected"/>, by file, location and rule),
/// and the few errors the examples really have (<see cref="ExampleFindings"/>, each with its reason).
/// </summary>
public class FrenchExampleTests
{
    private static readonly string[] Guides = ["hl7.fhir.fr.core", "ans.fhir.fr.annuaire", "ans.fhir.fr.pdsm", "ihe.iti.mhd"];

    private static readonly Lazy<ResourceValidator> LazyValidator = new(() =>
    {
        var context = ProfilesTestData.Context;
        return ResourceValidator.Create(context.Registry, ProfilesTestData.Terminology,
            new ValidatorOptions { IdentifierRules = IdentifierRuleRegistry.CreateDefault() });
    });

    /// <summary>The validator every French test uses: packages, terminology and identifier rules, as the server has them.</summary>
    internal static ResourceValidator Validator => LazyValidator.Value;

    public static IEnumerable<TestCaseData> Examples() =>
        Guides.SelectMany(guide => Directory.EnumerateFiles(Path.Combine(ProfilesTestData.ExamplesFolder, guide), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(file => new TestCaseData($"{guide}/{Path.GetFileName(file)}").SetArgDisplayNames($"{guide}/{Path.GetFileName(file)}")));

    [TestCaseSource(nameof(Examples))]
    public void Published_example_has_no_error_but_the_listed_identifier_findings(string example)
    {
        var resource = ProfilesTestData.Parse(File.ReadAllText(Path.Combine(ProfilesTestData.ExamplesFolder, example)));
        var errors = Validator.Validate(resource).Issues.Where(i => i.IsError).ToList();

        var unexpected = errors.Where(e => !IsListedIdentifierFinding(example, e) && !IsListedExampleFinding(example, e))
            .Select(e => e.ToString()).ToList();
        Assert.That(unexpected, Is.Empty, string.Join(Environment.NewLine, unexpected));
    }

    // What the examples themselves get wrong, by file and location, with the start of the error's message:
    // - dom-4: PDSm's examples contain resources copied from the Annuaire with their meta.versionId and
    //   meta.lastUpdated, which R4 forbids in a contained resource (resource.html#dom-4).
    // - as-dp-practitionerrole requires the identifier slice idSituationExercice (system https://rpps.esante.gouv.fr,
    //   1..1); the Annuaire's DP PractitionerRole examples carry only an https://annuaire.sante.fr identifier.
    // - PDSm's DocumentReference example: its profile (from IHE MHD) takes author, authenticator and
    //   context.sourcePatientInfo as contained resources only (aggregation), the example refers to them elsewhere; and
    //   its contained practitioner-example is referred to by nothing (dom-3).
    // - FR Core's fr-core-address-insee-code binds (required) fr-core-vs-insee-code, which includes only the system
    //   TRE_R13-CommuneOM (overseas communes; 2.1.0 and 2.2.0 alike); these Annuaire examples code metropolitan
    //   communes in TRE_R13-Commune, outside the value set as published.
    // - PDSm's simplified DocumentReference example states an attachment size of 250,000 bytes for inline data of 11
    //   ("Hello World"): Attachment.size is the number of bytes of the data (R4 datatypes.html#Attachment).
    private static readonly IReadOnlyDictionary<string, string> ExampleFindings = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference"] = "Constraint failed: dom-4:",
        ["ans.fhir.fr.pdsm/List-ExampleSubmissionSet.json @ List"] = "Constraint failed: dom-4:",
        ["ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference.contained[0]"] = "The contained resource 'practitioner-example' is not referenced",
        ["ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference.author[0]"] = ExternalNotContained,
        ["ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference.authenticator"] = ExternalNotContained,
        ["ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json @ DocumentReference.context.sourcePatientInfo"] = ExternalNotContained,
        ["ans.fhir.fr.pdsm/DocumentReference-PDSmSimplifiedExample.json @ DocumentReference.content[0].attachment"] =
            "Stated Attachment Size 250,000 does not match actual attachment size 11",
        ["ans.fhir.fr.annuaire/PractitionerRole-1578230DP.json @ PractitionerRole"] = MissingSituationExercice,
        ["ans.fhir.fr.annuaire/PractitionerRole-1738459DP.json @ PractitionerRole"] = MissingSituationExercice,
        ["ans.fhir.fr.annuaire/PractitionerRole-5015602DP.json @ PractitionerRole"] = MissingSituationExercice,
        [$"ans.fhir.fr.annuaire/Organization-158480.json @ Organization.{Insee}"] = OutsideInsee,
        [$"ans.fhir.fr.annuaire/Organization-158480DP.json @ Organization.{Insee}"] = OutsideInsee,
        [$"ans.fhir.fr.annuaire/Organization-example-organization-fictive.json @ Organization.{Insee}"] = OutsideInsee,
        [$"ans.fhir.fr.annuaire/Organization-example-organization-nancy.json @ Organization.{Insee}"] = OutsideInsee,
        ["ans.fhir.fr.annuaire/Person-pp16dr-person.json @ Person.extension[1].value.ofType(Address).extension[0].value.ofType(Coding)"] = OutsideInsee,
        ["ans.fhir.fr.annuaire/Person-pp19dr-person.json @ Person.extension[1].value.ofType(Address).extension[0].value.ofType(Coding)"] = OutsideInsee,
        [$"ans.fhir.fr.annuaire/Practitioner-334081.json @ Practitioner.{Insee}"] = OutsideInsee,
        [$"ans.fhir.fr.annuaire/Practitioner-3719500.json @ Practitioner.{Insee}"] = OutsideInsee,
    };

    private const string ExternalNotContained = "Reference is external which isn't supported by the specified aggregation mode(s) for the reference (contained)";
    private const string Insee = "address[0].extension[0].value.ofType(Coding)";
    private const string OutsideInsee = "The code provided (https://mos.esante.gouv.fr/NOS/TRE_R13-Commune/FHIR/TRE-R13-Commune#";

    private const string MissingSituationExercice = "Slice 'PractitionerRole.identifier:idSituationExercice': a matching slice is required";

    private static bool IsListedExampleFinding(string example, OutcomeIssue issue) =>
        ExampleFindings.TryGetValue($"{example} @ {issue.Expression}", out var start) &&
        issue.Message.StartsWith(start, StringComparison.Ordinal);

    // An identifier rule's finding the guide's example is known to have: its file, location and rule are listed.
    private static bool IsListedIdentifierFinding(string example, OutcomeIssue issue) =>
        ExampleIdentifierTests.Expected.TryGetValue($"{example} @ {issue.Expression}", out var rule) &&
        issue.Message.StartsWith(rule + " rule:", StringComparison.Ordinal);
}
