using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>ValueSet/$batch-validate-code: items validated each with the batch's shared parameters; a bad item does not fail the batch.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BatchValidateEndpointTests(string store) : ServerTests(store)
{
    private const string Gender = "http://hl7.org/fhir/administrative-gender";

    private static string Item(string parameters) => """{"name":"validation","resource":{"resourceType":"Parameters","parameter":[""" + parameters + "]}}";

    private static string Coding(string code, string display = "") =>
        """{"name":"coding","valueCoding":{"system":"http://hl7.org/fhir/administrative-gender","code":""" + $"\"{code}\"" + display + "}}";

    private static string Batch(params string[] parameters) => """{"resourceType":"Parameters","parameter":[""" + string.Join(",", parameters) + "]}";

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string url, string json)
    {
        var response = await Client.PostAsync(url, RestTests.Json(json));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    // null for an item answered with an OperationOutcome.
    private static bool? Result(JsonElement validation) => !validation.GetProperty("resource").TryGetProperty("parameter", out var parameters) ? null : parameters.EnumerateArray()
        .Where(p => p.GetProperty("name").GetString() == "result").Select(p => (bool?)p.GetProperty("valueBoolean").GetBoolean()).FirstOrDefault();

    [Test]
    public async Task Each_item_is_validated_with_the_shared_parameters_in_order()
    {
        var body = Batch("""{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/administrative-gender"}""",
            Item(Coding("female")),
            Item(Coding("female", ",\"display\":\"Wrong\"")),
            Item("""{"name":"codingX","valueCoding":{"code":"female"}}"""),
            Item("""{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/languages"},""" + Coding("male")));
        var (status, result) = await Post("/ValueSet/$batch-validate-code", body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), result.ToString());
        var validations = result.GetProperty("parameter").EnumerateArray().ToList();
        Assert.That(validations.Select(v => v.GetProperty("name").GetString()), Is.All.EqualTo("validation"));
        Assert.That(validations.Select(Result), Is.EqualTo(new bool?[] { true, false, null, false }), "the last item's own url wins");
        var outcome = validations[2].GetProperty("resource");
        Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("severity").GetString(), Is.EqualTo("error"));
    }

    [Test]
    public async Task Instance_level_on_a_stored_value_set()
    {
        var created = await Client.PutAsync("/ValueSet/warm", RestTests.Json("""
            {"resourceType":"ValueSet","id":"warm","url":"http://example.org/vs/warm","status":"active",
             "compose":{"include":[{"system":"http://hl7.org/fhir/administrative-gender","concept":[{"code":"female"}]}]}}
            """));
        Assert.That(created.IsSuccessStatusCode, Is.True, await created.Content.ReadAsStringAsync());
        var body = Batch(Item(Coding("female")), Item(Coding("male")));
        var (status, result) = await Post("/ValueSet/warm/$batch-validate-code", body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), result.ToString());
        Assert.That(result.GetProperty("parameter").EnumerateArray().Select(Result), Is.EqualTo(new bool?[] { true, false }));
    }

    [TestCase("""{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/administrative-gender"}]}""", "validation")]
    [TestCase("""{"resourceType":"Parameters","parameter":[{"name":"validation","resource":{"resourceType":"Basic","code":{"text":"x"}}}]}""", "Parameters resource")]
    public async Task A_batch_without_items_is_400(string body, string message)
    {
        var (status, result) = await Post("/ValueSet/$batch-validate-code", body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), result.ToString());
        Assert.That(result.GetProperty("issue")[0].GetProperty("diagnostics").GetString() ?? result.ToString(), Does.Contain(message));
    }

    [Test]
    public async Task An_item_without_a_code_is_answered_as_the_operation_refuses_it()
    {
        const string NoCode = "Unable to find code to validate (looked for coding | codeableConcept | code+system | code+inferSystem in parameters";
        var body = Batch("""{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/administrative-gender"}""",
            Item("""{"name":"codingX","valueCoding":{"code":"female"}}"""));
        var (status, result) = await Post("/ValueSet/$batch-validate-code", body);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), result.ToString());
        var issue = result.GetProperty("parameter")[0].GetProperty("resource").GetProperty("issue")[0];
        Assert.That((issue.GetProperty("code").GetString(), issue.GetProperty("details").GetProperty("text").GetString()), Is.EqualTo(("invalid", NoCode)));
        Assert.That(issue.TryGetProperty("expression", out _) || issue.TryGetProperty("location", out _), Is.False, "a missing input has no place to point at");

        var (alone, outcome) = await Post("/ValueSet/$validate-code", Batch("""{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/administrative-gender"}"""));
        Assert.That(alone, Is.EqualTo(HttpStatusCode.BadRequest), outcome.ToString());
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("details").GetProperty("text").GetString(), Is.EqualTo(NoCode));
    }
}
