using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>Token search modifiers over the terminology: :in and :not-in (value sets, stored or packaged), :above and :below (subsumption).</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TerminologySearchTests(string store) : ServerTests(store, new() { ["Server:MaxOrValues"] = "4" })
{
    private const string Colors = "http://example.org/cs/colors";

    protected override async Task Seed()
    {
        await Put("CodeSystem/colors", """
            {"resourceType":"CodeSystem","id":"colors","url":"http://example.org/cs/colors","status":"active","content":"complete",
             "concept":[{"code":"warm","concept":[{"code":"red","concept":[{"code":"crimson"}]},{"code":"orange"}]},{"code":"blue"}]}
            """);
        await Put("ValueSet/reds", """
            {"resourceType":"ValueSet","id":"reds","url":"http://example.org/vs/reds","status":"active",
             "compose":{"include":[{"system":"http://example.org/cs/colors","filter":[{"property":"concept","op":"is-a","value":"red"}]}]}}
            """);
        await Put("ValueSet/all-colors", """
            {"resourceType":"ValueSet","id":"all-colors","url":"http://example.org/vs/all-colors","status":"active","compose":{"include":[{"system":"http://example.org/cs/colors"}]}}
            """);
        foreach (var code in new[] { "warm", "red", "crimson", "orange", "blue" })
            await Put($"Observation/{code}", $$$"""
                {"resourceType":"Observation","id":"{{{code}}}","status":"final","code":{"coding":[{"system":"{{{Colors}}}","code":"{{{code}}}"}]}}
                """);
        await Put("Observation/other-system", """
            {"resourceType":"Observation","id":"other-system","status":"final","code":{"coding":[{"system":"http://example.org/other","code":"red"}]}}
            """);
        await Put("Patient/f", """{"resourceType":"Patient","id":"f","gender":"female"}""");
        await Put("Patient/u", """{"resourceType":"Patient","id":"u","gender":"unknown"}""");
    }

    private async Task Put(string path, string json)
    {
        var response = await Client.PutAsync("/" + path, RestTests.Json(json));
        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
    }

    private async Task<string[]> Ids(string query)
    {
        var response = await Client.GetAsync(query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var bundle = JsonDocument.Parse(body).RootElement;
        return bundle.TryGetProperty("entry", out var entries)
            ? [.. entries.EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!).Order()]
            : [];
    }

    [TestCase("code:in=http://example.org/vs/reds", "crimson,red")]
    [TestCase("code:not-in=http://example.org/vs/reds", "blue,orange,other-system,warm")]
    [TestCase("code:below=http://example.org/cs/colors|red", "crimson,red")]
    [TestCase("code:below=http://example.org/cs/colors|warm", "crimson,orange,red,warm")]
    [TestCase("code:above=http://example.org/cs/colors|crimson", "crimson,red,warm")]
    [TestCase("code:below=http://example.org/cs/colors|purple", "")]
    public async Task Observations_by_terminology(string query, string expected)
    {
        Assert.That(await Ids("/Observation?" + query), Is.EqualTo(expected.Split(',', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Test]
    public async Task A_code_element_is_found_through_a_packaged_value_set()
    {
        Assert.That(await Ids("/Patient?gender:in=http://hl7.org/fhir/ValueSet/administrative-gender"), Is.EqualTo(new[] { "f", "u" }));
        Assert.That(await Ids("/Patient?gender:not-in=http://hl7.org/fhir/ValueSet/administrative-gender"), Is.Empty);
    }

    [TestCase("code:in=http://example.org/vs/all-colors", "has 5 codes, more than the 4 allowed (Server:MaxOrValues)")]
    [TestCase("code:in=http://example.org/vs/nowhere", "'http://example.org/vs/nowhere' could not be found")]
    [TestCase("code:below=red", "takes system|code")]
    [TestCase("code:below=http://example.org/cs/nowhere|red", "CodeSystem 'http://example.org/cs/nowhere' could not be found")]
    public async Task Refusals_are_operation_outcomes(string query, string message)
    {
        var response = await Client.GetAsync("/Observation?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain(message));
    }
}
