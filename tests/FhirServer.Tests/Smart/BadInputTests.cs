using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Tests.Smart;

/// <summary>
/// Bad input at the API and at the token endpoint: malformed JWTs, <c>alg: none</c>, HS256 with the server's public
/// key as the secret, oversized tokens, tokens of another kind, replayed or stolen refresh tokens, codes brought back
/// wrong — refused with the right 4xx, logged, never a 500. (Client assertions: <see cref="BackendServicesTests"/>;
/// the authorization endpoint: <see cref="AuthorizeRefusalTests"/>.)
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BadInputTests(string store) : SmartFlowTests(store)
{
    private const string Scope = "launch/patient patient/*.rs openid fhirUser offline_access";
    private JsonElement _genuine;

    [OneTimeSetUp]
    public async Task GenuineToken()
    {
        var (callback, verifier) = await Authorize("doctor", Scope, "pat1");
        _genuine = await Json(await Exchange(callback.Query["code"], verifier));
    }

    private string Access => _genuine.GetProperty("access_token").GetString()!;

    private async Task<IEnumerable<(string What, string Token)>> BadBearers()
    {
        var jwt = new JsonWebToken(Access);
        var jwks = await Client.GetStringAsync("/.well-known/jwks.json");
        var key = JsonDocument.Parse(jwks).RootElement.GetProperty("keys")[0];
        using var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters
        {
            Modulus = Base64UrlEncoder.DecodeBytes(key.GetProperty("n").GetString()),
            Exponent = Base64UrlEncoder.DecodeBytes(key.GetProperty("e").GetString()),
        });
        string Header(string alg) => Base64UrlEncoder.Encode($$"""{"alg":"{{alg}}","typ":"at+jwt","kid":"{{jwt.Kid}}"}""");
        string Hs256(byte[] secret)
        {
            var input = Header("HS256") + "." + jwt.EncodedPayload;
            return input + "." + Base64UrlEncoder.Encode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
        }
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload))!.AsObject();
        // Under the server's header limit (Server:MaxRequestHeaderBytes, 32 KiB): the token reaches its validation.
        payload["padding"] = new string('x', 20_000);
        var huge = Base64UrlEncoder.Encode(payload.ToJsonString());
        return
        [
            ("malformed", "not.a.jwt"),
            ("three dots", "..."),
            ("header not JSON", "bm90IGpzb24.e30.c2ln"),
            ("five parts (JWE-like)", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"),
            ("base64 noise", Convert.ToBase64String(new byte[300])),
            ("alg none", Header("none") + "." + jwt.EncodedPayload + "."),
            ("HS256 with the public key as JWK", Hs256(Encoding.UTF8.GetBytes(key.GetRawText()))),
            ("HS256 with the public key as PEM", Hs256(Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem()))),
            ("HS256 with the public key's DER", Hs256(rsa.ExportSubjectPublicKeyInfo())),
            ("oversized, the genuine signature", jwt.EncodedHeader + "." + huge + "." + jwt.EncodedSignature),
            ("oversized noise", new string('a', 300_000) + "." + new string('b', 10) + ".c"),
            ("an id_token", _genuine.GetProperty("id_token").GetString()!),
            ("a refresh token", _genuine.GetProperty("refresh_token").GetString()!),
            ("a client assertion", Keys.Assertion(BackendClient, TokenEndpoint)),
        ];
    }

    private static readonly (string Method, string Url, string? Body)[] Requests =
    [
        ("GET", "/Patient/pat1", null),
        ("GET", "/Observation?_include=Observation:subject", null),
        ("POST", "/", """{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/pat1"}}]}"""),
    ];

    [Test]
    public async Task Bad_bearer_tokens_are_401_invalid_token_and_logged()
    {
        foreach (var (what, token) in await BadBearers())
        foreach (var (method, url, json) in Requests)
        {
            Log.Warnings.Clear();
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/fhir+json");
            var response = await Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var where = $"{what}: {method} {url}";
            if (token.Length > 32 * 1024)
            {
                // Over the header limit: refused before any token is read, naming the limit.
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestHeaderFieldsTooLarge), where);
                Assert.That(body, Does.Contain("Server:MaxRequestHeaderBytes"));
                continue;
            }
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), where + " " + body);
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Bearer error=\"invalid_token\""), where);
            Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"), where);
            Assert.That(body, Does.Not.Contain("Martin"), where);
            Assert.That(Log.Warnings, Has.Some.Contains("Bearer token refused"), where);
            Assert.That(Log.Warnings, Has.None.Contains(token.Length > 40 ? token[^40..] : "\u0000"), "the token itself is not logged");
        }
        Assert.That((await Fhir(Access, "/Patient/pat1")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "the genuine token reads");
    }

    private async Task<(HttpResponseMessage Response, string Error)> Refused(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.AnyOf(400, 401), what + " " + body);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        // (Logged as OpenIddict has it then: a spent code or refresh token is invalid_token there, invalid_grant in the answer.)
        Assert.That(Log.Warnings, Has.Some.Contains("Token request of client").And.Contains("refused"), what);
        return (response, error);
    }

    [Test]
    public async Task A_refresh_token_used_again_after_rotation_is_refused_and_so_is_its_successor()
    {
        var (callback, verifier) = await Authorize("doctor", Scope, "pat1");
        var first = (await Json(await Exchange(callback.Query["code"], verifier))).GetProperty("refresh_token").GetString()!;
        var rotated = await Json(await PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = first }));
        var second = rotated.GetProperty("refresh_token").GetString()!;
        Assert.That(second, Is.Not.EqualTo(first));

        Log.Warnings.Clear();
        var (_, error) = await Refused(await PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = first }), "replay");
        Assert.That(error, Is.EqualTo("invalid_grant"));
        // A replay is a sign of theft: the authorization's tokens are revoked, the thief's and the app's alike.
        (_, error) = await Refused(await PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = second }), "successor");
        Assert.That(error, Is.EqualTo("invalid_grant"));
    }

    [Test]
    public async Task A_refresh_token_or_a_code_is_bound_to_its_client()
    {
        Log.Warnings.Clear();
        var refresh = _genuine.GetProperty("refresh_token").GetString()!;
        var (_, error) = await Refused(await PostToken(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh }, ConfidentialApp, AppSecret),
            "another client's refresh token");
        Assert.That(error, Is.EqualTo("invalid_grant"));

        var (callback, verifier) = await Authorize("doctor", Scope, "pat1");
        (_, error) = await Refused(await Exchange(callback.Query["code"], verifier, ConfidentialApp, AppSecret), "another client's code");
        Assert.That(error, Is.EqualTo("invalid_grant"));
    }

    [Test]
    public async Task A_code_with_another_redirect_uri_without_verifier_or_forged_is_refused()
    {
        Log.Warnings.Clear();
        var (callback, verifier) = await Authorize("doctor", Scope, "pat1");
        var code = callback.Query["code"];
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = "https://evil.example/callback", ["code_verifier"] = verifier,
        };
        var (_, error) = await Refused(await PostToken(form), "another redirect_uri");
        Assert.That(error, Is.EqualTo("invalid_grant"));

        (callback, _) = await Authorize("doctor", Scope, "pat1");
        form = new() { ["grant_type"] = "authorization_code", ["code"] = callback.Query["code"], ["redirect_uri"] = AppBrowser.RedirectUri };
        (_, error) = await Refused(await PostToken(form), "no code_verifier");
        Assert.That(error, Is.AnyOf("invalid_request", "invalid_grant"));

        form = new() { ["grant_type"] = "authorization_code", ["code"] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(64)),
            ["redirect_uri"] = AppBrowser.RedirectUri, ["code_verifier"] = verifier };
        (_, error) = await Refused(await PostToken(form), "forged code");
        Assert.That(error, Is.EqualTo("invalid_grant"));
    }

    // SMART client-confidential-symmetric: "not intended for SMART Backend Services clients".
    [Test]
    public async Task A_client_with_a_secret_gets_no_client_credentials_token()
    {
        Log.Warnings.Clear();
        var (_, error) = await Refused(await PostToken(new() { ["grant_type"] = "client_credentials", ["scope"] = "system/Patient.rs" },
            ConfidentialApp, AppSecret), "client_credentials with a secret");
        Assert.That(error, Is.AnyOf("unauthorized_client", "invalid_client"));
    }
}
