using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// OpenIddict names a validated JWT's type by its <c>typ</c> header, and reads <c>typ: JWT</c> as an identity token; a
/// SMART client assertion has that header (client-confidential-asymmetric: "typ: fixed value JWT"), and is a client
/// assertion all the same. Without this OpenIddict, expecting a client assertion, would fail on the type it found.
/// </summary>
public sealed class ClientAssertionType : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
{
    /// <summary>Right after OpenIddict's validation of the JWT, before anything reads the type.</summary>
    public static int Order => OpenIddictServerHandlers.Protection.ValidateIdentityModelToken.Descriptor.Order + 500;

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
    {
        if (ClientAssertionFormat.IsClientAssertion(context) && context.Principal?.GetTokenType() == TokenTypeIdentifiers.IdentityToken)
            context.Principal.SetTokenType(TokenTypeIdentifiers.Private.ClientAssertion);
        return default;
    }
}
