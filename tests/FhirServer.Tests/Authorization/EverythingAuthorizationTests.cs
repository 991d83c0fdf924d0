using System.Net;
using System.Text.Json;
using FhirServer.Tests.Http;

namespace FhirServer.Tests.Authorization;

/// <summary>
/// <c>Patient/$everything</c> under SMART scopes, on each store: bounded by the access policy as searches are — the
/// token's patient only, the types its scopes grant only, a type named but not granted refused.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class EverythingAuthorizationTests(string store)
{
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _factory = TestClaimsHandler.Server(store);
        _client = _factory.CreateClient();
        foreach (var patient in new[] { "p1", "p2" })
        {
            await Send(HttpMethod.Put, $"/Patient/{patient}", "scope=system/*.cruds", $$$"""{"resourceType":"Patient","id":"{{{patient}}}"}""");
            await Send(HttpMethod.Put, $"/Observation/o-{patient}", "scope=system/*.cruds",
                EverythingTests.Observation(patient, 1).Replace("{\"resourceType\":\"Observation\",", $"{{\"resourceType\":\"Observation\",\"id\":\"o-{patient}\","));
            await Send(HttpMethod.Put, $"/Immunization/i-{patient}", "scope=system/*.cruds",
                EverythingTests.Immunization(patient).Replace("{\"resourceType\":\"Immunization\",", $"{{\"resourceType\":\"Immunization\",\"id\":\"i-{patient}\","));
        }
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string url, string claims, string? json = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add(TestClaimsHandler.Header, claims);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/fhir+json");
        using var response = await _client.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        if (method != HttpMethod.Get) Assert.That((int)response.StatusCode, Is.EqualTo(200).Or.EqualTo(201), body.ToString());
        return (response.StatusCode, body);
    }

    [Test]
    public async Task A_patient_token_sees_its_own_compartment_in_the_types_it_grants()
    {
        var (status, bundle) = await Send(HttpMethod.Get, "/Patient/p1/$everything", "scope=patient/*.rs patient=p1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        Assert.That(FrenchFlowClient.Entries(bundle), Is.EquivalentTo(new[] { "Patient/p1", "Observation/o-p1", "Immunization/i-p1" }));

        (status, bundle) = await Send(HttpMethod.Get, "/Patient/p1/$everything", "scope=patient/Patient.rs scope=patient/Observation.rs patient=p1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        Assert.That(FrenchFlowClient.Entries(bundle), Is.EquivalentTo(new[] { "Patient/p1", "Observation/o-p1" }));

        (status, bundle) = await Send(HttpMethod.Get, "/Patient/p1/$everything?_type=Immunization", "scope=patient/Patient.rs scope=patient/Observation.rs patient=p1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Forbidden), bundle.ToString());

        // The POST form reads, as the GET: a read scope is enough, and it is bounded the same way.
        (status, bundle) = await Send(HttpMethod.Post, "/Patient/p1/$everything", "scope=patient/Patient.rs scope=patient/Observation.rs patient=p1",
            """{"resourceType":"Parameters","parameter":[{"name":"_count","valueInteger":10}]}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        Assert.That(FrenchFlowClient.Entries(bundle), Is.EquivalentTo(new[] { "Patient/p1", "Observation/o-p1" }));
    }

    [Test]
    public async Task A_Bundle_entry_is_authorized_as_the_operation_is()
    {
        const string batch = """
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"GET","url":"Patient/p1/$everything"}},
              {"request":{"method":"GET","url":"Patient/p2/$everything"}},
              {"request":{"method":"GET","url":"Patient/p1/$everything?_type=Immunization"}}]}
            """;
        var (status, response) = await Send(HttpMethod.Post, "/", "scope=patient/Patient.rs scope=patient/Observation.rs patient=p1", batch);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var entries = response.GetProperty("entry").EnumerateArray().ToList();
        string Status(int i) => entries[i].GetProperty("response").GetProperty("status").GetString()!;
        Assert.That(Status(0), Does.StartWith("200"), response.ToString());
        Assert.That(FrenchFlowClient.Entries(entries[0].GetProperty("resource")), Is.EquivalentTo(new[] { "Patient/p1", "Observation/o-p1" }));
        Assert.That(Status(1), Does.StartWith("404"), "another patient, as a read");
        Assert.That(Status(2), Does.StartWith("403"), "a type the token may not search, named");
        Assert.That(response.ToString(), Does.Not.Contain("o-p2").And.Not.Contain("i-p1"));
    }

    [Test]
    public async Task Another_patient_is_not_found()
    {
        var (status, outcome) = await Send(HttpMethod.Get, "/Patient/p2/$everything", "scope=patient/*.rs patient=p1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound), outcome.ToString());
        var (userStatus, bundle) = await Send(HttpMethod.Get, "/Patient/p2/$everything", "scope=user/*.rs");
        Assert.That(userStatus, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(FrenchFlowClient.Entries(bundle), Is.EquivalentTo(new[] { "Patient/p2", "Observation/o-p2", "Immunization/i-p2" }));
    }
}
