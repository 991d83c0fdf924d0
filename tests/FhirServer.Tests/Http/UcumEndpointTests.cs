using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>UCUM over HTTP: CodeSystem/$validate-code and $lookup on http://unitsofmeasure.org.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class UcumEndpointTests(string store) : ServerTests(store)
{
    private async Task<Dictionary<string, JsonElement>> Get(string url)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonDocument.Parse(text).RootElement.Clone().GetProperty("parameter").EnumerateArray()
            .GroupBy(p => p.GetProperty("name").GetString()!).ToDictionary(g => g.Key, g => g.First());
    }

    [Test]
    public async Task Validate_code_checks_the_unit_expression()
    {
        var good = await Get("/CodeSystem/$validate-code?url=http://unitsofmeasure.org&code=" + Uri.EscapeDataString("mmol/L"));
        Assert.That(good["result"].GetProperty("valueBoolean").GetBoolean(), Is.True);
        Assert.That(good["display"].GetProperty("valueString").GetString(), Is.EqualTo("mmol/L"));
        var bad = await Get("/CodeSystem/$validate-code?url=http://unitsofmeasure.org&code=mmoll");
        Assert.That(bad["result"].GetProperty("valueBoolean").GetBoolean(), Is.False);
    }

    [Test]
    public async Task Lookup_names_ucum()
    {
        var result = await Get("/CodeSystem/$lookup?system=http://unitsofmeasure.org&code=" + Uri.EscapeDataString("kg/m2"));
        Assert.That((result["name"].GetProperty("valueString").GetString(), result["version"].GetProperty("valueString").GetString()), Is.EqualTo(("UCUM", "2.2")));
    }
}
