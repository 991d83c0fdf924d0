using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// The principal of an authorization the user allowed: the claims of the contract (docs/authorization.md) for the
/// access token — <c>sub</c>, <c>client_id</c>, <c>fhirUser</c>, <c>patient</c>, <c>encounter</c>, the scopes — and,
/// kept in the authorization code and the refresh tokens only, what the token response adds (<c>fhirContext</c>,
/// <c>need_patient_banner</c>), when the sign-in ends, and its id. A refresh token carries them all, so a refresh keeps the
/// launch context.
/// </summary>
public static class SmartSignIn
{
    public const string FhirContextClaim = "smart_fhir_context";
    public const string NeedPatientBannerClaim = "smart_need_patient_banner";

    public static ClaimsPrincipal Principal(SignedInUser user, SmartClient client, IReadOnlyList<string> scopes, string? patient,
        string? encounter, LaunchContext? launch, DateTimeOffset sessionExpires, string? sessionId = null)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject);
        identity.SetClaim(ContractClaims.ClientId, client.ClientId);
        identity.SetClaim(ContractClaims.FhirUser, user.FhirUser);
        identity.SetClaim(ContractClaims.Patient, patient);
        identity.SetClaim(ContractClaims.Encounter, encounter);
        if (launch?.FhirContext is { Count: > 0 } context) identity.SetClaim(FhirContextClaim, context.ToJsonString());
        // SMART App Launch: a standalone launch has no EHR around the app to show the patient.
        identity.SetClaim(NeedPatientBannerClaim, launch?.NeedPatientBanner ?? true ? "true" : "false");
        identity.SetClaim(SmartSession.ExpiresClaim, sessionExpires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        identity.SetClaim(SmartSession.SessionIdClaim, sessionId);
        identity.SetScopes(scopes);
        var openId = scopes.Contains(Scopes.OpenId);
        var fhirUserInIdToken = openId && scopes.Contains("fhirUser");
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => openId ? [Destinations.AccessToken, Destinations.IdentityToken] : [Destinations.AccessToken],
            ContractClaims.FhirUser => fhirUserInIdToken ? [Destinations.AccessToken, Destinations.IdentityToken] : [Destinations.AccessToken],
            ContractClaims.ClientId or ContractClaims.Patient or ContractClaims.Encounter => [Destinations.AccessToken],
            _ => [],
        });
        return new ClaimsPrincipal(identity);
    }
}
