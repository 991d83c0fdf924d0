using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// IHE MHD ITI-67 Find Document References and ITI-66 Find Document Lists: every search parameter the MHD Document
/// Responder lists (CapabilityStatement IHE.MHD.DocumentResponder) and those PDSm adds (its own SearchParameters
/// included: period-start, period-end, isArchived; and MHD's creation, designationType, sourceId, which R4 core lacks),
/// each searched with a value of the guides' own examples, strictly (an unknown parameter is a 400, not an ignored one).
/// The examples are stored as published, but for an INS given to PDSm's patient (for <c>patient.identifier</c>) and a
/// name given to MHD's practitioner (for <c>author.given</c> and <c>source.family</c>, with accents). On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class DocumentSearchTests(string store) : ServerTests(store, new()
{
    // What is searched here, not what the examples' validation says (the write path checks that elsewhere).
    ["Validation:OnWrite"] = "off",
})
{
    private const string Ins = "urn:oid:1.2.250.1.213.1.4.8|284037512345678";

    private static readonly string[] Examples =
    [
        "ans.fhir.fr.pdsm/Patient-fr-patient-123.json",
        "ans.fhir.fr.pdsm/Organization-org-example.json",
        "ans.fhir.fr.pdsm/DocumentReference-exemple-pdsm-documentreference.json",
        "ans.fhir.fr.pdsm/DocumentReference-PDSmSimplifiedExample.json",
        "ans.fhir.fr.pdsm/List-ExampleSubmissionSet.json",
        "ans.fhir.fr.pdsm/List-ExampleFolder.json",
        "ihe.iti.mhd/Patient-ex-patient.json",
        "ihe.iti.mhd/Practitioner-ex-practitioner.json",
        "ihe.iti.mhd/Organization-ex-organization.json",
        "ihe.iti.mhd/DocumentReference-ex-DocumentReferenceUnContainedFully.json",
        "ihe.iti.mhd/DocumentReference-ex-documentreference.json",
        "ihe.iti.mhd/List-ex-compFolder.json",
        "ihe.iti.mhd/List-ex-compSubmissionSetFullUnContained.json",
        "ihe.iti.mhd/List-ex-compSubmissionSetFull.json",
    ];

    protected override async Task Seed()
    {
        foreach (var file in Examples)
        {
            var resource = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(TestData.ExamplesFolder, file)))!.AsObject();
            switch ((string)resource["id"]!)
            {
                case "fr-patient-123":
                    resource["identifier"] = JsonNode.Parse($$"""[{"system":"{{Ins.Split('|')[0]}}","value":"{{Ins.Split('|')[1]}}"}]""");
                    break;
                case "ex-practitioner":
                    resource["name"] = JsonNode.Parse("""[{"family":"Lefèvre","given":["Hélène"]}]""");
                    break;
            }
            var (status, body) = await LimitRequests.Send(Client, HttpMethod.Put, $"/{resource["resourceType"]}/{resource["id"]}", resource.ToJsonString());
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), $"{file}: {body}");
        }
    }

    // ITI-67: DocumentReference. P1, P2: PDSm's comprehensive and simplified documents of fr-patient-123; M1, M2: MHD's.
    private const string P1 = "exemple-pdsm-documentreference", P2 = "PDSmSimplifiedExample",
        M1 = "ex-DocumentReferenceUnContainedFully", M2 = "ex-documentreference";

    // ITI-66: List. SS, F: PDSm's SubmissionSet and Folder; MF, MS, MSC: MHD's (MSC with its author contained).
    private const string SS = "ExampleSubmissionSet", F = "ExampleFolder", MF = "ex-compFolder", MS = "ex-compSubmissionSetFullUnContained",
        MSC = "ex-compSubmissionSetFull";

    private const string Mos = "https://mos.esante.gouv.fr/NOS/";

    public static IEnumerable<TestCaseData> Searches()
    {
        TestCaseData Case(string query, params string[] ids) => new TestCaseData(query, ids).SetArgDisplayNames(query);
        // DocumentReference (ITI-67)
        yield return Case("DocumentReference?_id=" + P2, P2);
        yield return Case("DocumentReference?patient=Patient/fr-patient-123", P1, P2);
        yield return Case("DocumentReference?patient.identifier=" + Ins, P1, P2);
        yield return Case("DocumentReference?patient.identifier=" + Ins + "&status=current", P1, P2);
        yield return Case("DocumentReference?subject=Patient/ex-patient", M1);
        yield return Case("DocumentReference?status=current", P1, P2, M1, M2);
        yield return Case("DocumentReference?type=http://loinc.org|34133-9", P1);
        yield return Case($"DocumentReference?category={Mos}TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument|10", P1, P2);
        yield return Case("DocumentReference?creation=ge2025-04-26", P2);
        yield return Case("DocumentReference?date=2025-04-29", P1);
        // A period that covers a day: it starts before the day's end and ends after its start (ge and le intersect).
        yield return Case("DocumentReference?period=ge2025-04-22&period=le2025-04-22", P1);
        yield return Case("DocumentReference?period-start=2025-04-20", P1);
        yield return Case("DocumentReference?period-end=lt2025-04-26&period-end=gt2021-01-01", P1);
        yield return Case($"DocumentReference?setting={Mos}TRE_A01-CadreExercice/FHIR/TRE-A01-CadreExercice|ETABLISSEMENT", P1, P2);
        yield return Case($"DocumentReference?facility={Mos}TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite|SA01", P1);
        yield return Case("DocumentReference?event=http://terminology.hl7.org/CodeSystem/v3-ActCode|ACCTRECEIVABLE", M1);
        yield return Case($"DocumentReference?security-label={Mos}TRE_A07-StatusVisibiliteDocument/FHIR/TRE-A07-StatusVisibiliteDocument|N", P1);
        yield return Case("DocumentReference?format=urn:ihe:iti:xds-sd:pdf:2008", P2);
        yield return Case("DocumentReference?related:identifier=urn:ietf:rfc:3986|urn:oid:1.2.840.113556.1.8000.2554.17917.46600.21181.17878.33419.62048.57128.2759", M1);
        yield return Case("DocumentReference?relatesto=DocumentReference/" + M2, M1);
        yield return Case("DocumentReference?author.given=helene", M1);
        yield return Case("DocumentReference?author.family=LEFEVRE", M1);
        yield return Case("DocumentReference?author=PractitionerRole/practitionerrole-example", P1, P2);
        yield return Case("DocumentReference?identifier=urn:ietf:rfc:3986|urn:uuid:0c287d32-01e3-4d87-9953-9fcc9404eb21", M1);
        yield return Case("DocumentReference?identifier=urn:ietf:rfc:3986|urn:uuid:12345678-abcd-1234-abcd-1234567890ab", P1);
        yield return Case("DocumentReference?_security=http://terminology.hl7.org/CodeSystem/v3-ActReason|HTEST", M1, M2);
        // List (ITI-66)
        yield return Case("List?_id=" + F, F);
        yield return Case("List?code=https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes|folder", F, MF);
        yield return Case("List?code=submissionset", SS, MS, MSC);
        yield return Case("List?date=2025-04-30", SS);
        yield return Case("List?identifier=urn:ietf:rfc:3986|urn:uuid:77777777-dddd-eeee-ffff-888888888888", F);
        yield return Case("List?patient=Patient/ex-patient", MF, MS, MSC);
        yield return Case("List?patient.identifier=" + Ins, SS, F);
        yield return Case("List?subject=Patient/fr-patient-123&code=folder", F);
        yield return Case("List?source=Practitioner/ex-practitioner", MS);
        yield return Case("List?source.given=Hélène", MS);
        yield return Case("List?source.family=lefevre", MS);
        // Authors held as contained resources (MHD's contained sender, PDSm's contained PractitionerRole).
        yield return Case("List?source.email=JohnMoehrke@gmail.com", MS, MSC);
        yield return Case("List?source:PractitionerRole.identifier=https://rpps.esante.gouv.fr|1011848351", SS);
        yield return Case("List?status=current", SS, F, MF, MS, MSC);
        yield return Case($"List?designationType={Mos}TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite|SA05", SS);
        yield return Case("List?designationType=http://snomed.info/sct|284548004", MF);
        yield return Case("List?designationType=http://snomed.info/sct|225728007", MF, MS, MSC);
        yield return Case("List?sourceId=urn:oid:1.2.250.1.213.1.1.1|SRC-01", SS);
        yield return Case("List?sourceId=urn:oid:1.2.3.4", MS, MSC);
        yield return Case("List?authorOrg=Organization/ex-organization", MSC);
        yield return Case("List?isArchived=false", SS);
        yield return Case("List?title=classeur", F);
    }

    [TestCaseSource(nameof(Searches))]
    public async Task Each_parameter_finds_the_examples_it_names(string query, string[] expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/" + query.Replace("|", "%7C"));
        request.Headers.Accept.ParseAdd("application/fhir+json");
        // Strict: a parameter the server does not know is a 400 rather than a search that ignores it.
        request.Headers.Add("Prefer", "handling=strict");
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var bundle = JsonDocument.Parse(text);
        var ids = bundle.RootElement.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == "match")
                .Select(e => e.GetProperty("resource").GetProperty("id").GetString()).ToList()
            : [];
        Assert.That(ids, Is.EquivalentTo(expected), query);
    }
}
