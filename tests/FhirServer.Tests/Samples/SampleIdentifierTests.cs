using System.Text;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Profiles.Identifiers;
using FhirServer.Samples;

namespace FhirServer.Tests.Samples;

/// <summary>
/// The sample's national identifiers pass the French identifier rules (Profiles/Identifiers) and agree with what
/// else the resource says: a NIR's sex digit, birth year and month and birth place are the patient's.
/// </summary>
public class SampleIdentifierTests
{
    [Test]
    public void Every_identifier_of_the_sample_passes_the_French_identifier_rules()
    {
        var rules = IdentifierRuleRegistry.CreateDefault();
        var checkedValues = 0;
        foreach (var resource in MemorySink.Generate(11, 60).Resources)
        {
            var node = TestData.Context.Json.Parse(Encoding.UTF8.GetBytes(resource.ToJsonString())).Resource!;
            Assert.That(rules.Check(node), Is.Empty, () => resource.ToJsonString());
            checkedValues += node.Descendants().Count(n => n.Type == "Identifier" && n.Child("system")?.Value is { } s && rules.RulesFor(s).Count > 0);
        }
        Assert.That(checkedValues, Is.GreaterThan(200), "NIRs, RPPS, IdNatPS, FINESS, SIRET and IdNatSt were all there to check");
    }

    [Test]
    public void A_NIR_agrees_with_the_patients_sex_birth_date_and_birth_place_Corsica_included()
    {
        var corsicaBefore1976 = 0;
        var corsicaSince1976 = 0;
        for (var i = 0; i < 3000; i++)
        {
            var p = PatientCard.Create(3, i);
            Assert.That(FrenchIdentifierRules.CheckNir(p.Nir), Is.Null, p.Nir);
            Assert.That(p.Nir[0], Is.EqualTo(p.Female ? '2' : '1'), "sex digit");
            Assert.That(p.Nir.Substring(1, 2), Is.EqualTo($"{p.BirthDate.Year % 100:00}"), "birth year");
            Assert.That(p.Nir.Substring(3, 2), Is.EqualTo($"{p.BirthDate.Month:00}"), "birth month");
            var place = p.Nir.Substring(5, 5);
            if (p.BirthPlace.IsCorsican && p.BirthDate.Year < 1976)
            {
                // Department 20 before Corsica was split in 2A and 2B.
                Assert.That(place, Is.EqualTo("20" + p.BirthPlace.InseeCode[2..]));
                corsicaBefore1976++;
            }
            else
            {
                Assert.That(place, Is.EqualTo(p.BirthPlace.InseeCode));
                if (p.BirthPlace.IsCorsican) corsicaSince1976++;
            }
        }
        Assert.That(corsicaBefore1976, Is.GreaterThan(0));
        Assert.That(corsicaSince1976, Is.GreaterThan(0), "NIRs with 2A or 2B, whose key counts them as 19 and 18");
    }

    [Test]
    public void NIRs_RPPS_FINESS_and_SIRET_numbers_are_unique_within_a_run()
    {
        Assert.That(Enumerable.Range(0, 50_000).Select(i => PatientCard.Create(5, i).Nir).Distinct().Count(), Is.EqualTo(50_000));
        Assert.That(Enumerable.Range(0, 50_000).Select(i => SampleIdentifiers.Rpps(5, i)).Distinct().Count(), Is.EqualTo(50_000));
        var directory = new SampleDirectory(5, 5_000, 5);
        var organizations = Enumerable.Range(0, 5_000).Select(directory.OrganizationCard).ToList();
        Assert.That(organizations.Select(o => o.Finess).Distinct().Count(), Is.EqualTo(5_000));
        Assert.That(organizations.Select(o => o.Siret).Distinct().Count(), Is.EqualTo(5_000));
    }

    [Test]
    public void Practitioners_have_an_RPPS_with_its_Luhn_key_and_the_IdNatPS_8_plus_RPPS()
    {
        var directory = new SampleDirectory(9, 5, 500);
        for (var i = 0; i < 500; i++)
        {
            var card = directory.PractitionerCard(i);
            Assert.That(FrenchIdentifierRules.CheckRpps(card.Rpps, "RPPS"), Is.Null);
            Assert.That(CheckDigits.IsLuhnValid(card.Rpps), Is.True);
            Assert.That(SampleIdentifiers.IdNatPs(card.Rpps), Is.EqualTo("8" + card.Rpps));
            Assert.That(FrenchIdentifierRules.CheckIdNatPs(SampleIdentifiers.IdNatPs(card.Rpps)), Is.Null);
            Assert.That(card.Organization.Pharmacy, Is.EqualTo(card.Profession == Profession.Pharmacist), "pharmacists work at pharmacies");
        }
    }
}
