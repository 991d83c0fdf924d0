using System.Net;

namespace FhirServer.Tests.Http;

/// <summary>
/// The vaccination record (docs/french-flows.md, "Vaccination record"), on each store: Immunization on the R4 base
/// profile for a patient with an INS, found by patient (reference and INS), vaccine code and date.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ImmunizationTests(string store) : ServerTests(store)
{
    private const string InsTest = "urn:oid:1.2.250.1.213.1.4.10";
    private const string Nir = "185057800608491";
    private const string Cvx = "http://hl7.org/fhir/sid/cvx";
    private const string Atc = "http://www.whocc.no/atc";

    private FrenchFlowClient Fhir => new(Client);
    private readonly Dictionary<string, string> _ids = [];

    protected override async Task Seed()
    {
        await Fhir.Put($$$"""{"resourceType":"Patient","id":"vac-pat","meta":{"profile":["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"]},"identifier":[{"system":"{{{InsTest}}}","value":"{{{Nir}}}"}],"name":[{"family":"Bénard","given":["Loïc"]}],"gender":"male","birthDate":"1985-05-14"}""");
        await Fhir.Put("""{"resourceType":"Patient","id":"vac-other","name":[{"family":"Martin"}]}""");
        _ids["flu"] = await Fhir.Create(Immunization("vac-pat", Atc, "J07BB02", "2025-10-15"));
        _ids["covid"] = await Fhir.Create(Immunization("vac-pat", Cvx, "208", "2021-04-02T10:30:00+02:00"));
        _ids["dtp"] = await Fhir.Create(Immunization("vac-pat", Atc, "J07CA01", "2010-03-20"));
        _ids["other-flu"] = await Fhir.Create(Immunization("vac-other", Atc, "J07BB02", "2025-10-16"));
    }

    private static string Immunization(string patient, string system, string code, string date) =>
        $$$"""{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"{{{system}}}","code":"{{{code}}}"}]},"patient":{"reference":"Patient/{{{patient}}}"},"occurrenceDateTime":"{{{date}}}","primarySource":true,"lotNumber":"AB1234"}""";

    private string[] Ids(params string[] names) => [.. names.Select(n => "Immunization/" + _ids[n])];

    [Test]
    public async Task A_patient_vaccination_record_is_found_by_patient_vaccine_and_date()
    {
        Assert.That(await Fhir.Found("/Immunization?patient=Patient/vac-pat"), Is.EquivalentTo(Ids("flu", "covid", "dtp")));
        Assert.That(await Fhir.Found($"/Immunization?patient.identifier={InsTest}|{Nir}"), Is.EquivalentTo(Ids("flu", "covid", "dtp")));
        Assert.That(await Fhir.Found("/Patient/vac-pat/Immunization"), Is.EquivalentTo(Ids("flu", "covid", "dtp")));
        Assert.That(await Fhir.Found($"/Immunization?vaccine-code={Atc}|J07BB02"), Is.EquivalentTo(Ids("flu", "other-flu")));
        Assert.That(await Fhir.Found($"/Immunization?patient=vac-pat&vaccine-code={Atc}|J07BB02,{Cvx}|208"), Is.EquivalentTo(Ids("flu", "covid")));
        Assert.That(await Fhir.Found("/Immunization?patient=vac-pat&date=ge2021-01-01"), Is.EquivalentTo(Ids("flu", "covid")));
        Assert.That(await Fhir.Found("/Immunization?patient=vac-pat&date=2021-04-02"), Is.EquivalentTo(Ids("covid")));
        Assert.That(await Fhir.Found("/Immunization?patient=vac-pat&date=lt2015&_sort=-date"), Is.EqualTo(Ids("dtp")));
        Assert.That(await Fhir.Found("/Immunization?patient=vac-pat&_sort=-date"), Is.EqualTo(Ids("flu", "covid", "dtp")));
    }

    [Test]
    public async Task An_immunization_without_its_required_elements_is_refused()
    {
        var (status, outcome) = await Fhir.Send(HttpMethod.Post, "/Immunization",
            """{"resourceType":"Immunization","status":"completed","patient":{"reference":"Patient/vac-pat"}}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), outcome.ToString());
        var issues = FrenchFlowClient.Issues(outcome);
        Assert.That(issues, Does.Contain("Immunization.vaccineCode"));
        Assert.That(issues, Does.Contain("Immunization.occurrence[x]"));

        (status, outcome) = await Fhir.Send(HttpMethod.Get, "/Immunization?date=not-a-date");
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), outcome.ToString());
    }
}
