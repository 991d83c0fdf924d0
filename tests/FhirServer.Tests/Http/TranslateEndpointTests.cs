using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>ConceptMap/$translate over HTTP: GET and POST, type and instance level, R4 and R5 parameter names, errors.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TranslateEndpointTests(string store) : ServerTests(store)
{
    // ans.fhir.fr.eprescription: the PN13 routes of administration (CIO-DC) mapped to the EDQM standard terms.
    private const string VoieMap = "https://hl7.fr/fhir/fr/medication/ConceptMap/PN13-FHIR-voie-conceptmap";
    private const string Cio = "https://www.phast.fr/ciodm/";

    private const string Colors = """
        {"resourceType":"ConceptMap","id":"colors-fr","url":"http://example.org/cm/colors-fr","version":"1","status":"active",
         "group":[{"source":"http://example.org/cs/colors","target":"http://example.org/cs/couleurs",
           "element":[{"code":"red","target":[{"code":"rouge","display":"Rouge","equivalence":"equal",
             "dependsOn":[{"property":"http://example.org/usage","value":"paint"}],
             "product":[{"property":"http://example.org/shade","system":"http://example.org/cs/shade","value":"dark"}]}]},
             {"code":"blue","target":[{"code":"bleu","equivalence":"equal"}]}]}]}
        """;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpResponseMessage response) =>
        (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());

    private static JsonElement Parameter(JsonElement parameters, string name) =>
        parameters.GetProperty("parameter").EnumerateArray().First(p => p.GetProperty("name").GetString() == name);

    private static JsonElement Part(JsonElement parameter, string name) =>
        parameter.GetProperty("part").EnumerateArray().First(p => p.GetProperty("name").GetString() == name);

    [Test]
    public async Task French_map_of_the_packages_by_get()
    {
        var (status, body) = await Send(await Client.GetAsync($"/ConceptMap/$translate?url={VoieMap}&system={Uri.EscapeDataString(Cio)}&code=19"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Parameter(body, "result").GetProperty("valueBoolean").GetBoolean(), Is.True);
        var match = Parameter(body, "match");
        var concept = Part(match, "concept").GetProperty("valueCoding");
        Assert.That((concept.GetProperty("system").GetString(), concept.GetProperty("code").GetString(), concept.GetProperty("display").GetString()),
            Is.EqualTo(("http://standardterms.edqm.eu", "20054000", "Voie buccale")));
        Assert.That(Part(match, "equivalence").GetProperty("valueCode").GetString(), Is.EqualTo("equal"));
        Assert.That(Part(match, "source").GetProperty("valueUri").GetString(), Is.EqualTo(VoieMap + "|0.1.0"));
    }

    [Test]
    public async Task Map_in_the_request_with_a_dependency_by_post()
    {
        var parameters = """
            {"resourceType":"Parameters","parameter":[
              {"name":"conceptMap","resource":MAP},
              {"name":"coding","valueCoding":{"system":"http://example.org/cs/colors","code":"red"}},
              {"name":"dependency","part":[{"name":"element","valueUri":"http://example.org/usage"},
                {"name":"concept","valueCodeableConcept":{"coding":[{"code":"paint"}]}}]}]}
            """.Replace("MAP", Colors);
        var (status, body) = await Send(await Client.PostAsync("/ConceptMap/$translate", RestTests.Json(parameters)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var match = Parameter(body, "match");
        Assert.That(Part(match, "concept").GetProperty("valueCoding").GetProperty("code").GetString(), Is.EqualTo("rouge"));
        var product = Part(match, "product");
        Assert.That(Part(product, "element").GetProperty("valueUri").GetString(), Is.EqualTo("http://example.org/shade"));
        Assert.That(Part(product, "concept").GetProperty("valueCoding").GetProperty("code").GetString(), Is.EqualTo("dark"));
    }

    [Test]
    public async Task Instance_level_on_a_stored_map_and_reverse()
    {
        var created = await Client.PutAsync("/ConceptMap/colors-fr", RestTests.Json(Colors));
        Assert.That(created.IsSuccessStatusCode, Is.True, await created.Content.ReadAsStringAsync());
        var (status, body) = await Send(await Client.GetAsync("/ConceptMap/colors-fr/$translate?system=http://example.org/cs/colors&code=blue"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Part(Parameter(body, "match"), "concept").GetProperty("valueCoding").GetProperty("code").GetString(), Is.EqualTo("bleu"));

        (status, body) = await Send(await Client.GetAsync("/ConceptMap/colors-fr/$translate?system=http://example.org/cs/couleurs&code=bleu&reverse=true"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        var concept = Part(Parameter(body, "match"), "concept").GetProperty("valueCoding");
        Assert.That((concept.GetProperty("system").GetString(), concept.GetProperty("code").GetString()), Is.EqualTo(("http://example.org/cs/colors", "blue")));
    }

    [Test]
    public async Task R5_names_are_answered_with_originMap()
    {
        var parameters = """
            {"resourceType":"Parameters","parameter":[
              {"name":"tx-resource","resource":MAP},
              {"name":"sourceSystem","valueUri":"http://example.org/cs/colors"},{"name":"sourceCode","valueCode":"blue"},
              {"name":"targetSystem","valueUri":"http://example.org/cs/couleurs"}]}
            """.Replace("MAP", Colors);
        var (status, body) = await Send(await Client.PostAsync("/ConceptMap/$translate", RestTests.Json(parameters)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Part(Parameter(body, "match"), "originMap").GetProperty("valueCanonical").GetString(), Is.EqualTo("http://example.org/cm/colors-fr|1"));
    }

    [Test]
    public async Task No_translation_is_result_false_with_a_message()
    {
        var (status, body) = await Send(await Client.GetAsync($"/ConceptMap/$translate?url={VoieMap}&system={Uri.EscapeDataString(Cio)}&code=nope"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Parameter(body, "result").GetProperty("valueBoolean").GetBoolean(), Is.False);
        Assert.That(Parameter(body, "message").GetProperty("valueString").GetString(), Does.Contain("No translation found"));
    }

    [TestCase("/ConceptMap/$translate?url=http://example.org/cm/none&system=http://example.org/cs/colors&code=red", HttpStatusCode.NotFound, "not-found")]
    [TestCase("/ConceptMap/$translate?system=http://example.org/cs/colors", HttpStatusCode.BadRequest, "required")]
    [TestCase("/ConceptMap/$translate?system=http://example.org/cs/colors&code=red&reverse=maybe", HttpStatusCode.BadRequest, "invalid")]
    [TestCase("/ConceptMap/unknown-map/$translate?system=http://example.org/cs/colors&code=red", HttpStatusCode.NotFound, "not-found")]
    public async Task Errors_are_operation_outcomes(string url, HttpStatusCode expected, string code)
    {
        var (status, body) = await Send(await Client.GetAsync(url));
        Assert.That(status, Is.EqualTo(expected), body.ToString());
        Assert.That(body.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        Assert.That(body.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo(code));
    }
}
