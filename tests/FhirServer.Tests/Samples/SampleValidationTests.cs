using System.Text;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Validation;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Tests.Samples;

/// <summary>
/// The generated sample validates against the profiles each resource claims, with the validator and French
/// identifier rules the server runs on write (no errors; warnings are the national code systems the packages lack).
/// One case per resource of a small seeded sample, and per ITI-65 Bundle as a whole.
/// </summary>
public class SampleValidationTests
{
    private const int Seed = 7;

    private static readonly Lazy<ResourceValidator> Validator = new(() => ResourceValidator.Create(TestData.Context.Registry,
        new ValueSetMembership(new TerminologySources(TestData.Context, new StoredResources()), new TerminologyOptions()),
        new ValidatorOptions { IdentifierRules = IdentifierRuleRegistry.CreateDefault() }));

    // Binary has no profile; MedicationDispense and Immunization have no French one yet (R4 base, docs/french-flows.md).
    private static readonly HashSet<string> Unprofiled = ["Binary", "MedicationDispense", "Immunization"];

    private static IEnumerable<TestCaseData> Resources() =>
        MemorySink.Generate(Seed, 2).Resources.Select(r =>
            new TestCaseData(r.ToJsonString()).SetArgDisplayNames($"{r["resourceType"]}/{r["id"]}"));

    private static IEnumerable<TestCaseData> ProvideBundles() =>
        MemorySink.Generate(Seed, 2, bundles: true).ProvideBundles.Select((b, i) =>
            new TestCaseData(b.ToJsonString()).SetArgDisplayNames($"ITI-65 Bundle {i + 1}"));

    [TestCaseSource(nameof(Resources))]
    public void A_generated_resource_meets_the_profiles_it_claims(string json)
    {
        var resource = Parse(json);
        var profiles = resource.Child("meta")?.ChildrenNamed("profile").Select(p => p.Value).ToList() ?? [];
        if (!Unprofiled.Contains(resource.Type!)) Assert.That(profiles, Is.Not.Empty, "it claims its French profile");
        AssertValid(resource);
    }

    [TestCaseSource(nameof(ProvideBundles))]
    public void A_generated_ITI65_bundle_meets_the_PDSm_provide_bundle_profile(string json)
    {
        var bundle = Parse(json);
        Assert.That(bundle.Child("meta")!.ChildrenNamed("profile").Select(p => p.Value),
            Is.EqualTo(new[] { "https://interop.esante.gouv.fr/ig/fhir/pdsm/StructureDefinition/pdsm-comprehensive-provide-document-bundle" }));
        AssertValid(bundle);
    }

    [Test]
    public void The_documents_are_a_real_PDF_and_a_CDA_R2_document_whose_hash_and_size_are_those_of_the_content()
    {
        var resources = MemorySink.Generate(Seed, 1).Resources;
        var binaries = resources.Where(r => (string?)r["resourceType"] == "Binary").ToList();
        Assert.That(binaries.Select(b => (string?)b["contentType"]), Is.EquivalentTo(new[] { "application/pdf", "text/xml" }));
        foreach (var binary in binaries)
        {
            var content = Convert.FromBase64String((string)binary["data"]!);
            var reference = resources.Single(r => (string?)r["content"]?[0]?["attachment"]?["url"] == $"Binary/{binary["id"]}");
            var attachment = reference["content"]![0]!["attachment"]!;
            Assert.That((int)attachment["size"]!, Is.EqualTo(content.Length));
            Assert.That((string)attachment["hash"]!, Is.EqualTo(Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(content))));
            var text = Encoding.Latin1.GetString(content);
            if ((string?)binary["contentType"] == "application/pdf")
            {
                Assert.That(text, Does.StartWith("%PDF-1.4").And.EndWith("%%EOF\n"));
                // The cross-reference table points at each object: the offset of "startxref" is that of "xref".
                var startxref = long.Parse(text[(text.LastIndexOf("startxref\n", StringComparison.Ordinal) + 10)..].Split('\n')[0]);
                Assert.That(text[(int)startxref..], Does.StartWith("xref\n"));
            }
            else
            {
                var cda = System.Xml.Linq.XDocument.Parse(Encoding.UTF8.GetString(content));
                System.Xml.Linq.XNamespace hl7 = "urn:hl7-org:v3";
                Assert.That(cda.Root!.Name, Is.EqualTo(hl7 + "ClinicalDocument"));
                var body = cda.Descendants(hl7 + "nonXMLBody").Single().Element(hl7 + "text")!;
                Assert.That(Encoding.Latin1.GetString(Convert.FromBase64String(body.Value)), Does.StartWith("%PDF-"));
                var patientId = cda.Descendants(hl7 + "patientRole").Single().Element(hl7 + "id")!;
                var patient = resources.Single(r => (string?)r["resourceType"] == "Patient");
                Assert.That(patientId.Attribute("extension")!.Value, Is.EqualTo((string?)patient["identifier"]![0]!["value"]));
            }
        }
    }

    private static ElementNode Parse(string json)
    {
        var parsed = TestData.Context.Json.Parse(Encoding.UTF8.GetBytes(json));
        Assert.That(parsed.HasErrors, Is.False, () => string.Join("\n", parsed.Issues));
        return parsed.Resource!;
    }

    private static void AssertValid(ElementNode resource)
    {
        var errors = Validator.Value.Validate(resource, []).Issues.Where(i => i.IsError).ToList();
        Assert.That(errors, Is.Empty, () => string.Join("\n", errors));
    }
}
