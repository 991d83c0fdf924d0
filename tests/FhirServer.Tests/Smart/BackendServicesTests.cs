using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FhirServer.Tests.Smart;

[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BackendServicesTests(string store) : SmartServerTests(store)
{
    [TestCase("RS384")]
    [TestCase("ES384")]
    public async Task Client_credentials_with_a_signed_assertion_gives_a_token_with_the_contract_claims(string alg)
    {
        var token = await AccessToken(alg);
        var jwt = new JsonWebToken(token);
        Assert.That(jwt.Alg, Is.EqualTo("RS256"), "the server's own RSA key signs");
        Assert.That(jwt.GetClaim("client_id").Value, Is.EqualTo(BackendClient));

        var claims = await UserClaims(token);
        Assert.That(claims, Is.Not.Null, "a valid bearer token authenticates HttpContext.User");
        Assert.That(claims!["scope"], Is.EquivalentTo(new[] { "system/Observation.rs", "system/Patient.rs" }), "one claim per scope");
        Assert.That(claims["client_id"], Is.EqualTo(new[] { BackendClient }));
        Assert.That(claims["sub"], Is.EqualTo(new[] { BackendClient }));
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
        await AssertInvalidClient(await RequestToken(assertion), "replayed");
    }

    [Test]
    public async Task Unsigned_hs256_and_expired_assertions_are_refused_as_invalid_client()
    {
        foreach (var (what, assertion) in new[]
        {
            ("alg none", TestKeys.Unsigned(BackendClient, TokenEndpoint)),
            ("HS256 with the public key", Keys.Hs256WithPublicKey(BackendClient, TokenEndpoint)),
            ("expired", Keys.Assertion(BackendClient, TokenEndpoint, expires: DateTime.UtcNow.AddMinutes(-10))),
            ("too long", Keys.Assertion(BackendClient, TokenEndpoint, expires: DateTime.UtcNow.AddMinutes(30))),
            ("other audience", Keys.Assertion(BackendClient, "https://elsewhere.example/token")),
            ("malformed", "not.a.jwt"),
        })
        {
            await AssertInvalidClient(await RequestToken(assertion), what);
        }
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

    private FormUrlEncodedContent Form(string token) => new(new Dictionary<string, string>
    {
        ["token"] = token,
        ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ["client_assertion"] = Keys.Assertion(BackendClient, TokenEndpoint),
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
