using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FhirServer.Tests.Smart;

/// <summary>
/// EHR launch: the portal creates a launch context at /auth/launch with a token of its own, opens the app with the
/// launch id, and the app's authorization resolves it to the patient, encounter and fhirContext of the token response.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class EhrLaunchTests(string store) : SmartFlowTests(store)
{
    private const string Scope = "launch patient/*.rs openid fhirUser";

    private async Task<JsonElement> Launch(string json) => await Json(await CreateLaunch(await PortalToken(), json), HttpStatusCode.Created);

    [Test]
    public async Task The_launch_resolves_to_its_context_in_the_token_response()
    {
        var launch = await Launch("""
            {"patient":"pat1","encounter":"enc1","fhirContext":[{"reference":"Observation/obs1"},{"reference":"Encounter/enc1","role":"https://example.org/roles/previous"}],"need_patient_banner":false,"client_id":"app"}
            """);
        var id = launch.GetProperty("launch").GetString()!;
        Assert.That(launch.GetProperty("launch_url").GetString(), Is.EqualTo($"{LaunchUrl}?iss=http%3A%2F%2Flocalhost&launch={id}"));

        var (callback, verifier) = await Authorize("doctor", Scope, extra: new() { ["launch"] = id });
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(token.GetProperty("encounter").GetString(), Is.EqualTo("enc1"));
        Assert.That(token.GetProperty("need_patient_banner").GetBoolean(), Is.False);
        Assert.That(token.GetProperty("fhirContext")[0].GetProperty("reference").GetString(), Is.EqualTo("Observation/obs1"));
        Assert.That(token.GetProperty("fhirContext")[1].GetProperty("role").GetString(), Is.EqualTo("https://example.org/roles/previous"));
        var access = token.GetProperty("access_token").GetString()!;
        var claims = await UserClaims(access);
        Assert.That(claims!["encounter"], Is.EqualTo(new[] { "enc1" }));
        Assert.That((await Fhir(access, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Fhir(access, "/Observation/obs2")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        // Single use: the same launch id again is refused, back to the app.
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        var again = await SignIn(browser, await browser.Open(AuthorizeUrl(Scope, challenge, extra: new() { ["launch"] = id })), "doctor");
        Assert.That(again.Query["error"], Is.EqualTo("invalid_request"));
        Assert.That(again.Query["state"], Is.EqualTo("state-1"));
    }

    [Test]
    public async Task Launch_and_the_launch_scope_go_together_and_a_launch_is_for_its_client()
    {
        var id = (await Launch("""{"patient":"pat1","client_id":"confidential-app"}""")).GetProperty("launch").GetString()!;
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        var login = await browser.Open(AuthorizeUrl(Scope, challenge, extra: new() { ["launch"] = id }));
        var otherApp = await SignIn(browser, login, "doctor");
        Assert.That(otherApp.Query["error"], Is.EqualTo("invalid_request"), "the launch was made for another app");

        var noScope = await browser.Open(AuthorizeUrl("patient/*.rs", challenge, extra: new() { ["launch"] = id }));
        Assert.That(noScope.Query["error"], Is.EqualTo("invalid_scope"));
        var noLaunch = await browser.Open(AuthorizeUrl(Scope, challenge));
        Assert.That(noLaunch.Query["error"], Is.EqualTo("invalid_request"));
    }

    [Test]
    public async Task A_patient_user_cannot_use_a_launch_about_another_patient()
    {
        var id = (await Launch("""{"patient":"pat2"}""")).GetProperty("launch").GetString()!;
        using var browser = NewBrowser();
        var (_, challenge) = AppBrowser.Pkce();
        var page = await SignIn(browser, await browser.Open(AuthorizeUrl(Scope, challenge, extra: new() { ["launch"] = id })), "alice");
        Assert.That(page.Query["error"], Is.EqualTo("access_denied"));
    }

    [Test]
    public async Task Only_a_launch_creator_with_its_own_token_creates_launches()
    {
        var body = """{"patient":"pat1"}""";
        var anonymous = await CreateLaunch(null, body);
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(anonymous.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer"));
        Assert.That((await Json(anonymous, HttpStatusCode.Unauthorized)).GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));

        var backend = await CreateLaunch(await PortalToken(BackendClient), body);
        Assert.That(backend.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a client not configured as LaunchCreator");

        var (callback, verifier) = await Authorize("doctor", "user/Patient.rs");
        var userToken = (await Json(await Exchange(callback.Query["code"], verifier))).GetProperty("access_token").GetString()!;
        Assert.That((await CreateLaunch(userToken, body)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a user's token");
    }

    [TestCase("""{"patient":"nobody"}""", 422, "patient")]
    [TestCase("""{"patient":"pat1","encounter":"nowhere"}""", 422, "encounter")]
    [TestCase("""{"patient":"pat1","fhirContext":"Encounter/enc1"}""", 400, "fhirContext")]
    [TestCase("""{"patient":"pat1","fhirContext":[{"reference":"http://x"}]}""", 400, "fhirContext[0].reference")]
    [TestCase("""{"patient":"pat1","fhirContext":[{"reference":"Patient/pat1"}]}""", 400, "fhirContext[0]")]
    [TestCase("""{"patient":"pat1","fhirContext":[{"reference":"Encounter/enc1","role":"launch"}]}""", 400, "fhirContext[0]")]
    [TestCase("""{"patient":"pat1","fhirContext":[{"reference":"Observation/obs1","role":"previous"}]}""", 400, "fhirContext[0].role")]
    [TestCase("""{"patient":"pat1","need_patient_banner":"no"}""", 400, "need_patient_banner")]
    [TestCase("""{"patient":"pat1","client_id":"unknown"}""", 422, "client_id")]
    [TestCase("""[1,2]""", 400, null)]
    [TestCase("""{"patient":""", 400, null)]
    public async Task A_bad_launch_context_is_refused_with_an_operation_outcome(string json, int status, string? location)
    {
        var response = await CreateLaunch(await PortalToken(), json);
        var outcome = await Json(response, (HttpStatusCode)status);
        Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        if (location is not null) Assert.That(outcome.GetProperty("issue")[0].GetProperty("location")[0].GetString(), Is.EqualTo(location));
    }
}
