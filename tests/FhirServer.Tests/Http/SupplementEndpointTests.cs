using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>CodeSystem supplements over HTTP: the useSupplement parameter, a supplement passed as tx-resource, an unknown supplement.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SupplementEndpointTests(string store) : ServerTests(store)
{
    private const string French = """
        {"resourceType":"CodeSystem","url":"http://example.org/cs/gender-fr","version":"1","language":"fr","status":"active",
         "content":"supplement","supplements":"http://hl7.org/fhir/administrative-gender",
         "concept":[{"code":"female","display":"Féminin"}]}
        """;

    [Test]
    public async Task Lookup_with_a_supplement_in_the_request()
    {
        var body = """
            {"resourceType":"Parameters","parameter":[{"name":"system","valueUri":"http://hl7.org/fhir/administrative-gender"},
              {"name":"code","valueCode":"female"},{"name":"displayLanguage","valueCode":"fr"},
              {"name":"useSupplement","valueCanonical":"http://example.org/cs/gender-fr"},{"name":"tx-resource","resource":FRENCH}]}
            """.Replace("FRENCH", French);
        var response = await Client.PostAsync("/CodeSystem/$lookup", RestTests.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        var display = JsonDocument.Parse(text).RootElement.GetProperty("parameter").EnumerateArray()
            .First(p => p.GetProperty("name").GetString() == "display").GetProperty("valueString").GetString();
        Assert.That(display, Is.EqualTo("Féminin"));
    }

    [Test]
    public async Task An_unknown_supplement_is_404()
    {
        var response = await Client.GetAsync("/CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=female&useSupplement=http://example.org/cs/none");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), text);
        Assert.That(text, Does.Contain("OperationOutcome").And.Contain("Required supplement not found: http://example.org/cs/none"));
    }
}
