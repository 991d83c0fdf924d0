using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Tests.Smart;

/// <summary>A backend client's key pair (RS384 or ES384), its public JWKS, and the client assertions it signs.</summary>
public sealed class TestKeys(string id = "1")
{
    public RSA Rsa { get; } = RSA.Create(2048);
    public ECDsa EcDsa { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP384);

    public string Jwks()
    {
        var rsa = Rsa.ExportParameters(false);
        var ec = EcDsa.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(
                new JsonObject { ["kty"] = "RSA", ["kid"] = "rsa-" + id, ["alg"] = "RS384", ["n"] = B64(rsa.Modulus!), ["e"] = B64(rsa.Exponent!) },
                new JsonObject { ["kty"] = "EC", ["kid"] = "ec-" + id, ["alg"] = "ES384", ["crv"] = "P-384", ["x"] = B64(ec.Q.X!), ["y"] = B64(ec.Q.Y!) }),
        }.ToJsonString();
    }

    public SigningCredentials Credentials(string alg) => alg switch
    {
        "RS384" => new SigningCredentials(new RsaSecurityKey(Rsa) { KeyId = "rsa-" + id }, SecurityAlgorithms.RsaSha384),
        "ES384" => new SigningCredentials(new ECDsaSecurityKey(EcDsa) { KeyId = "ec-" + id }, SecurityAlgorithms.EcdsaSha384),
        "RS256" => new SigningCredentials(new RsaSecurityKey(Rsa) { KeyId = "rsa-" + id }, SecurityAlgorithms.RsaSha256),
        _ => throw new ArgumentException(alg),
    };

    /// <summary>
    /// A client assertion as a SMART client library writes it (SMART App Launch 2.x client-confidential-asymmetric,
    /// "Authenticating to the Token endpoint"): header <c>alg</c>, <c>kid</c>, <c>typ: JWT</c>; iss = sub = client_id,
    /// aud = the token endpoint's URL, a fresh jti, exp at most five minutes ahead. The optional arguments make it wrong
    /// in one way at a time.
    /// </summary>
    public string Assertion(string clientId, string audience, string alg = "RS384", string? jti = null, DateTime? expires = null,
        string? typ = null, string? issuer = null, string? subject = null, DateTime? notBefore = null, string? kid = null,
        string? jku = null)
    {
        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddMinutes(4);
        var credentials = Credentials(alg);
        if (kid is not null) credentials.Key.KeyId = kid;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? clientId,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject ?? clientId, ["jti"] = jti ?? Guid.NewGuid().ToString("N") },
            Expires = exp,
            IssuedAt = exp.AddMinutes(-5),
            NotBefore = notBefore ?? exp.AddMinutes(-5),
            SigningCredentials = credentials,
            // Null: the handler's default header, typ JWT.
            TokenType = typ,
            AdditionalHeaderClaims = jku is null ? null : new Dictionary<string, object> { ["jku"] = jku },
        });
    }

    /// <summary>An unsigned token (alg none) with the claims of a valid assertion.</summary>
    public static string Unsigned(string clientId, string audience) =>
        B64(Encoding.UTF8.GetBytes("{\"alg\":\"none\",\"typ\":\"JWT\"}")) + "." + B64(Encoding.UTF8.GetBytes(Payload(clientId, audience))) + ".";

    /// <summary>HS256 with the client's public key (its JWKS text) as the shared secret: the key confusion attack.</summary>
    public string Hs256WithPublicKey(string clientId, string audience)
    {
        var header = B64(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"rsa-" + id + "\"}"));
        var body = B64(Encoding.UTF8.GetBytes(Payload(clientId, audience)));
        var signature = HMACSHA256.HashData(Rsa.ExportSubjectPublicKeyInfo(), Encoding.ASCII.GetBytes(header + "." + body));
        return header + "." + body + "." + B64(signature);
    }

    private static string Payload(string clientId, string audience) => new JsonObject
    {
        ["iss"] = clientId, ["sub"] = clientId, ["aud"] = audience, ["jti"] = Guid.NewGuid().ToString("N"),
        ["exp"] = DateTimeOffset.UtcNow.AddMinutes(4).ToUnixTimeSeconds(),
    }.ToJsonString();

    private static string B64(byte[] bytes) => Base64UrlEncoder.Encode(bytes);
}
