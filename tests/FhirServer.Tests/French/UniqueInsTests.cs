using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Tests.Http;

namespace FhirServer.Tests.French;

/// <summary>
/// One INS, one Patient (Server:UniqueIdentifiers, INS-NIR systems by default): a second Patient with the INS of
/// another is 409 naming it, whatever the interaction (create, update, patch, conditional, Bundle entry), and a
/// transaction that would make one leaves nothing written.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class UniqueInsTests(string store) : ServerTests(store)
{
    private async Task<(HttpStatusCode Status, JsonElement Body, string? Id)> Send(HttpMethod method, string url, string? body, string? header = null, string? value = null,
        string mediaType = "application/fhir+json")
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, mediaType);
        if (header is not null) request.Headers.Add(header, value);
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, json, response.Headers.Location?.ToString().Split('/')[^3]);
    }

    private async Task<string> Create(string nir, string system = InsIdentities.InsNir)
    {
        var (status, body, id) = await Send(HttpMethod.Post, "/Patient", InsIdentities.Patient(nir, system: system));
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        return id!;
    }

    private static void AssertNamesHolder(HttpStatusCode status, JsonElement outcome, string holder, string nir, string? expression = "Patient.identifier[1]")
    {
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), outcome.ToString());
        Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        var issue = outcome.GetProperty("issue")[0];
        Assert.That(issue.GetProperty("code").GetString(), Is.EqualTo("duplicate"));
        var text = issue.GetProperty("diagnostics").GetString();
        Assert.That(text, Does.Contain($"Patient/{holder}").And.Contain(nir).And.Contain("Server:UniqueIdentifiers"));
        if (expression is not null) Assert.That(issue.GetProperty("location")[0].GetString(), Does.EndWith(expression));
    }

    private async Task<List<string>> Holders(string nir, string system = InsIdentities.InsNir)
    {
        var (status, bundle, _) = await Send(HttpMethod.Get, $"/Patient?identifier={Uri.EscapeDataString(system + "|" + nir)}", null);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        return bundle.TryGetProperty("entry", out var entries) ? [.. entries.EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)] : [];
    }

    [Test]
    public async Task The_INS_search_finds_the_patient()
    {
        var nir = InsIdentities.NewNir();
        var id = await Create(nir);
        Assert.That(await Holders(nir), Is.EqualTo(new[] { id }));
        Assert.That(await Holders(nir, InsIdentities.InsNirTest), Is.Empty, "the system is part of the match");
    }

    [Test]
    public async Task A_second_create_with_the_same_INS_is_409_naming_the_first()
    {
        var nir = InsIdentities.NewNir();
        var first = await Create(nir);
        var (status, outcome, _) = await Send(HttpMethod.Post, "/Patient", InsIdentities.Patient(nir, "Martin"));
        AssertNamesHolder(status, outcome, first, nir);
        Assert.That(await Holders(nir), Is.EqualTo(new[] { first }));
    }

    [Test]
    public async Task The_same_value_in_another_system_or_the_test_system_is_another_key()
    {
        var nir = InsIdentities.NewNir();
        await Create(nir);
        var test = await Create(nir, InsIdentities.InsNirTest);
        var (status, outcome, _) = await Send(HttpMethod.Post, "/Patient", InsIdentities.Patient(nir, system: InsIdentities.InsNirTest));
        AssertNamesHolder(status, outcome, test, nir);
    }

    [Test]
    public async Task Updates_keep_the_holder_and_refuse_another_patient()
    {
        var nir = InsIdentities.NewNir();
        var holder = await Create(nir);
        var (status, body, _) = await Send(HttpMethod.Put, $"/Patient/{holder}", InsIdentities.Patient(nir, "Dupont-Martin", id: holder));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());

        var other = await Create(InsIdentities.NewNir());
        (status, body, _) = await Send(HttpMethod.Put, $"/Patient/{other}", InsIdentities.Patient(nir, id: other));
        AssertNamesHolder(status, body, holder, nir);
        var created = "new-" + Guid.NewGuid().ToString("N")[..8];
        (status, body, _) = await Send(HttpMethod.Put, $"/Patient/{created}", InsIdentities.Patient(nir, id: created));
        AssertNamesHolder(status, body, holder, nir);

        var patch = $$"""[{"op":"replace","path":"/identifier/1/value","value":"{{nir}}"}]""";
        (status, body, _) = await Send(HttpMethod.Patch, $"/Patient/{other}", patch, mediaType: "application/json-patch+json");
        AssertNamesHolder(status, body, holder, nir);
        Assert.That(await Holders(nir), Is.EqualTo(new[] { holder }));
    }

    [Test]
    public async Task A_deleted_patient_frees_its_INS_and_a_changed_INS_frees_the_old_one()
    {
        var nir = InsIdentities.NewNir();
        var first = await Create(nir);
        Assert.That((await Send(HttpMethod.Delete, $"/Patient/{first}", null)).Status, Is.EqualTo(HttpStatusCode.OK));
        var second = await Create(nir);

        var corrected = InsIdentities.NewNir();
        var (status, body, _) = await Send(HttpMethod.Put, $"/Patient/{second}", InsIdentities.Patient(corrected, id: second));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        await Create(nir);
    }

    [Test]
    public async Task Conditional_interactions_on_other_criteria_are_refused()
    {
        var nir = InsIdentities.NewNir();
        var holder = await Create(nir);
        var family = "Cond" + Guid.NewGuid().ToString("N")[..8];
        var (status, body, _) = await Send(HttpMethod.Post, "/Patient", InsIdentities.Patient(nir, family), "If-None-Exist", $"family={family}");
        AssertNamesHolder(status, body, holder, nir);
        (status, body, _) = await Send(HttpMethod.Put, $"/Patient?family={family}", InsIdentities.Patient(nir, family));
        AssertNamesHolder(status, body, holder, nir);
        // By the INS itself, the conditional create finds the holder and creates nothing.
        var system = Uri.EscapeDataString(InsIdentities.InsNir + "|" + nir);
        (status, body, _) = await Send(HttpMethod.Post, "/Patient", InsIdentities.Patient(nir, family), "If-None-Exist", $"identifier={system}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(await Holders(nir), Is.EqualTo(new[] { holder }));
    }

    [Test]
    public async Task A_transaction_with_two_patients_of_one_INS_is_409_and_writes_nothing()
    {
        var nir = InsIdentities.NewNir();
        var marker = "Tx" + Guid.NewGuid().ToString("N")[..8];
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:7a1c2f4e-0000-4000-8000-000000000001","resource":{"resourceType":"Organization","name":"{{{marker}}}"},"request":{"method":"POST","url":"Organization"}},
              {"resource":{{{InsIdentities.Patient(nir, marker)}}},"request":{"method":"POST","url":"Patient"}},
              {"resource":{{{InsIdentities.Patient(nir, marker)}}},"request":{"method":"POST","url":"Patient"}}]}
            """;
        var (status, outcome, _) = await Send(HttpMethod.Post, "/", bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Conflict), outcome.ToString());
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain(nir).And.Contain("Server:UniqueIdentifiers"));
        Assert.That(await Holders(nir), Is.Empty);
        var (_, found, _) = await Send(HttpMethod.Get, $"/Organization?name={marker}", null);
        Assert.That(found.TryGetProperty("entry", out _), Is.False, "nothing of the transaction was written");
    }

    [Test]
    public async Task A_transaction_reusing_a_stored_INS_is_409_naming_the_holder_and_writes_nothing()
    {
        var nir = InsIdentities.NewNir();
        var holder = await Create(nir);
        var other = await Create(InsIdentities.NewNir());
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{InsIdentities.Patient(InsIdentities.NewNir())}}},"request":{"method":"POST","url":"Patient"}},
              {"resource":{{{InsIdentities.Patient(nir, id: other)}}},"request":{"method":"PUT","url":"Patient/{{{other}}}"}}]}
            """;
        var (status, outcome, _) = await Send(HttpMethod.Post, "/", bundle);
        AssertNamesHolder(status, outcome, holder, nir, expression: null);
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("location")[0].GetString(), Does.Contain("Patient.identifier[1]"));
        Assert.That(await Holders(nir), Is.EqualTo(new[] { holder }));
    }

    [Test]
    public async Task A_batch_refuses_the_duplicate_entry_alone()
    {
        var nir = InsIdentities.NewNir();
        var holder = await Create(nir);
        var fresh = InsIdentities.NewNir();
        var other = await Create(InsIdentities.NewNir());
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{{{InsIdentities.Patient(nir)}}},"request":{"method":"POST","url":"Patient"}},
              {"resource":{{{InsIdentities.Patient(fresh)}}},"request":{"method":"POST","url":"Patient"}},
              {"resource":{{{InsIdentities.Patient(nir, id: other)}}},"request":{"method":"PUT","url":"Patient/{{{other}}}"}}]}
            """;
        var (status, response, _) = await Send(HttpMethod.Post, "/", bundle);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var entries = response.GetProperty("entry");
        Assert.That(entries[0].GetProperty("response").GetProperty("status").GetString(), Does.StartWith("409"));
        Assert.That(entries[0].GetProperty("response").GetProperty("outcome").ToString(), Does.Contain($"Patient/{holder}"));
        Assert.That(entries[1].GetProperty("response").GetProperty("status").GetString(), Does.StartWith("201"));
        Assert.That(entries[2].GetProperty("response").GetProperty("status").GetString(), Does.StartWith("409"));
        Assert.That(await Holders(nir), Is.EqualTo(new[] { holder }));
        Assert.That(await Holders(fresh), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Concurrent_creates_of_one_INS_make_one_patient()
    {
        var nir = InsIdentities.NewNir();
        async Task<HttpStatusCode> Post(int i)
        {
            if (i % 2 == 0) return (await Send(HttpMethod.Post, "/Patient", InsIdentities.Patient(nir, "C" + i))).Status;
            var bundle = $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{{{InsIdentities.Patient(nir, "C" + i)}}},"request":{"method":"POST","url":"Patient"}}]}""";
            var (status, body, _) = await Send(HttpMethod.Post, "/", bundle);
            return status == HttpStatusCode.OK ? (HttpStatusCode)int.Parse(body.GetProperty("entry")[0].GetProperty("response").GetProperty("status").GetString()![..3]) : status;
        }
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(Post));
        Assert.That(answers.Count(a => a == HttpStatusCode.Created), Is.EqualTo(1), string.Join(", ", answers));
        Assert.That(answers.Count(a => a == HttpStatusCode.Conflict), Is.EqualTo(23), string.Join(", ", answers));
        Assert.That(await Holders(nir), Has.Count.EqualTo(1));
    }
}
