using System.Security.Claims;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// The claims a valid bearer token gives <c>HttpContext.User</c>, as the enforcement reads them
/// (docs/authorization.md, "Claims"): <c>scope</c> once per granted scope, <c>client_id</c>, <c>sub</c>, and
/// <c>patient</c>, <c>encounter</c>, <c>fhirUser</c> when the token has them.
/// </summary>
public sealed class ContractClaims : IOpenIddictValidationHandler<OpenIddictValidationEvents.ProcessAuthenticationContext>
{
    public const string Scope = "scope";
    public const string ClientId = "client_id";
    public const string Patient = "patient";
    public const string Encounter = "encounter";
    public const string FhirUser = "fhirUser";

    public ValueTask HandleAsync(OpenIddictValidationEvents.ProcessAuthenticationContext context)
    {
        if (context.AccessTokenPrincipal?.Identity is not ClaimsIdentity identity) return default;
        var scopes = context.AccessTokenPrincipal.GetScopes();
        // The token's scopes as one claim each, in place of a space-separated one.
        foreach (var claim in identity.FindAll(Scope).ToList()) identity.RemoveClaim(claim);
        foreach (var scope in scopes) identity.AddClaim(new Claim(Scope, scope));
        if (identity.FindFirst(ClientId) is null && context.AccessTokenPrincipal.GetPresenters().FirstOrDefault() is { } presenter)
            identity.AddClaim(new Claim(ClientId, presenter));
        if (identity.FindFirst(Claims.Subject) is null && identity.FindFirst(ClientId) is { } client)
            identity.AddClaim(new Claim(Claims.Subject, client.Value));
        return default;
    }
}
