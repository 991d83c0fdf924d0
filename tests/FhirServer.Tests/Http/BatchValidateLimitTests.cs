using System.Net;

namespace FhirServer.Tests.Http;

/// <summary>$batch-validate-code holds at most Server:MaxBundleEntries validations, as a batch Bundle holds entries.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BatchValidateLimitTests(string store) : ServerTests(store, new() { ["Server:MaxBundleEntries"] = "2" })
{
    [Test]
    public async Task More_validations_than_the_limit_are_refused_naming_it()
    {
        const string item = """{"name":"validation","resource":{"resourceType":"Parameters","parameter":[{"name":"code","valueCode":"female"}]}}""";
        var body = """{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://hl7.org/fhir/ValueSet/administrative-gender"},""" +
            string.Join(",", Enumerable.Repeat(item, 3)) + "]}";
        var response = await Client.PostAsync("/ValueSet/$batch-validate-code", RestTests.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), text);
        Assert.That(text, Does.Contain("Server:MaxBundleEntries").And.Contain("the limit is 2"));
    }
}
