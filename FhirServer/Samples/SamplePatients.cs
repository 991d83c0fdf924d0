using System.Text.Json.Nodes;
using static FhirServer.Samples.Fhir;

namespace FhirServer.Samples;

/// <summary>
/// A patient's resources outside the DMP: the FR Core INS Patient, an e-prescription of two lines (Medication +
/// MedicationRequest sharing one groupIdentifier, ans.fhir.fr.eprescription) whose first line was dispensed
/// (MedicationDispense, R4: the guide has no dispensation profile), and two vaccinations (Immunization, R4: no
/// French profile is published yet).
/// </summary>
internal sealed class SamplePatients(int seed, SampleDirectory directory)
{
    public const int PrescriptionLines = 2;
    public const int Dispensed = 1;
    public const int Vaccinations = 2;

    private static readonly DateOnly CareFrom = new(2024, 1, 1);
    private static readonly DateOnly CareTo = new(2025, 6, 30);

    private static readonly (string Ucd, string Name, string Form, string FormCode, string Unit, string UnitCode, string Dosage, int PerDay, int Days)[] Medicines =
    [
        ("9004812", "Paracétamol 1 g, comprimé", "Comprimé", "10219000", "comprimé", "15054000", "1 comprimé 3 fois par jour si douleur", 3, 5),
        ("9219734", "Amoxicilline 1 g, comprimé dispersible", "Comprimé dispersible", "10121000", "comprimé", "15054000", "1 comprimé matin et soir", 2, 6),
        ("9182506", "Ibuprofène 400 mg, comprimé pelliculé", "Comprimé pelliculé", "10221000", "comprimé", "15054000", "1 comprimé au cours du repas, 3 fois par jour au plus", 3, 3),
        ("9135612", "Metformine 850 mg, comprimé pelliculé", "Comprimé pelliculé", "10221000", "comprimé", "15054000", "1 comprimé matin et soir au cours des repas", 2, 90),
        ("9281604", "Lévothyroxine sodique 75 µg, comprimé sécable", "Comprimé", "10219000", "comprimé", "15054000", "1 comprimé le matin à jeun", 1, 90),
        ("9198324", "Oméprazole 20 mg, gélule gastrorésistante", "Gélule gastrorésistante", "10211000", "gélule", "15012000", "1 gélule le matin", 1, 28),
        ("9234518", "Atorvastatine 20 mg, comprimé pelliculé", "Comprimé pelliculé", "10221000", "comprimé", "15054000", "1 comprimé le soir", 1, 90),
        ("9302711", "Amlodipine 5 mg, gélule", "Gélule", "10210000", "gélule", "15012000", "1 gélule par jour", 1, 90),
    ];

    private static readonly (string Atc, string Display, string Text)[] Vaccines =
    [
        ("J07BB02", "influenza, inactivated, split virus or surface antigen", "Vaccin grippal inactivé quadrivalent"),
        ("J07BX03", "covid-19 vaccines", "Vaccin COVID-19 à ARNm"),
        ("J07AL02", "pneumococcus, purified polysaccharides antigen conjugated", "Vaccin pneumococcique conjugué"),
        ("J07CA02", "diphtheria-pertussis-poliomyelitis-tetanus", "Rappel diphtérie, tétanos, coqueluche, poliomyélite"),
        ("J07BD52", "measles, combinations with mumps and rubella, live attenuated", "Vaccin rougeole, oreillons, rubéole"),
        ("J07BC01", "hepatitis B, purified antigen", "Vaccin contre l'hépatite B"),
    ];

