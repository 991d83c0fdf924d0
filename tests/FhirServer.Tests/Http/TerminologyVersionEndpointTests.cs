using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Code system versions over HTTP: the version parameters of $expand and $validate-code, the errors they cause as
/// OperationOutcomes with the tx-issue-type code in details, and the definition (compose) left out of expansions.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TerminologyVersionEndpointTests(string store) : ServerTests(store)
{
    private const string System = "http://example.org/cs/versioned";

    private static string CodeSystem(string version) => $$"""
        {"resourceType":"CodeSystem","url":"{{System}}","version":"{{version}}","status":"active","content":"complete",
         "concept":[{"code":"one","display":"One ({{version}})"}]}
        """;

    private static string ValueSet(string? version) => $$$"""
        {"resourceType":"ValueSet","url":"http://example.org/vs/versioned","version":"3.0","status":"active",
         "compose":{"include":[{"system":"{{{System}}}"{{{(version is null ? "" : $",\"version\":\"{version}\"")}}}}]}}
        """;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string operation, string? pinned, params string[] parameters)
    {
        var body = $$"""
            {"resourceType":"Parameters","parameter":[
              {"name":"valueSet","resource":{{ValueSet(pinned)}}},
              {"name":"tx-resource","resource":{{CodeSystem("1.0.0")}}},
              {"name":"tx-resource","resource":{{CodeSystem("1.2.0")}}}{{string.Concat(parameters.Select(p => "," + p))}}]}
            """;
        var response = await Client.PostAsync($"/ValueSet/{operation}", RestTests.Json(body));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string Canonical(string name, string value) => $$"""{"name":"{{name}}","valueCanonical":"{{value}}"}""";

    private static JsonElement Parameter(JsonElement parameters, string name) =>
        parameters.GetProperty("parameter").EnumerateArray().First(p => p.GetProperty("name").GetString() == name);

    [Test]
    public async Task A_refused_check_system_version_is_a_400_with_the_version_error_in_details()
    {
        var (status, body) = await Post("$expand", "1.2.0", Canonical("check-system-version", System + "|1.0.x"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), body.ToString());
        var issue = body.GetProperty("issue")[0];
        Assert.That(issue.GetProperty("code").GetString(), Is.EqualTo("exception"));
        Assert.That(issue.GetProperty("details").GetProperty("coding")[0].GetProperty("code").GetString(), Is.EqualTo("version-error"));
        Assert.That(issue.GetProperty("details").GetProperty("text").GetString(),
            Is.EqualTo($"The version '1.2.0' is not allowed for system '{System}': required to be '1.0.x' by a version-check parameter"));
        Assert.That(issue.TryGetProperty("diagnostics", out _), Is.False);
    }

    [Test]
    public async Task Force_system_version_is_applied_and_recorded_and_the_compose_is_left_out()
    {
        var (status, body) = await Post("$expand", "1.2.0", Canonical("force-system-version", System + "|1.0.0"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var expansion = body.GetProperty("expansion");
        Assert.That(expansion.GetProperty("contains")[0].GetProperty("display").GetString(), Is.EqualTo("One (1.0.0)"));
        Assert.That(Parameter(expansion, "force-system-version").GetProperty("valueUri").GetString(), Is.EqualTo(System + "|1.0.0"));
        Assert.That(Parameter(expansion, "used-codesystem").GetProperty("valueUri").GetString(), Is.EqualTo(System + "|1.0.0"));
        Assert.That(body.TryGetProperty("compose", out _), Is.False);
    }

    [Test]
    public async Task Include_definition_keeps_the_compose()
    {
        var (status, body) = await Post("$expand", null, """{"name":"includeDefinition","valueBoolean":true}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(body.GetProperty("compose").GetProperty("include")[0].GetProperty("system").GetString(), Is.EqualTo(System));
    }

    [Test]
    public async Task An_unknown_coding_version_names_the_system_that_caused_the_failure()
    {
        var (status, body) = await Post("$validate-code", null, $$$"""{"name":"coding","valueCoding":{"system":"{{{System}}}","version":"9.9","code":"one"}}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Parameter(body, "result").GetProperty("valueBoolean").GetBoolean(), Is.False);
        Assert.That(Parameter(body, "x-caused-by-unknown-system").GetProperty("valueCanonical").GetString(), Is.EqualTo(System + "|9.9"));
    }

    [Test]
    public async Task An_unknown_value_set_version_is_a_404_with_not_found_in_details()
    {
        var response = await Client.GetAsync("/ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/administrative-gender&valueSetVersion=2.4.0"
            + "&system=http://hl7.org/fhir/administrative-gender&code=male");
        var issue = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("issue")[0];
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(issue.GetProperty("details").GetProperty("coding")[0].GetProperty("code").GetString(), Is.EqualTo("not-found"));
        Assert.That(issue.GetProperty("details").GetProperty("text").GetString(),
            Is.EqualTo("A definition for the value Set 'http://hl7.org/fhir/ValueSet/administrative-gender|2.4.0' could not be found"));
    }
}
