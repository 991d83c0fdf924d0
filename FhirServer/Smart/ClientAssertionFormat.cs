using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// Client assertions as SMART clients write them (SMART App Launch 2.x client-confidential-asymmetric,
/// "Authenticating to the Token endpoint"), checked before OpenIddict validates the JWT: header <c>typ: JWT</c> (OpenIddict
/// alone takes only <c>client-authentication+jwt</c>), <c>aud</c> the token endpoint's URL (beside the issuer, which
/// OpenIddict takes), signed RS384 or ES384 (nothing else, so neither <c>none</c> nor HS256 with a public key as the
/// secret), by the key its <c>kid</c> names in the client's JSON Web Key Set, inline or fetched from its <c>JwksUri</c>
/// (<see cref="ClientJwks"/>; a <c>jku</c> header must be that URL). An assertion longer than
/// <see cref="SmartSettings.MaxClientAssertionLength"/> is refused unread. Every refusal is <c>invalid_client</c>.
/// </summary>
public sealed class ClientAssertionFormat(SmartSettings settings, ClientJwks jwks, ILogger<ClientAssertionFormat> logger)
    : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
{
    public static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha384, SecurityAlgorithms.EcdsaSha384];

    /// <summary>Between OpenIddict's choice of validation parameters and its validation of the JWT.</summary>
    public static int Order => OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500;

    public static bool IsClientAssertion(OpenIddictServerEvents.ValidateTokenContext context) =>
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion);

    public async ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
    {
        if (!IsClientAssertion(context)) return;
        if (context.Token.Length > settings.MaxClientAssertionLength)
        {
            Refuse(context, $"The client assertion is {context.Token.Length} characters long, more than Smart:MaxClientAssertionLength ({settings.MaxClientAssertionLength}).");
            return;
        }
        var parameters = context.TokenValidationParameters;
        parameters.ValidTypes = [.. parameters.ValidTypes ?? [], JsonWebTokenTypes.GenericJsonWebToken, "application/jwt"];
        parameters.ValidAlgorithms = Algorithms;
        context.ValidAudiences.Add(TokenEndpoint(context));
        // A signed JWT in compact form (three parts), not an encrypted one (five), which nothing here could decrypt.
        if (context.Token.Count(c => c == '.') != 2 || !TryRead(context.Token, out var issuer, out var kid, out var jku, out var alg))
        {
            Refuse(context, "The client assertion is not a signed JWT (JWS compact serialization).");
            return;
        }
        var client = settings.Clients.Find(c => c.IsAsymmetric && c.ClientId == issuer);
        if (client is null)
        {
            Refuse(context, "The client assertion's iss is no client registered with a key set.");
            return;
        }
        if (jku is not null && jku != client.JwksUri)
        {
            Refuse(context, "The client assertion's jku header is not the JWKS URL registered for the client.");
            return;
        }
        if (kid is null)
        {
            Refuse(context, "The client assertion has no kid header naming the key that signed it.");
            return;
        }
        var (keys, problem) = await jwks.KeysAsync(client, kid, context.CancellationToken);
        // SMART client-confidential-asymmetric, "Signature verification", step 3: the single key with that kid whose
        // kty fits the alg; none, or more than one, and the verification fails.
        var candidates = keys.Where(k => k.KeyId == kid && KeyType(k) == (alg?.StartsWith("ES", StringComparison.Ordinal) == true ? "EC" : "RSA")).ToList();
        if (problem is not null || candidates.Count != 1)
        {
            Refuse(context, problem ?? (candidates.Count == 0
                ? $"The client's JSON Web Key Set has no key '{kid}' for {alg}."
                : $"The client's JSON Web Key Set has {candidates.Count} keys '{kid}' for {alg}: which one signed is ambiguous."));
            return;
        }
        // The keys of the client the assertion names, resolved here (asynchronously, from the configuration or the
        // client's URL) in place of OpenIddict's per-assertion look-up in its application store.
        parameters.IssuerSigningKeyResolver = null;
        parameters.IssuerSigningKeys = candidates;
    }

    /// <summary>The token endpoint's URL under the issuer (or under the base of the request when none is configured).</summary>
    private static string TokenEndpoint(OpenIddictServerEvents.ValidateTokenContext context)
    {
        var issuer = (context.Options.Issuer ?? context.BaseUri)!.AbsoluteUri;
        return new Uri(new Uri(issuer.EndsWith('/') ? issuer : issuer + "/"), SmartServer.TokenPath[1..]).AbsoluteUri;
    }

    private static string? KeyType(SecurityKey key) => key switch
    {
        RsaSecurityKey => "RSA",
        X509SecurityKey x509 => x509.PublicKey is System.Security.Cryptography.RSA ? "RSA" : "EC",
        ECDsaSecurityKey => "EC",
        JsonWebKey jwk => jwk.Kty,
        _ => null,
    };

    private static bool TryRead(string token, out string? issuer, out string? kid, out string? jku, out string? alg)
    {
        issuer = kid = jku = alg = null;
        try
        {
            var jwt = new JsonWebToken(token);
            alg = jwt.Alg;
            jwt.TryGetPayloadValue("iss", out issuer);
            jwt.TryGetHeaderValue("kid", out kid);
            jwt.TryGetHeaderValue("jku", out jku);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private void Refuse(OpenIddictServerEvents.ValidateTokenContext context, string problem)
    {
        logger.LogWarning("Client assertion refused: {Problem}", problem);
        context.Reject(Errors.InvalidClient, problem);
    }
}
