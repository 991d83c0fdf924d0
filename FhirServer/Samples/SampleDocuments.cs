using System.Security.Cryptography;
using System.Text.Json.Nodes;
using static FhirServer.Samples.Fhir;

namespace FhirServer.Samples;

/// <summary>A resource of a DMP submission with the urn:uuid it has in an ITI-65 Bundle.</summary>
internal sealed record SubmissionEntry(string FullUrl, JsonObject Resource);

/// <summary>
/// A patient's DMP submission (IHE MHD ITI-65 Provide Document Bundle as profiled by ANS PDSm): a SubmissionSet List
/// and two documents, each a DocumentReference and its Binary — a PDF, and a CDA R2 document whose non-XML body is
/// that kind of PDF (what the DMP receives). Author, authenticator and source patient are contained, as PDSm asks.
/// </summary>
/// <param name="minimumPdfBytes">The PDFs' least size (<see cref="PdfDocument.Create"/>), for the document benchmarks; 0: as small as their text.</param>
internal sealed class SampleDocuments(int seed, SampleDirectory directory, int minimumPdfBytes = 0)
{
    public const int DocumentsPerSubmission = 2;

    /// <summary>Fictitious OID arc of the sample documents' unique ids.</summary>
    private const string OidRoot = "1.2.250.1.999.2";

    private static readonly (string Code, string Display, string Class, string ClassDisplay, string Body)[] Types =
    [
        ("11488-4", "Compte rendu de consultation", "10", "Compte rendu",
            "Patient vu en consultation de suivi. Examen clinique sans particularité. Traitement poursuivi à l'identique."),
        ("11490-0", "Lettre de liaison à la sortie d'un établissement de soins", "10", "Compte rendu",
            "Hospitalisation de trois jours pour surveillance. Sortie au domicile, rendez-vous de contrôle dans un mois."),
        ("18748-4", "Compte rendu d'imagerie médicale", "31", "Imagerie médicale",
            "Radiographie thoracique de face : pas d'épanchement, silhouette cardiaque de taille normale."),
        ("11502-2", "Compte rendu d'examens de biologie médicale", "10", "Compte rendu",
            "Numération formule sanguine et ionogramme dans les normes. Créatininémie à 78 µmol/L."),
    ];

