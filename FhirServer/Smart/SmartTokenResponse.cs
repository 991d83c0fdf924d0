using System.Text.Json;
using OpenIddict.Abstractions;
using OpenIddict.Server;

namespace FhirServer.Smart;

/// <summary>
/// The token response as SMART App Launch writes it ("Response" of the token request): <c>scope</c> always, and for a
/// user's authorization <c>patient</c>, <c>encounter</c>, <c>fhirContext</c>, <c>need_patient_banner</c> and
/// <c>smart_style_url</c> — from the authorization code or refresh token, so a refresh answers with the same context.
/// </summary>
public sealed class SmartTokenResponse(SmartSettings settings) : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Token || context.Principal is not { } principal) return default;
        var response = context.Response;
        response.Scope ??= string.Join(' ', principal.GetScopes());
        if (principal.GetClaim(ContractClaims.Patient) is { } patient) response[ContractClaims.Patient] = patient;
        if (principal.GetClaim(ContractClaims.Encounter) is { } encounter) response[ContractClaims.Encounter] = encounter;
        if (principal.GetClaim(SmartSignIn.FhirContextClaim) is { } fhirContext)
            response["fhirContext"] = JsonSerializer.Deserialize<JsonElement>(fhirContext);
        if (principal.GetClaim(SmartSignIn.NeedPatientBannerClaim) is { } banner)
        {
            response["need_patient_banner"] = banner == "true";
            if (settings.StyleUrl is { } style) response["smart_style_url"] = style;
        }
        return default;
    }
}
