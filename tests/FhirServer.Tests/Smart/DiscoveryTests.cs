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
            "client-confidential-asymmetric", "sso-openid-connect", "context-passthrough-banner", "context-ehr-patient",
            "context-ehr-encounter", "context-standalone-patient", "permission-offline", "permission-online", "permission-patient",
            "permission-user", "permission-v1", "permission-v2",
        }));
        Assert.That(Strings(root, "capabilities"), Does.Not.Contain("context-standalone-encounter"), "no encounter picker");
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
