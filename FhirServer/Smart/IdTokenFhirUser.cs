using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace FhirServer.Smart;

/// <summary>
/// The <c>fhirUser</c> claim of an id_token is the URL of the user's resource (SMART App Launch "Scopes for requesting
/// identity data": a FHIR resource URL), the FHIR base being the issuer; access tokens keep the relative reference the
/// enforcement reads.
/// </summary>
public sealed class IdTokenFhirUser : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        if (context.IdentityTokenPrincipal is not { } principal || principal.GetClaim(ContractClaims.FhirUser) is not { } fhirUser
            || Uri.IsWellFormedUriString(fhirUser, UriKind.Absolute) || (context.Options.Issuer ?? context.BaseUri) is not { } issuer
            || principal.Identity is not ClaimsIdentity identity)
            return default;
        identity.SetClaim(ContractClaims.FhirUser, new Uri(issuer, fhirUser).AbsoluteUri);
        return default;
    }
}
