using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FhirServer.Smart;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace FhirServer.Tests.Smart;

/// <summary>
/// The server with users and apps for the user-facing flows (authorization code with PKCE, standalone and EHR
/// launch), its store holding two patients, a practitioner, an encounter and an observation of each patient.
/// </summary>
public abstract class SmartFlowTests(string store) : SmartServerTests(store)
{
    public const string PublicApp = "app";
    public const string ConfidentialApp = "confidential-app";
    public const string AppSecret = "app-secret-1234";
    public const string Portal = "portal";
    public const string LaunchUrl = "https://app.example/launch";

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:Clients:0:Scopes:2"] = "system/*.cruds";
        AddClient(settings, 1, PublicApp, "public");
        settings["Smart:Clients:1:LaunchUrl"] = LaunchUrl;
        AddClient(settings, 2, ConfidentialApp, "confidential");
        settings["Smart:Clients:2:Secret"] = AppSecret;
        settings["Smart:Clients:3:ClientId"] = Portal;
        settings["Smart:Clients:3:Type"] = "asymmetric";
        settings["Smart:Clients:3:Jwks"] = Keys.Jwks();
        settings["Smart:Clients:3:Scopes:0"] = "system/Patient.rs";
        settings["Smart:Clients:3:LaunchCreator"] = "true";
        AddUser(settings, 0, "doctor", "Practitioner/prac1");
        AddUser(settings, 1, "alice", "Patient/pat1");
        return settings;
    }

    private static void AddClient(Dictionary<string, string> settings, int i, string id, string type)
    {
        settings[$"Smart:Clients:{i}:ClientId"] = id;
        settings[$"Smart:Clients:{i}:Type"] = type;
        settings[$"Smart:Clients:{i}:DisplayName"] = "Appli " + id;
        settings[$"Smart:Clients:{i}:RedirectUris:0"] = AppBrowser.RedirectUri;
        settings[$"Smart:Clients:{i}:Scopes:0"] = "patient/*.cruds";
        settings[$"Smart:Clients:{i}:Scopes:1"] = "user/*.rs";
    }

    private static void AddUser(Dictionary<string, string> settings, int i, string name, string fhirUser)
    {
        settings[$"Smart:Users:{i}:Username"] = name;
        settings[$"Smart:Users:{i}:PasswordHash"] = SmartPasswords.Hash(Password(name));
        settings[$"Smart:Users:{i}:FhirUser"] = fhirUser;
    }

    protected static string Password(string user) => user + "-password";

    [OneTimeSetUp]
    public async Task Seed()
    {
        var token = await AccessToken(scope: "system/*.cruds");
        foreach (var (path, json) in new[]
        {
            ("Patient/pat1", """{"resourceType":"Patient","id":"pat1","name":[{"family":"Martin","given":["Alice"]}],"birthDate":"1980-02-03"}"""),
            ("Patient/pat2", """{"resourceType":"Patient","id":"pat2","name":[{"family":"Durand","given":["Bob"]}]}"""),
            ("Practitioner/prac1", """{"resourceType":"Practitioner","id":"prac1","name":[{"family":"House"}]}"""),
            ("Encounter/enc1", """{"resourceType":"Encounter","id":"enc1","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/pat1"}}"""),
            ("Observation/obs1", """{"resourceType":"Observation","id":"obs1","status":"final","code":{"text":"weight"},"subject":{"reference":"Patient/pat1"}}"""),
            ("Observation/obs2", """{"resourceType":"Observation","id":"obs2","status":"final","code":{"text":"weight"},"subject":{"reference":"Patient/pat2"}}"""),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, "/" + path) { Content = new StringContent(json, Encoding.UTF8, "application/fhir+json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await Client.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.AnyOf(200, 201), await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>The portal's own token (backend services), with which it creates launch contexts.</summary>
    protected async Task<string> PortalToken(string client = Portal)
    {
        var response = await Client.PostAsync("/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = "system/Patient.rs",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = Keys.Assertion(client, TokenEndpoint),
        }));
        return (await Json(response)).GetProperty("access_token").GetString()!;
    }

    /// <summary>POST /auth/launch, as the portal does before it opens an app (EHR launch).</summary>
    protected async Task<HttpResponseMessage> CreateLaunch(string? token, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/launch") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Client.SendAsync(request);
    }

    protected AppBrowser NewBrowser() => new(Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }));

    protected static string AuthorizeUrl(string scope, string challenge, string? state = "state-1", string client = PublicApp,
        string redirectUri = AppBrowser.RedirectUri, string method = "S256", Dictionary<string, string>? extra = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = client, ["redirect_uri"] = redirectUri, ["scope"] = scope,
            ["code_challenge"] = challenge, ["code_challenge_method"] = method, ["aud"] = "http://localhost",
        };
        if (state is not null) query["state"] = state;
        foreach (var (k, v) in extra ?? []) query[k] = v;
        return QueryHelpers.AddQueryString(SmartServer.AuthorizationPath, query);
    }

    /// <summary>From the login page (or a page already past it) to the consent page or the picker.</summary>
    protected static async Task<AppBrowser.Page> SignIn(AppBrowser browser, AppBrowser.Page page, string user, string? password = null)
    {
        Assert.That(page.Document?.QuerySelector("input[name=username]"), Is.Not.Null, "the login form: " + page.Text);
        Assert.That(page.Document!.QuerySelector("input[name=password][type=password]"), Is.Not.Null);
        Assert.That(page.Document.QuerySelector("form button[type=submit]"), Is.Not.Null);
        return await browser.Submit(page, "username", new() { ["username"] = user, ["password"] = password ?? Password(user) });
    }

    /// <summary>A whole authorization: sign-in, the picker (when it shows) and consent; the app's callback and the PKCE verifier.</summary>
    protected async Task<(AppBrowser.Page Callback, string Verifier)> Authorize(string user, string scope, string? patient = null,
        string client = PublicApp, Dictionary<string, string>? extra = null)
    {
        using var browser = NewBrowser();
        var (verifier, challenge) = AppBrowser.Pkce();
        var page = await SignIn(browser, await browser.Open(AuthorizeUrl(scope, challenge, client: client, extra: extra)), user);
        if (page.Document?.QuerySelector("input[name=patient][type=radio]") is not null)
            page = await browser.Submit(page, "patient", patient is null ? null : new() { ["patient"] = patient });
        Assert.That(page.Document?.QuerySelector("button[name=decision][value=allow]"), Is.Not.Null, "the consent page: " + page.Text);
        page = await browser.Submit(page, "decision", button: ("decision", "allow"));
        Assert.That(page.Callback, Is.Not.Null, page.Text);
        return (page, verifier);
    }

    protected async Task<HttpResponseMessage> Exchange(string code, string verifier, string client = PublicApp, string? secret = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = AppBrowser.RedirectUri, ["code_verifier"] = verifier,
        };
        return await PostToken(form, client, secret);
    }

    protected async Task<HttpResponseMessage> PostToken(Dictionary<string, string> form, string client = PublicApp, string? secret = null,
        string path = SmartServer.TokenPath)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (secret is null) form["client_id"] = client;
        else request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client}:{secret}")));
        request.Content = new FormUrlEncodedContent(form);
        return await Client.SendAsync(request);
    }

    protected static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    protected async Task<HttpResponseMessage> Fhir(string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Client.SendAsync(request);
    }
}
