using System.Net;
using System.Text.Json;
using FhirServer.Smart;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Tests.Smart;

/// <summary>Standalone launch over HTTP, as a browser and an app do it: sign-in, patient picker, consent, code, token, FHIR calls.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class StandaloneLaunchTests(string store) : SmartFlowTests(store)
{
    private const string Scope = "launch/patient patient/Patient.rs patient/Observation.rs openid fhirUser offline_access";

    [Test]
    public async Task A_practitioner_picks_a_patient_and_the_token_reads_only_that_patients_data()
    {
        using var browser = NewBrowser();
        var (verifier, challenge) = AppBrowser.Pkce();
        var login = await browser.Open(AuthorizeUrl(Scope, challenge));
        var picker = await SignIn(browser, login, "doctor");
        var radios = picker.Document!.QuerySelectorAll("input[type=radio][name=patient]").Select(r => r.GetAttribute("value")).ToList();
        Assert.That(radios, Is.EquivalentTo(new[] { "pat1", "pat2" }), "the patients of the store");
        Assert.That(picker.Text, Does.Contain("Alice Martin"));

        var consent = await browser.Submit(picker, "patient", new() { ["patient"] = "pat1" });
        Assert.That(consent.Document!.QuerySelector("button[name=decision][value=deny]"), Is.Not.Null);
        Assert.That(consent.Text, Does.Contain("patient/Observation.rs").And.Contain("Alice Martin"));
        var callback = await browser.Submit(consent, "decision", button: ("decision", "allow"));
        Assert.That(callback.Callback!.GetLeftPart(UriPartial.Path), Is.EqualTo(AppBrowser.RedirectUri));
        Assert.That(callback.Query.GetValueOrDefault("state"), Is.EqualTo("state-1"), callback.Callback!.Query);

        var exchanged = await Exchange(callback.Query["code"], verifier);
        Assert.That(exchanged.Headers.CacheControl?.NoStore, Is.True, "token responses are not cached");
        var token = await Json(exchanged);
        Assert.That(token.GetProperty("token_type").GetString(), Is.EqualTo("Bearer"));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(token.GetProperty("need_patient_banner").GetBoolean(), Is.True);
        Assert.That(token.GetProperty("scope").GetString()!.Split(' '), Is.EquivalentTo(Scope.Split(' ')));
        Assert.That(token.TryGetProperty("refresh_token", out _), Is.True, "offline_access");
        var access = token.GetProperty("access_token").GetString()!;

        var claims = await UserClaims(access);
        Assert.That(claims!["patient"], Is.EqualTo(new[] { "pat1" }));
        Assert.That(claims["fhirUser"], Is.EqualTo(new[] { "Practitioner/prac1" }));
        Assert.That(claims["sub"], Is.EqualTo(new[] { "doctor" }));
        Assert.That(claims["client_id"], Is.EqualTo(new[] { PublicApp }));
        Assert.That(claims["scope"], Does.Contain("patient/Observation.rs"));

        Assert.That((await Fhir(access, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Fhir(access, "/Patient/pat2")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another patient");
        var bundle = await Json(await Fhir(access, "/Observation"));
        var ids = bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()).ToList();
        Assert.That(ids, Is.EqualTo(new[] { "obs1" }));
    }

    [Test]
    public async Task The_id_token_is_signed_by_the_published_key_and_names_the_fhir_user()
    {
        var (callback, verifier) = await Authorize("doctor", Scope, "pat2");
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        var idToken = token.GetProperty("id_token").GetString()!;

        var jwks = new JsonWebKeySet(await Client.GetStringAsync("/.well-known/jwks.json"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = "http://localhost/",
            ValidAudience = PublicApp,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        Assert.That(result.IsValid, Is.True, result.Exception?.Message);
        var jwt = new JsonWebToken(idToken);
        Assert.That(jwt.Alg, Is.EqualTo("RS256"));
        Assert.That(jwt.GetClaim("sub").Value, Is.EqualTo("doctor"));
        Assert.That(jwt.GetClaim("fhirUser").Value, Is.EqualTo("http://localhost/Practitioner/prac1"));
        Assert.That((await Fhir(token.GetProperty("access_token").GetString()!, "/Patient/pat2")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_patient_user_sees_only_their_own_patient_and_gets_no_user_scopes()
    {
        using var browser = NewBrowser();
        var (verifier, challenge) = AppBrowser.Pkce();
        var picker = await SignIn(browser, await browser.Open(AuthorizeUrl("launch/patient patient/*.rs user/*.rs", challenge)), "alice");
        var radios = picker.Document!.QuerySelectorAll("input[type=radio][name=patient]").Select(r => r.GetAttribute("value")).ToList();
        Assert.That(radios, Is.EqualTo(new[] { "pat1" }));

        var refused = await browser.Submit(picker, "patient", new() { ["patient"] = "pat2" });
        Assert.That(refused.Document!.QuerySelectorAll("input[type=radio][name=patient]").Select(r => r.GetAttribute("value")),
            Is.EqualTo(new[] { "pat1" }), "another patient than their own is not taken");

        var consent = await browser.Submit(refused, "patient", new() { ["patient"] = "pat1" });
        var callback = await browser.Submit(consent, "decision", button: ("decision", "allow"));
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(token.GetProperty("scope").GetString()!.Split(' '), Is.EquivalentTo(new[] { "launch/patient", "patient/*.rs" }));
    }

    // SMART "Apps that launch from the EHR": a patient/ scope granted establishes a patient in context (launch/patient
    // inferred); "Scopes for requesting context data": launch/encounter is granted only with an encounter to give.
    [Test]
    public async Task A_patient_scope_without_launch_patient_still_gets_its_patient_and_no_encounter_is_promised()
    {
        var (callback, verifier) = await Authorize("doctor", "patient/Observation.rs launch/encounter", "pat2");
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat2"));
        Assert.That(token.GetProperty("scope").GetString(), Is.EqualTo("patient/Observation.rs"));
        Assert.That(token.TryGetProperty("encounter", out _), Is.False);
        var bundle = await Json(await Fhir(token.GetProperty("access_token").GetString()!, "/Observation"));
        Assert.That(bundle.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString(), Is.EqualTo("obs2"));
    }

    // SMART "Token Introspection": scope, client_id, exp, the launch context, and the id_token's iss and sub.
    [Test]
    public async Task Introspection_of_a_users_token_carries_its_context_and_the_id_tokens_iss_and_sub()
    {
        var (callback, verifier) = await Authorize("doctor", "launch/patient patient/Observation.rs openid fhirUser", "pat1", client: ConfidentialApp);
        var exchanged = await Exchange(callback.Query["code"], verifier, ConfidentialApp, AppSecret);
        Assert.That(exchanged.Headers.Pragma.ToString(), Is.EqualTo("no-cache"));
        var token = await Json(exchanged);
        var idToken = new JsonWebToken(token.GetProperty("id_token").GetString()!);
        var introspection = await PostToken(new() { ["token"] = token.GetProperty("access_token").GetString()! }, ConfidentialApp, AppSecret,
            SmartServer.IntrospectionPath);
        var answer = await Json(introspection);
        Assert.That(answer.GetProperty("active").GetBoolean(), Is.True);
        Assert.That(answer.GetProperty("scope").GetString(), Is.EqualTo(token.GetProperty("scope").GetString()));
        Assert.That(answer.GetProperty("client_id").GetString(), Is.EqualTo(ConfidentialApp));
        Assert.That(answer.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(answer.GetProperty("fhirUser").GetString(), Is.EqualTo("Practitioner/prac1"));
        Assert.That(answer.GetProperty("iss").GetString(), Is.EqualTo(idToken.Issuer));
        Assert.That(answer.GetProperty("sub").GetString(), Is.EqualTo(idToken.Subject));
        Assert.That(answer.TryGetProperty("exp", out _), Is.True);
    }

    [Test]
    public async Task Refresh_keeps_the_patient_and_the_scopes()
    {
        var (callback, verifier) = await Authorize("doctor", Scope, "pat1");
        var first = await Json(await Exchange(callback.Query["code"], verifier));
        var refreshed = await Json(await PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = first.GetProperty("refresh_token").GetString()! }));
        Assert.That(refreshed.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(refreshed.GetProperty("scope").GetString(), Is.EqualTo(first.GetProperty("scope").GetString()));
        var claims = await UserClaims(refreshed.GetProperty("access_token").GetString()!);
        Assert.That(claims!["patient"], Is.EqualTo(new[] { "pat1" }));
        Assert.That(claims["fhirUser"], Is.EqualTo(new[] { "Practitioner/prac1" }));
    }

    [Test]
    public async Task Online_access_gives_a_refresh_token_too()
    {
        var (callback, verifier) = await Authorize("doctor", "user/Patient.rs online_access");
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.TryGetProperty("refresh_token", out var refresh), Is.True);
        var refreshed = await Json(await PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh.GetString()! }));
        Assert.That((await Fhir(refreshed.GetProperty("access_token").GetString()!, "/Patient/pat2")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var (again, verifier2) = await Authorize("doctor", "user/Patient.rs");
        Assert.That((await Json(await Exchange(again.Query["code"], verifier2))).TryGetProperty("refresh_token", out _), Is.False,
            "no refresh token without offline_access or online_access");
    }

    [Test]
    public async Task A_confidential_client_authenticates_with_client_secret_basic()
    {
        var (callback, verifier) = await Authorize("doctor", "user/Observation.rs", client: ConfidentialApp);
        var wrong = await Exchange(callback.Query["code"], verifier, ConfidentialApp, "wrong-secret");
        Assert.That((await Json(wrong, HttpStatusCode.Unauthorized)).GetProperty("error").GetString(), Is.EqualTo("invalid_client"));
        var token = await Json(await Exchange(callback.Query["code"], verifier, ConfidentialApp, AppSecret));
        var bundle = await Json(await Fhir(token.GetProperty("access_token").GetString()!, "/Observation"));
        Assert.That(bundle.GetProperty("entry").GetArrayLength(), Is.EqualTo(2), "user/ scopes reach every patient");
    }
}
