using System.Text.Json.Nodes;
using static FhirServer.Samples.Fhir;

namespace FhirServer.Samples;

/// <summary>A profession of the directory (TRE_G15-ProfessionSante).</summary>
internal enum Profession { Physician, Nurse, Pharmacist }

/// <summary>What other resources need to know of a practitioner: ids, identifiers, name, where they work.</summary>
internal sealed record PractitionerCard(string Id, string RoleId, string Rpps, string Given, string Family, bool Female,
    Profession Profession, OrganizationCard Organization)
{
    public string Display => $"{Given} {Family}";
}

/// <summary>What other resources need to know of an organization.</summary>
/// <param name="Salaried">Hospitals and health centres employ their staff; the others are practices of self-employed professionals.</param>
internal sealed record OrganizationCard(string Id, string Name, string Finess, string Siret, Commune Commune, bool Pharmacy, bool Salaried);

/// <summary>
/// The health-professional directory (Annuaire Santé, public data: the as-dp profiles over FR Core): organizations,
/// practitioners and their roles. Each is a pure function of the seed and its index, so a patient's resources can
/// name their physician without the directory being kept in memory. Every fifth organization is a pharmacy; in each
/// five practitioners, three are physicians, one a nurse and one a pharmacist (working at a pharmacy).
/// </summary>
internal sealed class SampleDirectory(int seed, int organizations, int practitioners)
{
    public int Organizations => organizations;

    public int Practitioners => practitioners;

    public OrganizationCard OrganizationCard(int index)
    {
        var random = new SampleRandom(seed, "organization", index);
        var commune = random.Pick(FrenchData.Communes);
        var pharmacy = index % 5 == 4;
        var name = pharmacy
            ? $"Pharmacie {random.Pick(["de la Gare", "du Marché", "Centrale", "des Écoles", "Saint-Éloi", "de l'Hôtel de Ville"])}"
            : (index % 5) switch
            {
                0 => $"Centre hospitalier de {commune.Name}",
                1 => $"Clinique {random.Pick(["Sainte-Anne", "du Parc", "Saint-Jean", "des Cèdres", "Pasteur"])}",
                2 => $"Centre de santé {random.Pick(["Émile-Zola", "Jean-Jaurès", "Simone-Veil", "Louise-Michel"])}",
                _ => $"Maison de santé pluriprofessionnelle de {commune.Name}",
            };
        return new OrganizationCard($"org-{seed}-{index}", name, SampleIdentifiers.Finess(seed, index, commune),
            SampleIdentifiers.Siret(seed, index), commune, pharmacy, index % 5 is 0 or 2);
    }

    public PractitionerCard PractitionerCard(int index)
    {
        var random = new SampleRandom(seed, "practitioner", index);
        var female = random.Chance(0.55);
        var given = random.Pick(female ? FrenchData.FemaleGivenNames : FrenchData.MaleGivenNames);
        var family = random.Pick(FrenchData.FamilyNames);
        var profession = (index % 5) switch { 3 => Profession.Nurse, 4 => Profession.Pharmacist, _ => Profession.Physician };
        return new PractitionerCard($"prat-{seed}-{index}", $"role-{seed}-{index}", SampleIdentifiers.Rpps(seed, index),
            given, family, female, profession, OrganizationCard(WorkPlace(index, profession)));
    }

    /// <summary>A practitioner of the profession near <paramref name="pick"/> (a random index below the count).</summary>
    public int Find(int pick, Profession profession)
    {
        var block = pick - pick % 5;
        var offset = profession switch { Profession.Nurse => 3, Profession.Pharmacist => 4, _ => pick % 5 % 3 };
        // The last block may be cut short: take the block before (there is one: at least five practitioners).
        return block + offset < practitioners ? block + offset : block - 5 + offset;
    }