    public JsonObject Patient(PatientCard p, long index)
    {
        var random = new SampleRandom(seed, "patient-details", index);
        return new JsonObject
        {
            ["resourceType"] = "Patient",
            ["id"] = p.Id,
            ["meta"] = Meta(FrCorePatientIns),
            ["extension"] = Array(
                Extension("http://hl7.org/fhir/StructureDefinition/patient-birthPlace", "valueAddress", new JsonObject
                {
                    ["extension"] = Array(Extension("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code", "valueCoding",
                        // FR Core's INSEE code value set draws on this NOS code system (fr-core-vs-insee-code).
                        Coding(Nos("TRE_R13-CommuneOM"), p.BirthPlace.InseeCode))),
                    ["city"] = p.BirthPlace.Name,
                }),
                new JsonObject
                {
                    ["extension"] = Array(
                        Extension("identityStatus", "valueCoding", Coding("https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445", "VALI"))),
                    ["url"] = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability",
                }),
            ["identifier"] = Array(Identifier(Profiles.Identifiers.FrenchIdentifierRules.InsNirTest, p.Nir, "INS-NIR-TEST", "official")),
            ["active"] = true,
            ["name"] = Array(
                new JsonObject
                {
                    ["extension"] = Array(Extension("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name", "valueString",
                        string.Join(' ', p.Given.Select(PatientCard.InsTrait)))),
                    ["use"] = "official",
                    ["family"] = PatientCard.InsTrait(p.Family),
                    ["given"] = Array(PatientCard.InsTrait(p.Given[0])),
                },
                new JsonObject { ["use"] = "usual", ["family"] = p.Family, ["given"] = Array(p.Given[0]) }),
            ["telecom"] = Array(new JsonObject { ["system"] = "phone", ["value"] = "06 " + string.Join(' ', Enumerable.Range(0, 4).Select(_ => random.Digits(2))), ["use"] = "mobile" }),
            ["gender"] = p.Female ? "female" : "male",
            ["birthDate"] = Date(p.BirthDate),
            ["address"] = Array(SampleDirectory.Address(random, p.Residence, "home")),
        };
    }

    /// <summary>The prescription's Medications and MedicationRequests, and the dispensation of its first line.</summary>
    public (List<JsonObject> Medications, List<JsonObject> Requests, List<JsonObject> Dispenses) Prescription(PatientCard p, long index)
    {
        var random = new SampleRandom(seed, "prescription", index);
        var prescriber = directory.PractitionerCard(directory.Find(random.Next(directory.Practitioners), Profession.Physician));
        var pharmacist = directory.PractitionerCard(directory.Find(random.Next(directory.Practitioners), Profession.Pharmacist));
        var authored = random.Moment(CareFrom, CareTo);
        var group = $"RX-{seed}-{index}";
        var first = random.Next(Medicines.Length);
        var (medications, requests, dispenses) = (new List<JsonObject>(), new List<JsonObject>(), new List<JsonObject>());
        for (var line = 0; line < PrescriptionLines; line++)
        {
            var m = Medicines[(first + line * 3) % Medicines.Length];
            var medicationId = $"med-{seed}-{index}-{line}";
            var requestId = $"mr-{seed}-{index}-{line}";
            medications.Add(new JsonObject
            {
                ["resourceType"] = "Medication",
                ["id"] = medicationId,
                ["meta"] = Meta(FrMedicationNonCompound),
                ["code"] = new JsonObject { ["coding"] = Array(Coding("http://data.esante.gouv.fr/ansm/medicament/UCD", m.Ucd, m.Name)), ["text"] = m.Name },
                ["form"] = Concept(Edqm, m.FormCode, m.Form),
            });
            requests.Add(new JsonObject
            {
                ["resourceType"] = "MedicationRequest",
                ["id"] = requestId,
                ["meta"] = Meta(FrMedicationRequest),
                ["identifier"] = Array(Identifier("urn:oid:1.2.250.1.999.3.1", $"{group}-{line + 1}")),
                ["status"] = "active",
                ["intent"] = "order",
                ["medicationReference"] = Reference($"Medication/{medicationId}", m.Name),
                ["subject"] = Reference($"Patient/{p.Id}", p.Display),
                ["authoredOn"] = DateTime(authored),
                ["requester"] = Reference($"Practitioner/{prescriber.Id}", prescriber.Display),
                ["groupIdentifier"] = Identifier("urn:oid:1.2.250.1.999.3.2", group),
                ["dosageInstruction"] = Array(new JsonObject
                {
                    ["text"] = $"{m.Dosage}, pendant {m.Days} jours",
                    ["timing"] = new JsonObject
                    {
                        ["repeat"] = new JsonObject
                        {
                            ["boundsDuration"] = Quantity(m.Days, "jours", "http://unitsofmeasure.org", "d"),
                            ["frequency"] = m.PerDay,
                            ["period"] = 1,
                            ["periodUnit"] = "d",
                        },
                    },
                    ["doseAndRate"] = Array(new JsonObject { ["doseQuantity"] = Quantity(1, m.Unit, Edqm, m.UnitCode) }),
                }),
            });
            if (line >= Dispensed) continue;
            var handedOver = authored.AddDays(random.Between(0, 3)).AddHours(random.Between(0, 4));
            dispenses.Add(new JsonObject
            {
                ["resourceType"] = "MedicationDispense",
                ["id"] = $"md-{seed}-{index}-{line}",
                ["status"] = "completed",
                ["medicationReference"] = Reference($"Medication/{medicationId}", m.Name),
                ["subject"] = Reference($"Patient/{p.Id}", p.Display),
                ["performer"] = Array(new JsonObject { ["actor"] = Reference($"Practitioner/{pharmacist.Id}", pharmacist.Display) }),
                ["authorizingPrescription"] = Array(Reference($"MedicationRequest/{requestId}")),
                ["quantity"] = Quantity(m.PerDay * m.Days, m.Unit, Edqm, m.UnitCode),
                ["daysSupply"] = Quantity(m.Days, "jours", "http://unitsofmeasure.org", "d"),
                ["whenHandedOver"] = DateTime(handedOver),
                ["dosageInstruction"] = Array(new JsonObject { ["text"] = m.Dosage }),
            });
        }
        return (medications, requests, dispenses);
    }

