using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Smart;

[TestFixture("sqlite")]
public class DiscoveryTests(string store) : SmartServerTests(store)
{
    [Test]
    public async Task Smart_configuration_lists_the_endpoints_and_only_what_works()
    {
        var response = await Client.GetAsync("/.well-known/smart-configuration");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(root.GetProperty("issuer").GetString(), Is.EqualTo("http://localhost"));
        Assert.That(root.GetProperty("token_endpoint").GetString(), Is.EqualTo("http://localhost/auth/token"));
        Assert.That(root.GetProperty("jwks_uri").GetString(), Is.EqualTo("http://localhost/.well-known/jwks.json"));
        Assert.That(root.GetProperty("authorization_endpoint").GetString(), Is.EqualTo("http://localhost/auth/authorize"));
        Assert.That(Strings(root, "grant_types_supported"), Is.EquivalentTo(new[] { "authorization_code", "client_credentials", "refresh_token" }));
        Assert.That(Strings(root, "token_endpoint_auth_methods_supported"), Is.EquivalentTo(new[] { "client_secret_basic", "private_key_jwt" }));
        Assert.That(Strings(root, "code_challenge_methods_supported"), Is.EqualTo(new[] { "S256" }));
        Assert.That(Strings(root, "response_types_supported"), Is.EqualTo(new[] { "code" }));
        Assert.That(Strings(root, "capabilities"), Is.EquivalentTo(new[]
        {
            "launch-ehr", "launch-standalone", "authorize-post", "client-public", "client-confidential-symmetric",
            "client-confidential-asymmetric", "sso-openid-connect", "context-banner", "context-passthrough-banner", "context-ehr-patient",
            "context-ehr-encounter", "context-standalone-patient", "context-standalone-encounter", "permission-offline", "permission-online", "permission-patient",
            "permission-user", "permission-v1", "permission-v2",
        }));
    }

    [Test]
    public async Task Smart_configuration_is_json_whatever_the_accept_header_with_absolute_urls()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/smart-configuration");
        request.Headers.Accept.ParseAdd("application/fhir+xml");
        var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        foreach (var endpoint in root.EnumerateObject().Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal) || p.Name == "jwks_uri"))
            Assert.That(Uri.IsWellFormedUriString(endpoint.Value.GetString(), UriKind.Absolute), Is.True, endpoint.Name);
    }

    // SMART App Launch "Considerations for CORS support": discovery and metadata from any origin, the token endpoint and
    // the FHIR API from the app's origin (here every origin: Server:CorsOrigins defaults to *).
    [TestCase("GET", "/.well-known/smart-configuration")]
    [TestCase("GET", "/metadata")]
    [TestCase("OPTIONS", "/auth/token")]
    [TestCase("OPTIONS", "/Patient")]
    public async Task Browser_apps_may_call_discovery_the_token_endpoint_and_the_api_across_origins(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("Origin", "https://app.example");
        if (method == "OPTIONS")
        {
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        }
        var response = await Client.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.AnyOf(200, 204));
        Assert.That(response.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
    }

    [Test]
    public async Task Openid_configuration_and_jwks_publish_the_signing_key()
    {
        var openid = JsonDocument.Parse(await Client.GetStringAsync("/.well-known/openid-configuration")).RootElement;
        Assert.That(openid.GetProperty("issuer").GetString(), Is.EqualTo("http://localhost/"));
        Assert.That(openid.GetProperty("authorization_endpoint").GetString(), Is.EqualTo("http://localhost/auth/authorize"));
        Assert.That(Strings(openid, "code_challenge_methods_supported"), Is.EqualTo(new[] { "S256" }), "plain is not offered");
        var jwks = JsonDocument.Parse(await Client.GetStringAsync(openid.GetProperty("jwks_uri").GetString()!)).RootElement;
        var key = jwks.GetProperty("keys")[0];
        Assert.That(key.GetProperty("kty").GetString(), Is.EqualTo("RSA"));
        Assert.That(key.TryGetProperty("d", out _), Is.False, "no private part");
        Assert.That(key.TryGetProperty("x5c", out _), Is.False, "a bare JWK, not a certificate");
        Assert.That(Strings(openid, "id_token_signing_alg_values_supported"), Does.Contain("RS256"));
        var ec = jwks.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kty").GetString() == "EC");
        Assert.That(ec.GetProperty("crv").GetString(), Is.EqualTo("P-256"), "the key of access tokens (ES256) is published too");
        Assert.That(ec.TryGetProperty("d", out _), Is.False, "no private part");
    }

    [Test]
    public async Task Without_smart_mode_there_is_no_authorization_server()
    {
        using var factory = new Http.ServerFactory("sqlite");
        var response = await factory.CreateClient().GetAsync("/.well-known/smart-configuration");
        Assert.That((int)response.StatusCode, Is.Not.EqualTo(200));
    }

    private static string[] Strings(JsonElement root, string name) => [.. root.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];
}
