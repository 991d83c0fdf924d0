using System.Net;
using System.Text.Json;
using static FhirServer.Tests.Http.ValidationFixtures;

namespace FhirServer.Tests.Http;

/// <summary>
/// Validation on write in the default mode (Validation:OnWrite declared), on each store: a resource with an error is
/// refused with 422 and its OperationOutcome, and nothing of it is stored, whether it came as a create, an update, a
/// patch, a transaction entry (the whole transaction is refused) or a batch entry (that entry alone fails); warnings
/// come back with <c>Prefer: return=OperationOutcome</c>.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class WriteValidationTests(string store) : ServerTests(store)
{
    private async Task<int> Found(string type, string marker)
    {
        using var bundle = JsonDocument.Parse(await Client.GetStringAsync($"/{type}?identifier=http://example.org/marker|{marker}&_total=accurate"));
        return bundle.RootElement.GetProperty("total").GetInt32();
    }

    private static string Marked(string patient, string marker) =>
        patient.Replace("\"identifier\":[", $"\"identifier\":[{{\"system\":\"http://example.org/marker\",\"value\":\"{marker}\"}},");

    private static async Task<JsonElement> AssertRefused(HttpResponseMessage response)
    {
        var (status, body) = await Read(response);
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body.ToString());
        Assert.That(body.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        return body;
    }

    [Test]
    public async Task A_create_with_an_error_is_refused_with_422_and_not_stored()
    {
        var body = await AssertRefused(await Client.PostAsync("/Observation", RestTests.Json(ObservationWithoutCode("create-422"))));
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Observation.code: minimum required = 1"));
        Assert.That(await Found("Observation", "create-422"), Is.Zero);
    }

    [Test]
    public async Task A_wrong_ins_key_is_refused_at_the_identifier_value()
    {
        var body = await AssertRefused(await Client.PostAsync("/Patient", RestTests.Json(FrCorePatient(goodKey: false))));
        Assert.That(Errors(body).Select(Expression), Is.EqualTo(new[] { "Patient.identifier[0].value" }));
        Assert.That((await Client.PostAsync("/Patient", RestTests.Json(FrCorePatient()))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task An_update_or_a_patch_with_an_error_is_refused_and_the_current_version_stays()
    {
        var put = await Client.PutAsync("/Observation/kept", RestTests.Json("""
            {"resourceType":"Observation","id":"kept","status":"final","code":{"text":"weight"}}
            """));
        Assert.That(put.IsSuccessStatusCode, Is.True, await put.Content.ReadAsStringAsync());
        await AssertRefused(await Client.PutAsync("/Observation/kept", RestTests.Json("""{"resourceType":"Observation","id":"kept","status":"final"}""")));

        var patch = new HttpRequestMessage(HttpMethod.Patch, "/Observation/kept")
        {
            Content = RestTests.Json("""[{"op":"remove","path":"/code"}]""", "application/json-patch+json"),
        };
        await AssertRefused(await Client.SendAsync(patch));
        using var current = JsonDocument.Parse(await Client.GetStringAsync("/Observation/kept"));
        Assert.That(current.RootElement.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("1"));
    }

    [Test]
    public async Task A_transaction_with_one_invalid_entry_is_refused_whole()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Marked(FrCorePatient(), "tx-valid")}}},"request":{"method":"POST","url":"Patient"}},
              {"resource":{{{ObservationWithoutCode("tx-invalid")}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        var body = await AssertRefused(await Client.PostAsync("/", RestTests.Json(bundle)));
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Bundle.entry[1]").And.Contains("Observation.code: minimum required = 1"));
        Assert.That(await Found("Patient", "tx-valid"), Is.Zero, "nothing of the transaction is stored");
        Assert.That(await Found("Observation", "tx-invalid"), Is.Zero);
    }

    [Test]
    public async Task A_transaction_update_with_an_error_rolls_back_the_creates_before_it()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Marked(FrCorePatient(), "tx-put")}}},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Observation","id":"tx-put-obs","status":"final"},"request":{"method":"PUT","url":"Observation/tx-put-obs"}}]}
            """;
        await AssertRefused(await Client.PostAsync("/", RestTests.Json(bundle)));
        Assert.That(await Found("Patient", "tx-put"), Is.Zero);
        Assert.That((await Client.GetAsync("/Observation/tx-put-obs")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_batch_entry_with_an_error_fails_alone_with_its_outcome()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{{{Marked(FrCorePatient(), "batch-valid")}}},"request":{"method":"POST","url":"Patient"}},
              {"resource":{{{ObservationWithoutCode("batch-invalid")}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{"resourceType":"Observation","id":"batch-put","status":"final"},"request":{"method":"PUT","url":"Observation/batch-put"}}]}
            """;
        var (status, body) = await Read(await Client.PostAsync("/", RestTests.Json(bundle)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var responses = body.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response")).ToList();
        Assert.That(responses.Select(r => r.GetProperty("status").GetString()![..3]), Is.EqualTo(new[] { "201", "422", "422" }));
        Assert.That(Errors(responses[1].GetProperty("outcome")).Select(Text), Has.Some.Contains("Observation.code: minimum required = 1"));
        Assert.That(await Found("Patient", "batch-valid"), Is.EqualTo(1));
        Assert.That(await Found("Observation", "batch-invalid"), Is.Zero);
        Assert.That((await Client.GetAsync("/Observation/batch-put")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Warnings_come_back_with_prefer_return_operation_outcome()
    {
        var patient = FrCorePatient(profile: "http://example.org/fhir/StructureDefinition/not-loaded-here");
        var request = new HttpRequestMessage(HttpMethod.Post, "/Patient") { Content = RestTests.Json(patient) };
        request.Headers.Add("Prefer", "return=OperationOutcome");
        var (status, body) = await Read(await Client.SendAsync(request));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        var issues = Issues(body).ToList();
        Assert.That(issues[0].GetProperty("severity").GetString(), Is.EqualTo("information"));
        Assert.That(issues.Skip(1).Select(i => (i.GetProperty("severity").GetString(), i.GetProperty("code").GetString())), Has.Member(("warning", "not-found")));

        patient = FrCorePatient(profile: "http://example.org/fhir/StructureDefinition/not-loaded-here");
        var bundle = $$$"""{"resourceType":"Bundle","type":"batch","entry":[{"resource":{{{patient}}},"request":{"method":"POST","url":"Patient"}}]}""";
        request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = RestTests.Json(bundle) };
        request.Headers.Add("Prefer", "return=OperationOutcome");
        (_, body) = await Read(await Client.SendAsync(request));
        var outcome = body.GetProperty("entry")[0].GetProperty("response").GetProperty("outcome");
        // The same warnings as above: the unknown profile's, and the extensible IdentifierType binding's (INS-NIR is
        // FR Core's code, outside R4's value set).
        var entryIssues = Issues(outcome).ToList();
        Assert.That(entryIssues[0].GetProperty("severity").GetString(), Is.EqualTo("information"), outcome.ToString());
        Assert.That(entryIssues.Skip(1).Select(i => i.GetProperty("severity").GetString()), Has.All.EqualTo("warning").And.Not.Empty, outcome.ToString());
        Assert.That(entryIssues.Skip(1).Select(i => i.GetProperty("code").GetString()), Has.Member("not-found"), outcome.ToString());
    }

    [Test]
    public async Task A_declared_profile_stored_on_the_server_applies_from_its_create_until_its_delete()
    {
        const string url = "http://example.org/fhir/StructureDefinition/declared-on-write";
        Assert.That((await Client.PutAsync("/StructureDefinition/declared-on-write", RestTests.Json(BirthDateProfile("declared-on-write", url)))).IsSuccessStatusCode, Is.True);
        var declaring = $$"""{"resourceType":"Patient","meta":{"profile":["{{url}}"]},"active":true}""";
        var body = await AssertRefused(await Client.PostAsync("/Patient", RestTests.Json(declaring)));
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Patient.birthDate: minimum required = 1"));

        Assert.That((await Client.DeleteAsync("/StructureDefinition/declared-on-write")).IsSuccessStatusCode, Is.True);
        Assert.That((await Client.PostAsync("/Patient", RestTests.Json(declaring))).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        // Stored again by a transaction entry: the same hook.
        var transaction = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{BirthDateProfile("declared-on-write", url)}}},"request":{"method":"PUT","url":"StructureDefinition/declared-on-write"}}]}
            """;
        Assert.That((await Client.PostAsync("/", RestTests.Json(transaction))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await AssertRefused(await Client.PostAsync("/Patient", RestTests.Json(declaring)));
    }
}
