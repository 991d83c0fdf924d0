using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// The key each token is signed with, in place of OpenIddict's choice (its first signing key for everything): access
/// tokens with the newest ECDSA P-256 key (ES256, <see cref="SmartSettings.AccessTokenAlgorithm"/>; an ECDSA signature
/// costs a small part of an RSA-2048 one, which was a fifth of the token endpoint's time), every other token (identity
/// tokens, which OpenID Connect wants RS256, authorization codes, refresh tokens) with the newest RSA key, as before.
/// </summary>
public sealed class AccessTokenSigning(SmartSettings settings) : IOpenIddictServerHandler<OpenIddictServerEvents.GenerateTokenContext>
{
    /// <summary>Right after OpenIddict's <c>AttachSecurityCredentials</c>, before the token is made.</summary>
    public static int Order => OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor.Order + 1;

    public ValueTask HandleAsync(OpenIddictServerEvents.GenerateTokenContext context)
    {
        var ecdsa = context.TokenType == TokenTypeIdentifiers.AccessToken && settings.AccessTokenAlgorithm == "ES256";
        // The keys are added RSA first (SmartServer), newest first within each kind: the first of the kind is the newest.
        foreach (var credentials in context.Options.SigningCredentials)
        {
            if (ecdsa ? credentials.Key is ECDsaSecurityKey : credentials.Key is RsaSecurityKey)
            {
                context.SigningCredentials = credentials;
                break;
            }
        }
        return default;
    }
}
