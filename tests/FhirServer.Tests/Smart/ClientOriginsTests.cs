using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FhirServer.Smart;

namespace FhirServer.Tests.Smart;

/// <summary>
/// Per-client CORS (SMART App Launch "Considerations for CORS support"): a client registered with
/// <c>AllowedOrigins</c> has its token requests and FHIR calls accepted from those origins only; a client without them
/// is under the server's <c>Server:CorsOrigins</c> (here the default, any).
/// </summary>
[TestFixture("sqlite")]
public class ClientOriginsTests(string store) : SmartFlowTests(store)
{
    public const string AppOrigin = "https://app.example";
    public const string OtherOrigin = "https://other.example";

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:Clients:1:AllowedOrigins:0"] = AppOrigin;
        return settings;
    }

    [Test]
    public async Task The_token_endpoint_refuses_the_app_from_another_origin()
    {
        var (callback, verifier) = await Authorize("doctor", "user/Patient.rs");
        var refused = await ExchangeFrom(OtherOrigin, callback.Query["code"], verifier);
        var error = await Json(refused, HttpStatusCode.BadRequest);
        Assert.That(error.GetProperty("error").GetString(), Is.EqualTo("unauthorized_client"));
        Assert.That(error.GetProperty("error_description").GetString(), Does.Contain(OtherOrigin));

        var token = await Json(await ExchangeFrom(AppOrigin, callback.Query["code"], verifier));
        Assert.That(token.TryGetProperty("access_token", out _), Is.True, "the code was not spent by the refused request");
    }

    [Test]
    public async Task The_api_answers_the_apps_token_from_its_origin_only()
    {
        var (callback, verifier) = await Authorize("doctor", "user/Patient.rs");
        var access = (await Json(await ExchangeFrom(AppOrigin, callback.Query["code"], verifier))).GetProperty("access_token").GetString()!;

        Assert.That((await FhirFrom(AppOrigin, access, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Fhir(access, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "not a browser's cross-origin call");
        var refused = await FhirFrom(OtherOrigin, access, "/Patient/pat1");
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var outcome = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain(OtherOrigin));
    }

    [Test]
    public async Task A_client_without_registered_origins_keeps_the_servers_default()
    {
        var (callback, verifier) = await Authorize("doctor", "user/Patient.rs", client: ConfidentialApp);
        using var request = new HttpRequestMessage(HttpMethod.Post, SmartServer.TokenPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = callback.Query["code"], ["redirect_uri"] = AppBrowser.RedirectUri, ["code_verifier"] = verifier,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{ConfidentialApp}:{AppSecret}")));
        request.Headers.Add("Origin", OtherOrigin);
        var response = await Client.SendAsync(request);
        var access = (await Json(response)).GetProperty("access_token").GetString()!;
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
        Assert.That((await FhirFrom(OtherOrigin, access, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public void A_registered_origin_must_be_an_origin()
    {
        Assert.That(ClientOrigins.Normalize("https://App.Example:443"), Is.EqualTo("https://app.example"));
        Assert.That(ClientOrigins.Normalize("http://localhost:8080"), Is.EqualTo("http://localhost:8080"));
        Assert.That(ClientOrigins.Normalize("https://app.example/path"), Is.Null);
        Assert.That(ClientOrigins.Normalize("app.example"), Is.Null);
        var client = new SmartClient { ClientId = "x", RedirectUris = [AppBrowser.RedirectUri], AllowedOrigins = ["https://app.example/callback"] };
        Assert.That(client.Validate, Throws.TypeOf<FhirServer.Hosting.ConfigurationException>().With.Message.Contain("AllowedOrigins"));
    }

    private async Task<HttpResponseMessage> ExchangeFrom(string origin, string code, string verifier)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SmartServer.TokenPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppBrowser.RedirectUri, ["code_verifier"] = verifier,
                ["client_id"] = PublicApp,
            }),
        };
        request.Headers.Add("Origin", origin);
        return await Client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> FhirFrom(string origin, string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("Origin", origin);
        return await Client.SendAsync(request);
    }
}

/// <summary>With a list of origins as the server's setting, the preflight is answered for it and for every client's origins.</summary>
[TestFixture("sqlite")]
public class ClientOriginsPreflightTests(string store) : SmartFlowTests(store)
{
    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Server:CorsOrigins"] = "https://portal.example";
        settings["Smart:Clients:1:AllowedOrigins:0"] = ClientOriginsTests.AppOrigin;
        return settings;
    }

    [TestCase("https://portal.example", true)]
    [TestCase(ClientOriginsTests.AppOrigin, true)]
    [TestCase(ClientOriginsTests.OtherOrigin, false)]
    public async Task The_preflight_allows_the_servers_and_the_clients_origins(string origin, bool allowed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, SmartServer.TokenPath);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        var response = await Client.SendAsync(request);
        Assert.That(response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null,
            allowed ? Is.EqualTo(origin) : Is.Null);
    }
}
