using System.Net;
using static FhirServer.Tests.Http.ValidationFixtures;

namespace FhirServer.Tests.Http;

/// <summary>
/// Validation:OnWrite strict with Validation:RequiredProfiles, on each store: every Patient must meet the required
/// profile (here one stored on the server) whatever it declares, and a profile the server does not know is an error.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class StrictWriteValidationTests(string store) : ServerTests(store, new()
{
    ["Validation:OnWrite"] = "strict",
    ["Validation:RequiredProfiles:Patient"] = BirthDateProfileUrl,
})
{
    protected override async Task Seed() =>
        Assert.That((await Client.PutAsync("/StructureDefinition/patient-with-birthdate", RestTests.Json(BirthDateProfile()))).IsSuccessStatusCode, Is.True);

    [Test]
    public async Task Every_patient_meets_the_required_profile()
    {
        var (status, body) = await Read(await Client.PostAsync("/Patient", RestTests.Json("""{"resourceType":"Patient","active":true}""")));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body.ToString());
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Patient.birthDate: minimum required = 1").And.Contains(BirthDateProfileUrl));
        Assert.That((await Client.PostAsync("/Patient", RestTests.Json(FrCorePatient(profile: null)))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That((await Client.PostAsync("/Organization", RestTests.Json("""{"resourceType":"Organization","name":"X"}"""))).StatusCode,
            Is.EqualTo(HttpStatusCode.Created), "other types have no required profile");
    }

    [Test]
    public async Task An_unknown_declared_profile_is_an_error()
    {
        var (status, body) = await Read(await Client.PostAsync("/Organization", RestTests.Json("""
            {"resourceType":"Organization","meta":{"profile":["http://example.org/fhir/StructureDefinition/not-loaded-here"]},"name":"X"}
            """)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body.ToString());
        Assert.That(Errors(body).Single().GetProperty("code").GetString(), Is.EqualTo("not-found"));
    }

    [Test]
    public async Task Validate_in_create_mode_applies_the_required_profiles()
    {
        const string patient = """{"resourceType":"Patient","active":true}""";
        var (_, body) = await Read(await Client.PostAsync("/Patient/$validate", RestTests.Json(patient)));
        Assert.That(Errors(body), Is.Empty, "without a mode: the content alone");
        (_, body) = await Read(await Client.PostAsync("/Patient/$validate?mode=create", RestTests.Json(patient)));
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Patient.birthDate: minimum required = 1"));
    }
}