    /// <summary>The submission's resources in Bundle order (SubmissionSet, then each DocumentReference and its Binary).</summary>
    /// <param name="forBundle">References by urn:uuid between entries (ITI-65) rather than by type and id (NDJSON).</param>
    public List<SubmissionEntry> Submission(PatientCard p, long index, bool forBundle)
    {
        var random = new SampleRandom(seed, "submission", index);
        var author = directory.PractitionerCard(directory.Find(random.Next(directory.Practitioners), Profession.Physician));
        var submitted = random.Moment(new DateOnly(2024, 1, 1), new DateOnly(2025, 6, 30));
        var listUuid = random.UuidUrn();
        var documents = new List<(SubmissionEntry Reference, SubmissionEntry Binary)>();
        var first = random.Next(Types.Length);
        for (var k = 0; k < DocumentsPerSubmission; k++)
        {
            var type = Types[(first + k) % Types.Length];
            var (docUuid, binaryUuid) = (random.UuidUrn(), random.UuidUrn());
            var created = submitted.AddHours(-random.Between(1, 72));
            var cda = k % 2 == 1;
            var title = $"{type.Display} — {p.Display}";
            var pdf = PdfDocument.Create(type.Display,
            [
                $"Patient : {p.Given[0]} {p.Family}, né{(p.Female ? "e" : "")} le {p.BirthDate:dd/MM/yyyy} (INS {p.Nir})",
                $"Auteur : Dr {author.Given} {author.Family}, {author.Organization.Name}",
                $"Date : {created:dd/MM/yyyy HH:mm}",
                "",
                type.Body,
            ], minimumPdfBytes);
            var oid = $"{OidRoot}.{seed}.{index}.{k + 1}";
            var content = cda
                ? CdaDocument.Create(new CdaHeader(oid, type.Code, type.Display, type.Display, created, p.Nir, PatientCard.InsTrait(p.Family),
                    PatientCard.InsTrait(p.Given[0]), p.Female, p.BirthDate, SampleIdentifiers.IdNatPs(author.Rpps), author.Family, author.Given,
                    "1" + author.Organization.Finess, author.Organization.Name), pdf)
                : pdf;
            var contentType = cda ? "text/xml" : "application/pdf";
            var binaryId = $"bin-{seed}-{index}-{k}";
            var binary = new JsonObject { ["resourceType"] = "Binary" };
            if (!forBundle) binary["id"] = binaryId;
            binary["contentType"] = contentType;
            binary["data"] = Convert.ToBase64String(content);

            var docId = $"doc-{seed}-{index}-{k}";
            var reference = new JsonObject { ["resourceType"] = "DocumentReference" };
            if (!forBundle) reference["id"] = docId;
            reference["meta"] = Meta(PdsmDocumentReference);
            reference["contained"] = Array(AuthorRole(author), AuthorOrganization(author), SourcePatient(p));
            reference["masterIdentifier"] = new JsonObject { ["use"] = "usual", ["system"] = Rfc3986, ["value"] = "urn:oid:" + oid };
            reference["identifier"] = Array(new JsonObject { ["use"] = "official", ["system"] = Rfc3986, ["value"] = docUuid });
            reference["status"] = "current";
            reference["type"] = Concept(Loinc, type.Code, type.Display);
            reference["category"] = Array(Concept(Nos("TRE_A03-ClasseDocument"), type.Class, type.ClassDisplay));
            reference["subject"] = Reference($"Patient/{p.Id}", p.Display);
            reference["date"] = DateTime(submitted);
            reference["author"] = Array(Reference("#author"));
            reference["authenticator"] = Reference("#author");
            reference["description"] = type.Display;
            reference["securityLabel"] = Array(Concept("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "N", "normal"));
            reference["content"] = Array(new JsonObject
            {
                ["attachment"] = new JsonObject
                {
                    ["contentType"] = contentType,
                    ["language"] = "fr-FR",
                    ["url"] = forBundle ? binaryUuid : $"Binary/{binaryId}",
                    ["size"] = content.Length,
                    // Attachment.hash: the SHA-1 of the content, base64 (R4 datatypes.html#Attachment).
                    ["hash"] = Convert.ToBase64String(SHA1.HashData(content)),
                    ["title"] = title,
                    ["creation"] = DateTime(created),
                },
                ["format"] = Coding(Nos("TRE_A11-IheFormatCode"), "urn:ihe:iti:xds-sd:pdf:2008", "Document à corps non structuré en Pdf/A-1"),
            });
            reference["context"] = new JsonObject
            {
                ["period"] = new JsonObject { ["start"] = DateTime(created.AddHours(-1)), ["end"] = DateTime(created) },
                ["facilityType"] = Concept(Nos("TRE_R02-SecteurActivite"), Sector(author.Organization)),
                ["practiceSetting"] = Concept(Nos("TRE_A01-CadreExercice"), author.Organization.Salaried ? "ETABLISSEMENT" : "AMBULATOIRE"),
                ["sourcePatientInfo"] = Reference("#patient"),
            };
            documents.Add((new SubmissionEntry(docUuid, reference), new SubmissionEntry(binaryUuid, binary)));
        }

        var list = new JsonObject { ["resourceType"] = "List" };
        if (!forBundle) list["id"] = $"sub-{seed}-{index}";
        list["meta"] = Meta(PdsmSubmissionSet);
        list["contained"] = Array(AuthorRole(author), AuthorOrganization(author));
        list["extension"] = Array(
            Extension("https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-designationType", "valueCodeableConcept",
                Concept(Nos("TRE_R209-TypeActivite"), "07", "Consultations soins externes")),
            Extension("https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-sourceId", "valueIdentifier",
                new JsonObject { ["system"] = Rfc3986, ["value"] = $"urn:oid:{OidRoot}.0" }));
        list["identifier"] = Array(
            new JsonObject { ["use"] = "usual", ["system"] = Rfc3986, ["value"] = $"urn:oid:{OidRoot}.{seed}.{index}" },
            new JsonObject { ["use"] = "official", ["system"] = Rfc3986, ["value"] = listUuid });
        list["status"] = "current";
        list["mode"] = "working";
        list["title"] = $"Documents de {p.Display}";
        list["code"] = Concept("https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "submissionset", "SubmissionSet as a FHIR List");
        list["subject"] = Reference($"Patient/{p.Id}", p.Display);
        list["date"] = DateTime(submitted);
        list["source"] = new JsonObject
        {
            ["extension"] = Array(Extension("https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-authorOrg", "valueReference", Reference("#organization"))),
            ["reference"] = "#author",
        };
        list["entry"] = Array(documents.Select((d, k) => (JsonNode)new JsonObject
        {
            ["item"] = Reference(forBundle ? d.Reference.FullUrl : $"DocumentReference/doc-{seed}-{index}-{k}"),
        }));

        var entries = new List<SubmissionEntry> { new(listUuid, list) };
        foreach (var (reference, binary) in documents) entries.AddRange([reference, binary]);
        return entries;
    }

    /// <summary>The ITI-65 transaction: every entry a POST (MHD ProvideBundle's slices fix the method).</summary>
    public JsonObject ProvideBundle(List<SubmissionEntry> entries) => new()
    {
        ["resourceType"] = "Bundle",
        ["meta"] = Meta(PdsmProvideBundle),
        ["type"] = "transaction",
        ["entry"] = Array(entries.Select(e => (JsonNode)new JsonObject
        {
            ["fullUrl"] = e.FullUrl,
            ["resource"] = e.Resource,
            ["request"] = new JsonObject { ["method"] = "POST", ["url"] = (string)e.Resource["resourceType"]! },
        })),
    };

    private static JsonObject AuthorRole(PractitionerCard author) => new()
    {
        ["resourceType"] = "PractitionerRole",
        ["id"] = "author",
        ["practitioner"] = Reference($"Practitioner/{author.Id}", author.Display),
        ["organization"] = Reference("#organization"),
        ["code"] = Array(Concept(Nos("TRE_R22-GenreActivite"), "GENR01")),
    };

    private static JsonObject AuthorOrganization(PractitionerCard author) => new()
    {
        ["resourceType"] = "Organization",
        ["id"] = "organization",
        ["identifier"] = Array(Identifier("urn:oid:1.2.250.1.71.4.2.2", "1" + author.Organization.Finess, "IDNST", "official")),
        ["name"] = author.Organization.Name,
    };

    private static JsonObject SourcePatient(PatientCard p) => new()
    {
        ["resourceType"] = "Patient",
        ["id"] = "patient",
        ["identifier"] = Array(Identifier(Profiles.Identifiers.FrenchIdentifierRules.InsNirTest, p.Nir, "INS-NIR-TEST", "official")),
        ["name"] = Array(new JsonObject { ["use"] = "official", ["family"] = PatientCard.InsTrait(p.Family), ["given"] = Array(PatientCard.InsTrait(p.Given[0])) }),
        ["gender"] = p.Female ? "female" : "male",
        ["birthDate"] = Date(p.BirthDate),
    };

    private static string Sector(OrganizationCard organization) =>
        organization.Salaried ? (organization.Name.StartsWith("Centre hospitalier", StringComparison.Ordinal) ? "SA01" : "SA05") : "SA08";
}
