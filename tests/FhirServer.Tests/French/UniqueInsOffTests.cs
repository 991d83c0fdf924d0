using System.Net;
using FhirServer.Tests.Http;

namespace FhirServer.Tests.French;

/// <summary>Server:UniqueIdentifiers empty: no identifier is unique, two Patients may share an INS.</summary>
public class UniqueInsOffTests() : ServerTests("sqlite", new() { ["Server:UniqueIdentifiers"] = "" })
{
    [Test]
    public async Task Two_patients_may_share_an_INS()
    {
        var nir = InsIdentities.NewNir();
        for (var i = 0; i < 2; i++)
        {
            using var response = await Client.PostAsync("/Patient", RestTests.Json(InsIdentities.Patient(nir)));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        }
    }
}
