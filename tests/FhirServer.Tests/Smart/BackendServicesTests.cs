using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Tests.Smart;

[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BackendServicesTests(string store) : SmartServerTests(store)
{
    private readonly TestKeys _other = new("2");

    // Two more clients whose key sets share one kid: "mixed" an EC and an RSA key (the alg tells them apart), "twins"
    // two RSA keys (nothing does).
    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        string Rsa(System.Security.Cryptography.RSA rsa)
        {
            var p = rsa.ExportParameters(false);
            return $$"""{"kty":"RSA","kid":"k","n":"{{Base64UrlEncoder.Encode(p.Modulus)}}","e":"{{Base64UrlEncoder.Encode(p.Exponent)}}"}""";
        }
        var q = Keys.EcDsa.ExportParameters(false).Q;
        var ec = $$"""{"kty":"EC","kid":"k","crv":"P-384","x":"{{Base64UrlEncoder.Encode(q.X)}}","y":"{{Base64UrlEncoder.Encode(q.Y)}}"}""";
        foreach (var (i, id, jwks) in new[] { (1, "mixed", $$"""{"keys":[{{ec}},{{Rsa(Keys.Rsa)}}]}"""), (2, "twins", $$"""{"keys":[{{Rsa(_other.Rsa)}},{{Rsa(Keys.Rsa)}}]}""") })
        {
            settings[$"Smart:Clients:{i}:ClientId"] = id;
            settings[$"Smart:Clients:{i}:Type"] = "asymmetric";
            settings[$"Smart:Clients:{i}:Jwks"] = jwks;
            settings[$"Smart:Clients:{i}:Scopes:0"] = "system/*.rs";
        }
        return settings;
    }

    // SMART client-confidential-asymmetric, "Signature verification", step 3.
    [Test]
    public async Task A_key_is_chosen_by_kid_and_key_type_and_an_ambiguous_kid_is_refused()
    {
        foreach (var alg in new[] { "RS384", "ES384" })
            Assert.That((await RequestToken(Keys.Assertion("mixed", TokenEndpoint, alg, kid: "k"))).StatusCode, Is.EqualTo(HttpStatusCode.OK), alg);
        Log.Warnings.Clear();
        await AssertInvalidClient(await RequestToken(Keys.Assertion("twins", TokenEndpoint, kid: "k")), "two RSA keys with one kid");
        Assert.That(Log.Warnings, Has.Some.Contains("ambiguous"));
    }

    [TestCase("RS384")]
    [TestCase("ES384")]
    public async Task Client_credentials_with_a_signed_assertion_gives_a_token_with_the_contract_claims(string alg)
    {
        var token = await AccessToken(alg);
        var jwt = new JsonWebToken(token);
        Assert.That(jwt.Alg, Is.EqualTo("ES256"), "the server's own ECDSA key signs access tokens");
        Assert.That(jwt.Kid, Does.StartWith("ecdsa-"));
        Assert.That(jwt.GetClaim("client_id").Value, Is.EqualTo(BackendClient));

        var claims = await UserClaims(token);
        Assert.That(claims, Is.Not.Null, "a valid bearer token authenticates HttpContext.User");
        Assert.That(claims!["scope"], Is.EquivalentTo(new[] { "system/Observation.rs", "system/Patient.rs" }), "one claim per scope");
        Assert.That(claims["client_id"], Is.EqualTo(new[] { BackendClient }));
        Assert.That(claims["sub"], Is.EqualTo(new[] { BackendClient }));
    }

    // SMART Backend Services "Issue access token": bearer, short-lived (expires_in at most 300), scope; RFC 6749 5.1: not cached.
    [Test]
    public async Task The_token_response_is_short_lived_and_not_cached_and_introspection_agrees()
    {
        var response = await RequestToken(Keys.Assertion(BackendClient, TokenEndpoint));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        Assert.That(response.Headers.Pragma.ToString(), Is.EqualTo("no-cache"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.That(body.GetProperty("token_type").GetString(), Is.EqualTo("Bearer").IgnoreCase);
        var expiresIn = body.GetProperty("expires_in").GetInt64();
        Assert.That(expiresIn, Is.InRange(1, 300));
        Assert.That(body.GetProperty("scope").GetString(), Is.Not.Empty);

        var introspected = await Introspect(body.GetProperty("access_token").GetString()!);
        var expected = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + expiresIn;
        Assert.That(introspected.GetProperty("exp").GetInt64(), Is.InRange(expected - 60, expected + 5), "exp agrees with expires_in");
    }

    [Test]
    public async Task Only_allowed_scopes_are_granted()
    {
        var token = await AccessToken(scope: "system/Observation.rs system/Observation.cud");
        var claims = await UserClaims(token);
        Assert.That(claims!["scope"], Is.EqualTo(new[] { "system/Observation.rs" }));

        var refused = await RequestToken(Keys.Assertion(BackendClient, TokenEndpoint), "system/Observation.cud");
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await Error(refused), Is.EqualTo("invalid_scope"));
    }

    [Test]
    public async Task A_replayed_assertion_is_refused()
    {
        var assertion = Keys.Assertion(BackendClient, TokenEndpoint);
        Assert.That((await RequestToken(assertion)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Log.Warnings.Clear();
        await AssertInvalidClient(await RequestToken(assertion), "replayed");
        Assert.That(Log.Warnings, Has.Some.Contains("refused: invalid_client"));
    }

    [Test]
    public async Task An_assertion_in_openiddicts_own_form_is_accepted_too()
    {
        // RFC 7523bis: typ client-authentication+jwt, aud the issuer.
        var assertion = Keys.Assertion(BackendClient, Client.BaseAddress!.AbsoluteUri, typ: "client-authentication+jwt");
        Assert.That((await RequestToken(assertion)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private static readonly string Huge = new('a', 20_000);

    private IEnumerable<(string What, string Assertion)> BadAssertions()
    {
        var now = DateTime.UtcNow;
        yield return ("alg none", TestKeys.Unsigned(BackendClient, TokenEndpoint));
        yield return ("HS256 with the public key", Keys.Hs256WithPublicKey(BackendClient, TokenEndpoint));
        yield return ("RS256, not offered", Keys.Assertion(BackendClient, TokenEndpoint, "RS256"));
        yield return ("bad signature", new TestKeys().Assertion(BackendClient, TokenEndpoint));
        yield return ("unknown kid", Keys.Assertion(BackendClient, TokenEndpoint, kid: "rsa-9"));
        yield return ("expired", Keys.Assertion(BackendClient, TokenEndpoint, expires: now.AddMinutes(-10)));
        yield return ("not yet valid", Keys.Assertion(BackendClient, TokenEndpoint, notBefore: now.AddMinutes(3)));
        yield return ("too long", Keys.Assertion(BackendClient, TokenEndpoint, expires: now.AddMinutes(30)));
        yield return ("other audience", Keys.Assertion(BackendClient, "https://elsewhere.example/token"));
        yield return ("the introspection endpoint as audience", Keys.Assertion(BackendClient, TokenEndpoint.Replace("token", "introspect")));
        yield return ("other issuer", Keys.Assertion(BackendClient, TokenEndpoint, issuer: "someone"));
        yield return ("other subject", Keys.Assertion(BackendClient, TokenEndpoint, subject: "someone"));
        yield return ("an access token's type", Keys.Assertion(BackendClient, TokenEndpoint, typ: "at+jwt"));
        yield return ("oversized", Keys.Assertion(BackendClient, TokenEndpoint, jti: Huge));
        yield return ("malformed", "not.a.jwt");
        yield return ("three dots", "...");
        yield return ("header not JSON", "bm90IGpzb24.e30.c2ln");
        yield return ("five parts", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d");
        yield return ("base64 noise", Convert.ToBase64String(new byte[300]));
        yield return ("huge noise", Huge + "." + Huge);
    }

    [Test]
    public async Task Bad_assertions_are_refused_as_invalid_client_and_logged()
    {
        foreach (var (what, assertion) in BadAssertions())
        {
            Log.Warnings.Clear();
            await AssertInvalidClient(await RequestToken(assertion), what);
            Assert.That(Log.Warnings, Has.Some.Contains("refused"), what);
        }
    }

    [Test]
    public async Task Bad_assertions_are_refused_at_introspection_and_revocation_too()
    {
        var token = await AccessToken();
        foreach (var path in new[] { "/auth/introspect", "/auth/revoke" })
            foreach (var (what, assertion) in BadAssertions().Take(5))
                await AssertInvalidClient(await Client.PostAsync(path, Form(token, assertion)), $"{path}: {what}");
        Assert.That(await UserClaims(token), Is.Not.Null, "still valid: no revocation went through");
    }

    [Test]
    public async Task Introspection_and_revocation()
    {
        var token = await AccessToken();
        var active = await Introspect(token);
        Assert.That(active.GetProperty("active").GetBoolean(), Is.True);
        Assert.That(active.GetProperty("client_id").GetString(), Is.EqualTo(BackendClient));
        Assert.That(active.GetProperty("scope").GetString()!.Split(' '), Is.EquivalentTo(new[] { "system/Observation.rs", "system/Patient.rs" }));
        Assert.That(active.TryGetProperty("exp", out _), Is.True);

        var revoked = await Client.PostAsync("/auth/revoke", Form(token));
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.OK), await revoked.Content.ReadAsStringAsync());
        Assert.That((await Introspect(token)).GetProperty("active").GetBoolean(), Is.False);
        Assert.That(await UserClaims(token), Is.Null, "a revoked token no longer authenticates");
    }

    private FormUrlEncodedContent Form(string token, string? assertion = null) => new(new Dictionary<string, string>
    {
        ["token"] = token,
        ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ["client_assertion"] = assertion ?? Keys.Assertion(BackendClient, TokenEndpoint),
    });

    private async Task<JsonElement> Introspect(string token)
    {
        var response = await Client.PostAsync("/auth/introspect", Form(token));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    // RFC 6749 section 5.2: invalid_client is 400, or 401 as OpenIddict answers it; never a 500.
    private static async Task AssertInvalidClient(HttpResponseMessage response, string what)
    {
        Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized), what);
        Assert.That(await Error(response), Is.EqualTo("invalid_client"), what);
    }

    private static async Task<string?> Error(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
}
