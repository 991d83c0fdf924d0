using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// Access tokens name this server as their audience, and the server takes only those (SMART App Launch 2.x: a token is
/// for the FHIR server it was asked for; RFC 9068 section 4: a resource server refuses a token whose <c>aud</c> does
/// not name it). On issue, a token with no resource of its own gets the server's base URL (the issuer, configured or
/// the request's); on validation a token without it — another server's, or made without an audience — is refused as
/// <c>invalid_token</c>.
/// </summary>
public sealed class AccessTokenAudience(ServerSettings server)
    : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>, IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
{
    /// <summary>Before OpenIddict copies the principal's resources into the access token's audiences.</summary>
    public static int SignInOrder => OpenIddictServerHandlers.PrepareAccessTokenPrincipal.Descriptor.Order - 500;

    /// <summary>Before OpenIddict's check of a token's audiences against the valid ones.</summary>
    public static int ValidationOrder => OpenIddictValidationHandlers.Protection.ValidateAudiences.Descriptor.Order - 500;

    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        if (context.Principal is { } principal && principal.GetResources().IsDefaultOrEmpty)
            principal.SetResources(Audience(context.Options.Issuer ?? context.BaseUri));
        return default;
    }

    public ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
    {
        if (!context.ValidTokenTypes.Contains(TokenTypeIdentifiers.AccessToken)) return default;
        var audience = Audience(SmartServer.Issuer(server) ?? context.BaseUri);
        context.ValidAudiences.Add(audience);
        context.ValidAudiences.Add(audience + "/");
        return default;
    }

    /// <summary>The FHIR base URL, without a trailing slash, as SMART clients write it in <c>aud</c>.</summary>
    private static string Audience(Uri? issuer) =>
        issuer?.AbsoluteUri.TrimEnd('/') ?? throw new InvalidOperationException("No issuer to name as the access token's audience.");
}