    public IEnumerable<JsonObject> Immunizations(PatientCard p, long index)
    {
        var random = new SampleRandom(seed, "immunization", index);
        var first = random.Next(Vaccines.Length);
        for (var k = 0; k < Vaccinations; k++)
        {
            var v = Vaccines[(first + k * 2) % Vaccines.Length];
            var nurse = directory.PractitionerCard(directory.Find(random.Next(directory.Practitioners), Profession.Nurse));
            var when = random.Moment(CareFrom, CareTo);
            yield return new JsonObject
            {
                ["resourceType"] = "Immunization",
                ["id"] = $"imm-{seed}-{index}-{k}",
                ["status"] = "completed",
                ["vaccineCode"] = Concept("http://www.whocc.no/atc", v.Atc, v.Display, v.Text),
                ["patient"] = Reference($"Patient/{p.Id}", p.Display),
                ["occurrenceDateTime"] = DateTime(when),
                ["recorded"] = DateTime(when.AddMinutes(random.Between(5, 90))),
                ["primarySource"] = true,
                ["lotNumber"] = $"{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}{random.Digits(4)}",
                ["site"] = Concept("http://terminology.hl7.org/CodeSystem/v3-ActSite", "LA", "left arm"),
                ["route"] = Concept("http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration", "IM", "Injection, intramuscular"),
                ["doseQuantity"] = Quantity(0.5m, "mL", "http://unitsofmeasure.org", "mL"),
                ["performer"] = Array(new JsonObject
                {
                    ["function"] = Concept("http://terminology.hl7.org/CodeSystem/v2-0443", "AP", "Administering Provider"),
                    ["actor"] = Reference($"Practitioner/{nurse.Id}", nurse.Display),
                }),
                ["protocolApplied"] = Array(new JsonObject { ["doseNumberPositiveInt"] = random.Between(1, 3) }),
            };
        }
    }
}