    // Pharmacists work at pharmacies (organizations 4, 9, 14…), the others at the other organizations.
    private int WorkPlace(int practitioner, Profession profession)
    {
        var pharmacies = organizations / 5;
        if (profession == Profession.Pharmacist) return 5 * (practitioner % pharmacies) + 4;
        var m = practitioner % (organizations - pharmacies);
        return m + m / 4;
    }

    public JsonObject Organization(int index)
    {
        var card = OrganizationCard(index);
        var random = new SampleRandom(seed, "organization-details", index);
        return new JsonObject
        {
            ["resourceType"] = "Organization",
            ["id"] = card.Id,
            ["meta"] = Meta(FrCoreOrganization, AsDpOrganization),
            ["language"] = "fr",
            ["identifier"] = Array(
                Identifier("urn:oid:1.2.250.1.71.4.2.2", "1" + card.Finess, "IDNST", "official"),
                Identifier("https://finess.esante.gouv.fr", card.Finess, "FINEG", "official"),
                Identifier("https://sirene.fr", card.Siret, "SIRET", "official")),
            ["active"] = true,
            ["type"] = Array(
                OrganizationType("organizationType", Coding("https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-3307", "GEOGRAPHICAL-ENTITY")),
                OrganizationType("secteurActiviteRASS", Sector(index))),
            ["name"] = card.Name,
            ["telecom"] = Array(new JsonObject { ["system"] = "phone", ["value"] = Phone(random, card.Commune), ["use"] = "work" }),
            // No country: Annuaire Santé binds it to the INSEE country codes (JDV_J256-Pays), an address in France needs none.
            ["address"] = Array(Address(random, card.Commune, "work", country: false)),
        };
    }

    public JsonObject Practitioner(int index)
    {
        var card = PractitionerCard(index);
        var (category, professionCode, degree) = card.Profession switch
        {
            Profession.Nurse => ("C", "60", "DE23"),
            Profession.Pharmacist => ("C", "21", "DE02"),
            _ => ("C", "10", "DE01"),
        };
        var mailDomain = card.Profession switch { Profession.Nurse => "infirmier", Profession.Pharmacist => "pharmacien", _ => "medecin" };
        var mail = $"{Conformance.Search.SearchText.Normalize(card.Given)}.{Conformance.Search.SearchText.Normalize(card.Family)}"
            .Replace(' ', '-') + $".{index}@{mailDomain}.mssante.fr";
        return new JsonObject
        {
            ["resourceType"] = "Practitioner",
            ["id"] = card.Id,
            ["meta"] = Meta(FrCorePractitioner, AsDpPractitioner),
            ["language"] = "fr",
            ["identifier"] = Array(
                Identifier("urn:oid:1.2.250.1.71.4.2.1", SampleIdentifiers.IdNatPs(card.Rpps), "IDNPS", "official"),
                Identifier("https://rpps.esante.gouv.fr", card.Rpps, "RPPS", "official")),
            ["active"] = true,
            ["name"] = Array(Name(card)),
            ["telecom"] = Array(new JsonObject
            {
                ["extension"] = Array(Extension("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type", "valueCoding",
                    Coding(Nos("TRE_R256-TypeMessagerie"), "MSSANTE"))),
                ["system"] = "email",
                ["value"] = mail,
                ["use"] = "work",
            }),
            ["qualification"] = Array(
                new JsonObject { ["code"] = new JsonObject { ["coding"] = Array(Coding(Nos("TRE_R14-TypeDiplome"), "DE"), Coding(Nos("TRE_R48-DiplomeEtatFrancais"), degree)) } },
                new JsonObject { ["code"] = new JsonObject { ["coding"] = Array(Coding(Nos("TRE_G15-ProfessionSante"), professionCode), Coding(Nos("TRE_R09-CategorieProfessionnelle"), category)) } }),
        };
    }

