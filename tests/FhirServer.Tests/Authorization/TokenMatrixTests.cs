using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Tests.Smart;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Tests.Authorization;

/// <summary>
/// The negative matrix with real access tokens from the server's token endpoint (backend services): every kind of FHIR
/// interaction with a token that is expired, badly signed, from another issuer, for another audience, revoked, or
/// scoped for another type is denied — 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c> for a token that
/// does not authenticate, 403 with an OperationOutcome for one whose scopes do not cover the interaction — and no
/// resource comes back in the body. The forged tokens are the real one's claims re-signed with the server's own key,
/// so that only the one property under test is wrong.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TokenMatrixTests(string store) : SmartServerTests(store)
{
    private readonly string _keyDirectory = Path.Combine(Path.GetTempPath(), "smart-keys-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _tokens = [];

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:KeyDirectory"] = _keyDirectory;
        settings["Smart:Clients:0:Scopes:1"] = "system/*.cruds";
        return settings;
    }

    [OneTimeSetUp]
    public async Task Tokens()
    {
        var full = await AccessToken(scope: "system/*.cruds");
        foreach (var (url, json) in new[]
        {
            ("Patient/p1", """{"resourceType":"Patient","id":"p1","name":[{"family":"Durand"}]}"""),
            ("Observation/o1", """{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"secret-o1"},"subject":{"reference":"Patient/p1"}}"""),
            ("Binary/b1", """{"resourceType":"Binary","id":"b1","contentType":"text/plain","data":"c2VjcmV0"}"""),
        })
        {
            var (response, body) = await Send(HttpMethod.Put, "/" + url, full, json);
            Assert.That((int)response.StatusCode, Is.AnyOf(200, 201), body);
        }
        _tokens["expired"] = await Expire(await AccessToken(scope: "system/*.cruds"));
        _tokens["bad signature"] = full[..^6] + (full[^6] == 'A' ? "B" : "A") + full[^5..];
        _tokens["other issuer"] = Forge(full, p => p["iss"] = "https://elsewhere.example/");
        _tokens["other audience"] = Forge(full, p => p["aud"] = "https://elsewhere.example/fhir");
        _tokens["unsigned"] = Unsigned(full);
        var revoked = await AccessToken(scope: "system/*.cruds");
        var revocation = await Client.PostAsync("/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = revoked,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = Keys.Assertion(BackendClient, TokenEndpoint),
        }));
        Assert.That(revocation.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        _tokens["revoked"] = revoked;
        _tokens["out of scope"] = await AccessToken(scope: "system/Condition.rs");
        _tokens["full"] = full;
    }

    [OneTimeTearDown]
    public void DeleteKeys() => Support.TempFolder.Delete(_keyDirectory);

    // An hour later: the token as issued, its exp and its entry in the token store past (the store's expiration date is
    // the one OpenIddict checks).
    private async Task<string> Expire(string token)
    {
        var past = DateTimeOffset.UtcNow.AddMinutes(-10);
        await using var scope = Factory.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var entry = await manager.FindByIdAsync(new JsonWebToken(token).GetClaim("oi_tkn_id").Value) ?? throw new InvalidOperationException("no token entry");
        var descriptor = new OpenIddictTokenDescriptor();
        await manager.PopulateAsync(descriptor, entry);
        descriptor.ExpirationDate = past;
        await manager.UpdateAsync(entry, descriptor);
        return Forge(token, p => p["exp"] = past.ToUnixTimeSeconds());
    }

    // The token's claims changed, signed again with the server's key that signed it (its file is named by its kid).
    private string Forge(string token, Action<JsonObject> change)
    {
        var jwt = new JsonWebToken(token);
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload))!.AsObject();
        change(payload);
        var pem = File.ReadAllText(Path.Combine(_keyDirectory, jwt.Kid + ".pem"));
        SecurityKey key;
        if (jwt.Alg.StartsWith("ES", StringComparison.Ordinal))
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportFromPem(pem);
            key = new ECDsaSecurityKey(ecdsa) { KeyId = jwt.Kid };
        }
        else
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            key = new RsaSecurityKey(rsa) { KeyId = jwt.Kid };
        }
        return new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), new SigningCredentials(key, jwt.Alg),
            new Dictionary<string, object> { ["typ"] = jwt.Typ });
    }

    private static string Unsigned(string token)
    {
        var jwt = new JsonWebToken(token);
        return Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes("{\"alg\":\"none\",\"typ\":\"at+jwt\"}")) + "." + jwt.EncodedPayload + ".";
    }

    private async Task<(HttpResponseMessage Response, string Body)> Send(HttpMethod method, string url, string? token, string? json = null,
        string mediaType = "application/fhir+json")
    {
        using var request = new HttpRequestMessage(method, url);
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, mediaType);
        var response = await Client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }

    private static IEnumerable<TestCaseData> Interactions() => FhirInteractions.Cases(new("o1", "p1", "Durand", "b1"));

    private static IEnumerable<TestCaseData> InvalidTokens() =>
        from kind in new[] { "expired", "bad signature", "other issuer", "other audience", "unsigned", "revoked" }
        from interaction in Interactions()
        select new TestCaseData([kind, .. interaction.Arguments]).SetName($"Invalid_token_is_401({kind}, {interaction.TestName!.Replace("{m}", "")})");

    [TestCaseSource(nameof(InvalidTokens))]
    public async Task Invalid_token_is_401(string kind, string method, string url, string? json, string? media)
    {
        var (response, body) = await Send(new HttpMethod(method), url, _tokens[kind], json, media ?? "application/fhir+json");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), body);
        Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer error=\"invalid_token\""));
        Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        AssertNothingLeaks(body);
    }

    [TestCaseSource(nameof(Interactions))]
    public async Task Out_of_scope_token_is_403_or_sees_nothing(string method, string url, string? json, string? media)
    {
        var (response, body) = await Send(new HttpMethod(method), url, _tokens["out of scope"], json, media ?? "application/fhir+json");
        AssertNothingLeaks(body);
        if (url is "/" || FhirInteractions.ReadsNoStoredData(url))
        {
            // Operations on no stored data need a token only; a Bundle's entries are refused one by one.
            Assert.That((int)response.StatusCode, Is.Not.EqualTo(401), body);
            if (url == "/") Assert.That(body, Does.Contain("403").Or.Contains("forbidden"));
            return;
        }
        if (url is "/_history")
        {
            // Across types, what the scopes do not cover is left out.
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            return;
        }
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), body);
        Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("forbidden"));
    }

    [Test]
    public async Task The_genuine_token_reads()
    {
        var (response, body) = await Send(HttpMethod.Get, "/Observation/o1", _tokens["full"]);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(body, Does.Contain("secret-o1"));
    }

    private static void AssertNothingLeaks(string body) =>
        Assert.That(body, Does.Not.Contain("secret-o1").And.Not.Contain("Durand").And.Not.Contain("c2VjcmV0"));
}
