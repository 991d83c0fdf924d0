using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using static FhirServer.Tests.Http.ValidationFixtures;

namespace FhirServer.Tests.Http;

/// <summary>
/// <c>$validate</c> (R4 resource-operation-validate) on each store: JSON and XML, the resource or a Parameters, the
/// profile and mode parameters, a profile stored on the server, and the outcome's shape (200 whether valid or not;
/// 4xx only when the validation cannot be made).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ValidateEndpointTests(string store) : ServerTests(store)
{
    private Task<(HttpStatusCode Status, JsonElement Body)> Validate(string url, string body, string mediaType = "application/fhir+json") =>
        Client.PostAsync(url, RestTests.Json(body, mediaType)).ContinueWith(t => Read(t.Result)).Unwrap();

    private static string Parameters(string resource, params (string Name, string Value)[] values) => $$"""
        {"resourceType":"Parameters","parameter":[{"name":"resource","resource":{{resource}}}{{string.Concat(values.Select(v => $$""",{"name":"{{v.Name}}","{{(v.Name == "profile" ? "valueCanonical" : "valueCode")}}":"{{v.Value}}"}"""))}}]}
        """;

    [Test]
    public async Task A_valid_resource_is_all_ok()
    {
        var (status, body) = await Validate("/Patient/$validate", FrCorePatient());
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Errors(body), Is.Empty, body.ToString());
    }

    [Test]
    public async Task A_resource_with_nothing_to_say_gets_one_all_ok_information()
    {
        var (status, body) = await Validate("/Patient/$validate", """{"resourceType":"Patient","active":true}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var issue = Issues(body).Single();
        Assert.That((issue.GetProperty("severity").GetString(), Text(issue)), Is.EqualTo(("information", "All OK")));
    }

    [Test]
    public async Task A_wrong_ins_key_is_an_error_at_the_identifier_value_with_line_and_column()
    {
        var (status, body) = await Validate("/Patient/$validate", FrCorePatient(goodKey: false));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), "the validation ran: 200 whether the resource is valid or not");
        var error = Errors(body).Single();
        Assert.That(Expression(error), Is.EqualTo("Patient.identifier[0].value"));
        Assert.That(Text(error), Does.Contain("NIR"));
        Assert.That(error.GetProperty("code").GetString(), Is.EqualTo("value"));
        Assert.That(error.GetProperty("diagnostics").GetString(), Does.Match(@"\(line \d+, column \d+\)"));
    }

    [Test]
    public async Task Base_definition_rules_are_checked()
    {
        var (_, body) = await Validate("/Observation/$validate", ObservationWithoutCode("validate"));
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Observation.code: minimum required = 1"), body.ToString());
    }

    [Test]
    public async Task Xml_in_xml_out()
    {
        const string xml = """
            <Patient xmlns="http://hl7.org/fhir">
              <identifier><system value="urn:oid:1.2.250.1.213.1.4.8"/><value value="123456789012244"/></identifier>
            </Patient>
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Patient/$validate") { Content = RestTests.Json(xml, "application/fhir+xml") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+xml"));
        Assert.That(text, Does.Contain("<OperationOutcome").And.Contain("<expression value=\"Patient.identifier[0].value\" />").And.Contain("line 2"));
    }

    [Test]
    public async Task A_body_that_does_not_parse_gives_the_parser_issues_with_200()
    {
        var (status, body) = await Validate("/Patient/$validate", """{"resourceType":"Patient","birthDate":"25/12/1974"}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Errors(body).Select(Expression), Has.Member("Patient.birthDate"), body.ToString());

        (status, body) = await Validate("/Patient/$validate", """{"resourceType":""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Errors(body), Is.Not.Empty, body.ToString());
    }

    [Test]
    public async Task Parameters_carry_the_resource_and_a_profile()
    {
        Assert.That((await Client.PutAsync("/StructureDefinition/patient-with-birthdate", RestTests.Json(BirthDateProfile()))).IsSuccessStatusCode, Is.True);
        var withoutBirthDate = """{"resourceType":"Patient","active":true}""";
        var (status, body) = await Validate("/Patient/$validate", Parameters(withoutBirthDate, ("profile", BirthDateProfileUrl)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Patient.birthDate: minimum required = 1"), body.ToString());
        Assert.That(Errors(body).Select(Expression), Has.Member("Patient"), "located in the resource, not in the Parameters");

        // The same profile as a query parameter, and an unknown profile: a warning (Validation:UnknownProfile).
        (_, body) = await Validate($"/Patient/$validate?profile={Uri.EscapeDataString(BirthDateProfileUrl)}", withoutBirthDate);
        Assert.That(Errors(body), Is.Not.Empty);
        (_, body) = await Validate("/Patient/$validate?profile=http://example.org/no-such-profile", withoutBirthDate);
        Assert.That(Errors(body), Is.Empty);
        Assert.That(Issues(body).Single(i => i.GetProperty("severity").GetString() == "warning").GetProperty("code").GetString(), Is.EqualTo("not-found"));
    }

    [Test]
    public async Task A_stored_profile_is_used_right_after_its_create_and_not_after_its_delete()
    {
        const string url = "http://example.org/fhir/StructureDefinition/stored-then-deleted";
        var created = await Client.PostAsync("/StructureDefinition", RestTests.Json(BirthDateProfile("ignored", url)));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var declaring = $$"""{"resourceType":"Patient","meta":{"profile":["{{url}}"]},"active":true}""";
        var (_, body) = await Validate("/Patient/$validate", declaring);
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("Patient.birthDate: minimum required = 1"), body.ToString());

        Assert.That((await Client.DeleteAsync(created.Headers.Location!.AbsolutePath.Split("/_history")[0])).IsSuccessStatusCode, Is.True);
        (_, body) = await Validate("/Patient/$validate", declaring);
        Assert.That(Errors(body), Is.Empty, body.ToString());
        Assert.That(Issues(body).Select(Text), Has.Some.Contains($"Profile reference '{url}' has not been checked because it is unknown"));
    }

    [Test]
    public async Task A_resource_of_another_type_than_the_url_is_an_error()
    {
        var (status, body) = await Validate("/Patient/$validate", """{"resourceType":"Organization","name":"X"}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Errors(body).Select(Text), Has.Some.Contains("The resource is a Organization, but the URL is for Patient"));
    }

    [Test]
    public async Task Instance_level_validates_the_stored_resource_and_the_modes()
    {
        var created = await Client.PostAsync("/Patient", RestTests.Json(FrCorePatient()));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var path = created.Headers.Location!.AbsolutePath.Split("/_history")[0];
        var id = path.Split('/')[^1];

        var (status, body) = await Read(await Client.GetAsync(path + "/$validate"));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        Assert.That(Errors(body), Is.Empty, body.ToString());

        // update: the body's id must be the URL's.
        (status, body) = await Validate(path + "/$validate?mode=update", FrCorePatient().Replace("{\"resourceType\":\"Patient\",", "{\"resourceType\":\"Patient\",\"id\":\"other\","));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Errors(body).Select(Expression), Has.Member("Patient.id"), body.ToString());
        (_, body) = await Validate(path + "/$validate", Parameters(FrCorePatient().Replace("{\"resourceType\":\"Patient\",", $"{{\"resourceType\":\"Patient\",\"id\":\"{id}\","), ("mode", "update")));
        Assert.That(Errors(body), Is.Empty, body.ToString());

        // delete: nothing to validate but the target.
        (status, body) = await Read(await Client.GetAsync(path + "/$validate?mode=delete"));
        Assert.That((status, Text(Issues(body).Single())), Is.EqualTo((HttpStatusCode.OK, "All OK")));
        Assert.That((await Client.GetAsync("/Patient/no-such-patient/$validate?mode=delete")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Client.GetAsync("/Patient/no-such-patient/$validate")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Requests_the_validation_cannot_be_made_of_are_4xx()
    {
        Assert.That((await Validate("/Patient/$validate?mode=delete", FrCorePatient())).Status, Is.EqualTo(HttpStatusCode.BadRequest), "delete is for an instance");
        Assert.That((await Validate("/Patient/$validate?mode=upsert", FrCorePatient())).Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Validate("/Patient/$validate", """{"resourceType":"Parameters","parameter":[{"name":"mode","valueCode":"create"}]}""")).Status,
            Is.EqualTo(HttpStatusCode.BadRequest), "no resource");
        Assert.That((await Client.GetAsync("/Patient/$validate")).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Validate("/Patient/$validate", "name=x", "text/plain")).Status, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That((await Validate("/NoSuchType/$validate", FrCorePatient())).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task The_capability_statement_lists_validate()
    {
        using var metadata = JsonDocument.Parse(await Client.GetStringAsync("/metadata"));
        var patient = metadata.RootElement.GetProperty("rest")[0].GetProperty("resource").EnumerateArray().First(r => r.GetProperty("type").GetString() == "Patient");
        Assert.That(patient.GetProperty("operation").EnumerateArray().Select(o => o.GetProperty("name").GetString()), Has.Member("validate"));
    }
}
