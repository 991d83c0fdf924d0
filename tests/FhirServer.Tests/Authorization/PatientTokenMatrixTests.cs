using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FhirServer.Tests.Smart;

namespace FhirServer.Tests.Authorization;

/// <summary>
/// The patient-scoped part of the negative matrix with real tokens: <c>patient/*.cruds</c> tokens for pat1 from the
/// authorization code flow (a practitioner's standalone launch with the patient picker, a patient user's own, and the
/// first one refreshed) send every kind of interaction (<see cref="FhirInteractions"/>) at pat2's resources: a read is
/// 404, a write 403, and nothing of pat2 comes back in searches, includes, <c>_has</c>, chains, history, Bundle entries
/// or <c>_summary=count</c> totals.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class PatientTokenMatrixTests(string store) : SmartFlowTests(store)
{
    private const string Secret = "secret-of-pat2";
    private static readonly string SecretData = Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret));
    private static readonly FhirInteractions.Target OtherPatients = new("op2", "pat2", "Durand", "b2");
    private static readonly string[] Holders = ["practitioner's pick", "patient user", "refreshed"];
    // pat2's resources (SmartFlowTests' obs2 and the ones added here) and the Practitioner, outside pat1's compartment.
    private static readonly string[] NotPat1s = ["Observation/op2", "Observation/obs2", "Patient/pat2", "Binary/b2", "Provenance/pv2", "Practitioner/prac1"];

    private readonly Dictionary<string, string> _tokens = [];
    private int _pat1Observations;

    [OneTimeSetUp]
    public async Task DataAndTokens()
    {
        var system = await AccessToken(scope: "system/*.cruds");
        foreach (var (path, json) in new[]
        {
            // pat2's Observation pointing at pat1's: what a _revinclude from pat1's must not bring.
            ("Observation/op2", $$"""{"resourceType":"Observation","id":"op2","status":"final","code":{"text":"{{Secret}}"},"subject":{"reference":"Patient/pat2"},"hasMember":[{"reference":"Observation/obs1"}]}"""),
            ("Provenance/pv2", $$$"""{"resourceType":"Provenance","id":"pv2","target":[{"reference":"Observation/obs1"},{"reference":"Patient/pat2"}],"recorded":"2024-01-01T00:00:00Z","agent":[{"who":{"reference":"Patient/pat2","display":"{{{Secret}}}"}}]}"""),
            ("Binary/b2", $$"""{"resourceType":"Binary","id":"b2","contentType":"text/plain","securityContext":{"reference":"Patient/pat2"},"data":"{{SecretData}}"}"""),
        })
        {
            var response = await Send(HttpMethod.Put, "/" + path, system, json);
            Assert.That((int)response.StatusCode, Is.AnyOf(200, 201), await response.Content.ReadAsStringAsync());
        }
        var count = await Send(HttpMethod.Get, "/Observation?subject=Patient/pat1&_summary=count", system);
        _pat1Observations = JsonDocument.Parse(await count.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt32();

        const string scope = "launch/patient patient/*.cruds offline_access";
        var picked = await PatientToken("doctor", scope);
        _tokens[Holders[0]] = picked.GetProperty("access_token").GetString()!;
        _tokens[Holders[1]] = (await PatientToken("alice", scope)).GetProperty("access_token").GetString()!;
        var refreshed = await Json(await PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = picked.GetProperty("refresh_token").GetString()! }));
        Assert.That(refreshed.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        _tokens[Holders[2]] = refreshed.GetProperty("access_token").GetString()!;
    }

    private async Task<JsonElement> PatientToken(string user, string scope)
    {
        var (callback, verifier) = await Authorize(user, scope, "pat1");
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(token.GetProperty("scope").GetString(), Does.Contain("patient/*.cruds"));
        return token;
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string url, string token, string? json = null, string? mediaType = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, mediaType ?? "application/fhir+json");
        return await Client.SendAsync(request);
    }

    private static IEnumerable<TestCaseData> Cases() =>
        from holder in Holders
        from i in FhirInteractions.For(OtherPatients)
        select new TestCaseData(holder, i.Kind, i.Method, i.Url, i.Body, i.MediaType).SetName($"Nothing_of_another_patient({holder}, {i.Kind})");

    [TestCaseSource(nameof(Cases))]
    public async Task Nothing_of_another_patient(string holder, string kind, string method, string url, string? json, string? media)
    {
        var response = await Send(new HttpMethod(method), url, _tokens[holder], json, media);
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        switch (kind)
        {
            case "read" or "vread" or "history-instance" or "binary-read":
                Assert.That(status, Is.EqualTo(404), body);
                break;
            case "create" or "update" or "patch" or "delete" or "transaction" or "binary-create":
                Assert.That(status, Is.EqualTo(403), body);
                break;
            case "$validate" or "$lookup" or "$expand":
                Assert.That(status, Is.Not.AnyOf(401, 403).And.LessThan(500), body);
                break;
            default:
                Assert.That(status, Is.EqualTo(200), body);
                break;
        }
        var root = JsonDocument.Parse(body).RootElement;
        if (kind == "batch")
            Assert.That(root.GetProperty("entry")[0].GetProperty("response").GetProperty("status").GetString(), Does.StartWith("404"));
        if (kind == "search-count") Assert.That(root.GetProperty("total").GetInt32(), Is.EqualTo(_pat1Observations), "the total counts pat1's only");
        Assert.That(body, Does.Not.Contain(Secret).And.Not.Contain(SecretData).And.Not.Contain("Bob"));
        Assert.That(Resources(root), Has.None.AnyOf(NotPat1s));
    }

    [Test]
    public async Task Each_token_reads_its_own_patient()
    {
        foreach (var holder in Holders)
        {
            var response = await Send(HttpMethod.Get, "/Observation?_include=Observation:subject", _tokens[holder]);
            var ids = Resources(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
            Assert.That(ids, Does.Contain("Observation/obs1").And.Contain("Patient/pat1"), holder);
            Assert.That(ids, Has.None.AnyOf(NotPat1s), holder);
        }
    }

    [Test]
    public async Task A_write_in_the_patients_own_compartment_goes_through()
    {
        var response = await Send(HttpMethod.Post, "/Observation", _tokens[Holders[1]], FhirInteractions.Observation("pat1"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        _pat1Observations++;
    }

    // Every resource of the answer, at any depth (Bundle entries, a batch's nested Bundles): Type/id.
    private static List<string> Resources(JsonElement element)
    {
        var found = new List<string>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                if (e.TryGetProperty("resourceType", out var type) && type.GetString() != "Bundle" && e.TryGetProperty("id", out var id)
                    && id.ValueKind == JsonValueKind.String)
                    found.Add($"{type.GetString()}/{id.GetString()}");
                foreach (var p in e.EnumerateObject()) Walk(p.Value);
            }
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray()) Walk(item);
        }
        Walk(element);
        return found;
    }
}
