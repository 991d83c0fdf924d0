using System.Net;
using static FhirServer.Tests.Http.ValidationFixtures;

namespace FhirServer.Tests.Http;

/// <summary>
/// Validation:OnWrite off and base, on each store: off stores what the parser accepts; base checks the type's
/// definition and the identifier rules, not the profiles in meta.profile.
/// </summary>
[TestFixture("sqlite", "off")]
[TestFixture("postgres", "off")]
[TestFixture("sqlite", "base")]
[TestFixture("postgres", "base")]
public class WriteValidationModeTests(string store, string mode) : ServerTests(store, new() { ["Validation:OnWrite"] = mode })
{
    private HttpStatusCode Expected(bool refusedInBase) => mode == "base" && refusedInBase ? HttpStatusCode.UnprocessableEntity : HttpStatusCode.Created;

    protected override async Task Seed() =>
        Assert.That((await Client.PutAsync("/StructureDefinition/patient-with-birthdate", RestTests.Json(BirthDateProfile()))).IsSuccessStatusCode, Is.True);

    [Test]
    public async Task A_resource_breaking_its_base_definition()
    {
        var response = await Client.PostAsync("/Observation", RestTests.Json(ObservationWithoutCode(mode)));
        Assert.That(response.StatusCode, Is.EqualTo(Expected(refusedInBase: true)), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task A_wrong_ins_key()
    {
        var response = await Client.PostAsync("/Patient", RestTests.Json(FrCorePatient(goodKey: false)));
        Assert.That(response.StatusCode, Is.EqualTo(Expected(refusedInBase: true)), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task A_resource_breaking_the_profile_it_declares_only()
    {
        var declaring = $$"""{"resourceType":"Patient","meta":{"profile":["{{BirthDateProfileUrl}}"]},"active":true}""";
        var response = await Client.PostAsync("/Patient", RestTests.Json(declaring));
        Assert.That(response.StatusCode, Is.EqualTo(Expected(refusedInBase: false)), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Validate_checks_whatever_the_write_mode()
    {
        var (_, body) = await Read(await Client.PostAsync("/Observation/$validate", RestTests.Json(ObservationWithoutCode(mode))));
        Assert.That(Errors(body), Is.Not.Empty);
    }
}
