using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Tests.Http;

namespace FhirServer.Tests.Authorization;

/// <summary>
/// SMART scopes enforced on every interaction (docs/authorization.md, "Enforcement"), on each store: the negative
/// matrix (no token, a scope that does not cover the interaction, another patient's resource) and what must never leak
/// through search, includes, _has, chains, history, Bundle entries and totals; then the scopes that do grant.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class EnforcementTests(string store)
{
    private const string System = "scope=system/*.cruds";
    private const string P1All = "scope=patient/*.cruds patient=p1";
    private const string P1Observations = "scope=patient/Observation.rs patient=p1";

    private ServerFactory _factory = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _factory = TestClaimsHandler.Server(store);
        _client = _factory.CreateClient();
        await Put("Practitioner/pr1", """{"resourceType":"Practitioner","id":"pr1","name":[{"family":"Martin"}]}""");
        await Put("Patient/p1", """{"resourceType":"Patient","id":"p1","name":[{"family":"Durand"}],"generalPractitioner":[{"reference":"Practitioner/pr1"}]}""");
        await Put("Patient/p3", """{"resourceType":"Patient","id":"p3"}""");
        await Put("Patient/p2", """{"resourceType":"Patient","id":"p2","name":[{"family":"Other"}]}""");
        await Put("Observation/o1", Observation("o1", "p1", "laboratory", ",\"performer\":[{\"reference\":\"Practitioner/pr1\"}]"));
        await Put("Observation/o1v", Observation("o1v", "p1", "vital-signs"));
        await Put("Observation/o2", Observation("o2", "p2", "laboratory"));
        // p2's Observation that points at p1's: what _revinclude from p1's must not bring.
        await Put("Observation/o3", Observation("o3", "p2", "laboratory", ",\"hasMember\":[{\"reference\":\"Observation/o1\"}]"));
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private static string Observation(string id, string patient, string category, string more = "") =>
        $$"""{"resourceType":"Observation","id":"{{id}}","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"{{category}}"}]}],"code":{"text":"x"},"subject":{"reference":"Patient/{{patient}}"}{{more}}}""";

    private async Task Put(string url, string json)
    {
        var (response, body) = await Send(HttpMethod.Put, "/" + url, System, json);
        Assert.That((int)response.StatusCode, Is.EqualTo(201).Or.EqualTo(200), body.ToString());
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> Send(HttpMethod method, string url, string? claims, string? json = null,
        string mediaType = "application/fhir+json", string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (claims is not null) request.Headers.Add(TestClaimsHandler.Header, claims);
        if (bearer is not null) request.Headers.Authorization = new("Bearer", bearer);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, mediaType);
        var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private async Task<List<string>> Ids(string url, string claims)
    {
        var (response, body) = await Send(HttpMethod.Get, url, claims);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        return Entries(body);
    }

    private static List<string> Entries(JsonElement bundle) =>
        bundle.TryGetProperty("entry", out var entries)
            ? [.. entries.EnumerateArray().Where(e => e.TryGetProperty("resource", out _))
                .Select(e => e.GetProperty("resource")).Where(r => r.GetProperty("resourceType").GetString() != "OperationOutcome")
                .Select(r => $"{r.GetProperty("resourceType").GetString()}/{r.GetProperty("id").GetString()}")]
            : [];

    private const string PatchBody = """[{"op":"replace","path":"/status","value":"amended"}]""";

    private static IEnumerable<TestCaseData> Interactions() => FhirInteractions.Cases(new("o1", "p1", "Durand", "b1"));

    [TestCaseSource(nameof(Interactions))]
    public async Task Without_a_token_every_interaction_is_401_with_WWW_Authenticate_Bearer(string method, string url, string? json, string? media)
    {
        var (response, body) = await Send(new HttpMethod(method), url, null, json, media ?? "application/fhir+json");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), body.ToString());
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        Assert.That(body.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
    }

    [TestCaseSource(nameof(Interactions))]
    public async Task With_an_invalid_token_every_interaction_is_401_invalid_token(string method, string url, string? json, string? media)
    {
        var (response, _) = await Send(new HttpMethod(method), url, null, json, media ?? "application/fhir+json", bearer: "not-a-token");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer error=\"invalid_token\""));
    }

    [TestCase("/metadata")]
    [TestCase("/health")]
    [TestCase("/ready")]
    public async Task Discovery_and_probes_need_no_token(string url)
    {
        var (response, _) = await Send(HttpMethod.Get, url, null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCaseSource(nameof(Interactions))]
    public async Task A_scope_for_another_type_is_403_forbidden_naming_the_scope(string method, string url, string? json, string? media)
    {
        var (response, body) = await Send(new HttpMethod(method), url, "scope=patient/Condition.cruds patient=p1", json, media ?? "application/fhir+json");
        if (FhirInteractions.ReadsNoStoredData(url))
        {
            // Operations that read or write no stored clinical data need a token only (what they answer here, 501 for an
            // operation not implemented, 404 for an unknown code, is not about access).
            Assert.That((int)response.StatusCode, Is.Not.AnyOf(401, 403), body.ToString());
            return;
        }
        if (url == "/")
        {
            // A Bundle's entries are checked one by one: the batch's entry, or the whole transaction, is refused.
            Assert.That((int)response.StatusCode, Is.Not.EqualTo(401));
            Assert.That(body.ToString(), Does.Contain("403").Or.Contain("forbidden"));
            return;
        }
        if (url == "/_history")
        {
            // Across types there is nothing to refuse: what the scopes do not cover is left out.
            Assert.That(Entries(body), Has.None.StartWith("Observation/"));
            return;
        }
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), body.ToString());
        var issue = body.GetProperty("issue")[0];
        Assert.That(issue.GetProperty("code").GetString(), Is.EqualTo("forbidden"));
        Assert.That(issue.GetProperty("diagnostics").GetString(),
            Does.Contain("patient/Observation.").Or.Contain("patient/Patient.").Or.Contain("patient/Binary."));
    }

    [Test]
    public async Task A_read_scope_does_not_write_and_a_write_scope_does_not_read()
    {
        Assert.That((await Send(HttpMethod.Delete, "/Observation/o1", P1Observations)).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Send(HttpMethod.Post, "/Observation", P1Observations, Observation("x", "p1", "laboratory"))).Response.StatusCode,
            Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Send(HttpMethod.Get, "/Observation/o1", "scope=patient/Observation.write patient=p1")).Response.StatusCode,
            Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Send(HttpMethod.Get, "/Observation", "scope=patient/Observation.r patient=p1")).Response.StatusCode,
            Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [TestCase("/Observation/o2")]
    [TestCase("/Observation/o2/_history/1")]
    [TestCase("/Observation/o2/_history")]
    [TestCase("/Patient/p2")]
    [TestCase("/Practitioner/pr1")]
    public async Task Another_patients_resource_is_404_as_if_absent(string url)
    {
        var (response, body) = await Send(HttpMethod.Get, url, P1All);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), body.ToString());
    }

    [Test]
    public async Task Writes_outside_the_patients_compartment_are_403()
    {
        Assert.That((await Send(HttpMethod.Put, "/Observation/o2", P1All, Observation("o2", "p2", "laboratory"))).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        // Moving p2's Observation into p1's compartment is a write of p2's resource as well.
        Assert.That((await Send(HttpMethod.Put, "/Observation/o2", P1All, Observation("o2", "p1", "laboratory"))).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Send(HttpMethod.Patch, "/Observation/o2", P1All, PatchBody, "application/json-patch+json")).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Send(HttpMethod.Delete, "/Observation/o2", P1All)).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var (created, body) = await Send(HttpMethod.Post, "/Observation", P1All, Observation("x", "p2", "laboratory"));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), body.ToString());
        Assert.That(body.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("Patient/p1"));
        // Nor p1's resource moved out of it.
        Assert.That((await Send(HttpMethod.Put, "/Observation/o1v", P1All, Observation("o1v", "p2", "vital-signs"))).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await Send(HttpMethod.Get, "/Observation/o2", System)).Body.GetProperty("subject").GetProperty("reference").GetString(), Is.EqualTo("Patient/p2"));
    }

    [TestCase("/Observation")]
    [TestCase("/Observation?_id=o1,o1v,o2,o3")]
    [TestCase("/Observation?subject=Patient/p2")]
    [TestCase("/Observation?subject.name=Other")]
    [TestCase("/Observation?_revinclude=Observation:has-member")]
    [TestCase("/Observation?_include=Observation:performer")]
    [TestCase("/Patient?_has:Observation:subject:_id=o2")]
    [TestCase("/Patient?_revinclude=Observation:subject")]
    [TestCase("/Patient/p2/Observation")]
    [TestCase("/Patient/p1/Observation?_revinclude=Observation:has-member")]
    [TestCase("/?_type=Observation,Patient")]
    [TestCase("/Observation/_history")]
    [TestCase("/_history")]
    public async Task Nothing_of_another_patient_or_outside_the_compartment_leaks(string url)
    {
        var ids = await Ids(url, "scope=patient/*.rs patient=p1");
        Assert.That(ids, Has.None.AnyOf("Observation/o2", "Observation/o3", "Patient/p2", "Practitioner/pr1"));
    }

    [Test]
    public async Task Types_the_scopes_do_not_grant_are_not_included()
    {
        var ids = await Ids("/Observation?_include=Observation:subject&_revinclude=Observation:has-member", P1Observations);
        Assert.That(ids, Is.EquivalentTo(new[] { "Observation/o1", "Observation/o1v" }));
        Assert.That((await Send(HttpMethod.Get, "/Observation?subject:Patient.name=Durand", P1Observations)).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Totals_count_only_what_the_token_sees()
    {
        var (_, body) = await Send(HttpMethod.Get, "/Observation?_summary=count", P1All);
        Assert.That(body.GetProperty("total").GetInt32(), Is.EqualTo(2));
        (_, body) = await Send(HttpMethod.Get, "/Observation?_total=accurate", "scope=patient/Observation.rs?category=laboratory patient=p1");
        Assert.That(body.GetProperty("total").GetInt32(), Is.EqualTo(1));
        (_, body) = await Send(HttpMethod.Get, "/Patient/p2/Observation?_summary=count", P1All);
        Assert.That(body.GetProperty("total").GetInt32(), Is.EqualTo(0));
    }

    [Test]
    public async Task Bundle_entries_are_authorized_one_by_one()
    {
        const string batch = """
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"GET","url":"Observation/o2"}},
              {"request":{"method":"GET","url":"Observation/o1"}},
              {"request":{"method":"GET","url":"Observation?_revinclude=Observation:has-member"}},
              {"request":{"method":"GET","url":"Observation/o2/_history"}},
              {"request":{"method":"DELETE","url":"Observation/o2"}},
              {"request":{"method":"GET","url":"Condition"}}
            ]}
            """;
        var (response, body) = await Send(HttpMethod.Post, "/", "scope=patient/Observation.rs patient=p1", batch);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var entries = body.GetProperty("entry").EnumerateArray().ToList();
        string Status(int i) => entries[i].GetProperty("response").GetProperty("status").GetString()!;
        Assert.That(Status(0), Does.StartWith("404"));
        Assert.That(Status(1), Does.StartWith("200"));
        Assert.That(Entries(entries[2].GetProperty("resource")), Is.EquivalentTo(new[] { "Observation/o1", "Observation/o1v" }));
        Assert.That(Status(3), Does.StartWith("404"));
        Assert.That(Status(4), Does.StartWith("403"));
        Assert.That(Status(5), Does.StartWith("403"));
        Assert.That(body.ToString(), Does.Not.Contain("\"Patient/p2\""));

        const string transaction = """
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"request":{"method":"PUT","url":"Observation/o1v"},"resource":{"resourceType":"Observation","id":"o1v","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}},
              {"request":{"method":"DELETE","url":"Observation/o2"}}
            ]}
            """;
        (response, body) = await Send(HttpMethod.Post, "/", P1All, transaction);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), body.ToString());
        Assert.That((await Send(HttpMethod.Get, "/Observation/o2", System)).Response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task V1_scopes_grant_read_and_search_in_the_compartment()
    {
        const string v1 = "scope=patient/*.read patient=p1";
        Assert.That((await Send(HttpMethod.Get, "/Patient/p1", v1)).Response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Get, "/Observation/o1", v1)).Response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Ids("/Observation?_include=Observation:subject", v1), Is.EquivalentTo(new[] { "Observation/o1", "Observation/o1v", "Patient/p1" }));
        Assert.That(await Ids("/Patient/p1/Observation", v1), Is.EquivalentTo(new[] { "Observation/o1", "Observation/o1v" }));
        Assert.That(await Ids("/Patient?_revinclude=Observation:subject", v1), Is.EquivalentTo(new[] { "Patient/p1", "Observation/o1", "Observation/o1v" }));
    }

    [Test]
    public async Task A_query_qualified_scope_bounds_reads_and_searches_by_its_parameters()
    {
        const string lab = "scope=patient/Observation.rs?category=laboratory patient=p1";
        Assert.That(await Ids("/Observation", lab), Is.EquivalentTo(new[] { "Observation/o1" }));
        Assert.That((await Send(HttpMethod.Get, "/Observation/o1", lab)).Response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Get, "/Observation/o1v", lab)).Response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task User_and_system_scopes_reach_every_resource_of_their_types()
    {
        Assert.That((await Send(HttpMethod.Get, "/Observation/o2", "scope=user/Observation.rs")).Response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Get, "/Patient/p2", "scope=user/Observation.rs")).Response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await Ids("/Observation", "scope=system/*.read"), Is.SupersetOf(new[] { "Observation/o1", "Observation/o2", "Observation/o3" }));
        Assert.That(await Ids("/Observation?_id=o1,o2&_include=Observation:subject", "scope=user/Observation.rs"),
            Is.EquivalentTo(new[] { "Observation/o1", "Observation/o2" }));
    }

    // SMART "Scopes for requesting FHIR resources": an update that creates (upsert) is allowed by the update scope.
    [Test]
    public async Task A_put_that_creates_needs_the_update_scope()
    {
        var (refused, _) = await Send(HttpMethod.Put, "/Observation/new-p3", "scope=patient/Observation.c patient=p3", Observation("new-p3", "p3", "laboratory"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var (created, body) = await Send(HttpMethod.Put, "/Observation/new-p3", "scope=patient/Observation.u patient=p3", Observation("new-p3", "p3", "laboratory"));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), body.ToString());
    }

    [Test]
    public async Task A_patient_scope_writes_in_its_compartment()
    {
        var (created, body) = await Send(HttpMethod.Post, "/Observation", "scope=patient/Observation.c patient=p3", Observation("x", "p3", "laboratory"));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        var (patched, _) = await Send(HttpMethod.Patch, "/Observation/o1", "scope=patient/Observation.u patient=p1", PatchBody, "application/json-patch+json");
        Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