    private static JsonObject Name(PractitionerCard card)
    {
        var name = new JsonObject
        {
            ["use"] = "usual",
            ["family"] = card.Family,
            ["given"] = Array(card.Given),
            // Civility (JDV_J245) as prefix, the practice title (TRE_R11-CiviliteExercice) as suffix.
            ["prefix"] = Array(card.Female ? "MME" : "M"),
        };
        if (card.Profession != Profession.Nurse) name["suffix"] = Array("DR");
        return name;
    }

    public JsonObject PractitionerRole(int index)
    {
        var card = PractitionerCard(index);
        return new JsonObject
        {
            ["resourceType"] = "PractitionerRole",
            ["id"] = card.RoleId,
            ["meta"] = Meta(FrCorePractitionerRole, AsDpPractitionerRole),
            ["language"] = "fr",
            // The directory's "situation d'exercice" identifier, carried under the RPPS system (as-practitionerrole).
            ["identifier"] = Array(Identifier("https://rpps.esante.gouv.fr", $"{card.Rpps}-{card.Organization.Finess}", use: "official")),
            ["active"] = true,
            ["practitioner"] = Reference($"Practitioner/{card.Id}", card.Display),
            ["organization"] = Reference($"Organization/{card.Organization.Id}", card.Organization.Name),
            ["code"] = Array(
                Concept(Nos("TRE_R22-GenreActivite"), "GENR01"),
                Concept(Nos("TRE_R23-ModeExercice"), card.Organization.Salaried ? "S" : "L")),
        };
    }

    private static JsonObject OrganizationType(string slice, JsonObject coding) => new()
    {
        ["extension"] = Array(Extension("https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-organization-types", "valueCode", slice)),
        ["coding"] = Array(coding),
    };

    private static JsonObject Sector(int index) => (index % 5) switch
    {
        0 => Coding(Nos("TRE_R02-SecteurActivite"), "SA01", "Etablissement public de santé"),
        1 => Coding(Nos("TRE_R02-SecteurActivite"), "SA04", "Etablissement privé non PSPH"),
        2 => Coding(Nos("TRE_R02-SecteurActivite"), "SA05", "Centre de santé"),
        3 => Coding(Nos("TRE_R02-SecteurActivite"), "SA08", "Cabinet de groupe"),
        _ => Coding(Nos("TRE_R02-SecteurActivite"), "SA33", "Pharmacie d'officine"),
    };

    /// <summary>A postal address in the commune: a number and one of the embedded streets.</summary>
    public static JsonObject Address(SampleRandom random, Commune commune, string use, bool country = true)
    {
        var line = $"{random.Between(1, 120)} {random.Pick(FrenchData.Streets)}";
        var address = new JsonObject
        {
            ["use"] = use,
            ["type"] = "both",
            ["line"] = Array(line),
            ["city"] = commune.Name,
            ["postalCode"] = commune.PostalCode,
        };
        if (country) address["country"] = "France";
        return address;
    }

    /// <summary>A phone number of the commune's region (01 Île-de-France … 05 South-West, 04 South-East and Corsica, 0596/0262 overseas).</summary>
    public static string Phone(SampleRandom random, Commune commune)
    {
        var prefix = commune.Department switch
        {
            "972" => "0596",
            "974" => "0262",
            var d when d is "75" or "92" or "93" or "94" => "01",
            var d when d.StartsWith('2') && !char.IsDigit(d[1]) => "04",
            var d when int.Parse(d) is 14 or 22 or 29 or 35 or 37 or 44 or 45 or 49 or 56 or 72 or 76 or 86 or 18 => "02",
            var d when int.Parse(d) is 21 or 25 or 51 or 54 or 57 or 59 or 62 or 67 or 68 or 80 => "03",
            var d when int.Parse(d) is 17 or 31 or 33 or 64 or 87 => "05",
            _ => "04",
        };
        return prefix + " " + string.Join(' ', Enumerable.Range(0, (10 - prefix.Length) / 2).Select(_ => random.Digits(2)));
    }
}
