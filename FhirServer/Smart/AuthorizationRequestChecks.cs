using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// What SMART App Launch adds to OpenIddict's checks of an authorization request, once the client and its
/// redirect_uri are known good (so the error goes back to the app): a <c>state</c> (SMART: "REQUIRED"), and an
/// <c>aud</c>, when given, naming this FHIR server (SMART: the server "SHALL reject any authorization request that
/// specifies an aud for a different resource server").
/// </summary>
public sealed class AuthorizationRequestChecks(ServerSettings server, ILogger<AuthorizationRequestChecks> logger)
    : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateAuthorizationRequestContext context)
    {
        string? problem = null;
        if (string.IsNullOrEmpty(context.Request.State)) problem = "The state parameter is required.";
        else if ((string?)context.Request.GetParameter("aud") is { } aud)
        {
            var fhirBase = (SmartServer.Issuer(server) ?? context.BaseUri)?.AbsoluteUri.TrimEnd('/');
            if (!string.Equals(aud.TrimEnd('/'), fhirBase, StringComparison.OrdinalIgnoreCase))
                problem = $"aud '{aud}' is not this FHIR server ({fhirBase}).";
        }
        if (problem is not null)
        {
            logger.LogInformation("Authorization request of {Client} refused: {Problem}", context.ClientId, problem);
            context.Reject(Errors.InvalidRequest, problem);
        }
        return default;
    }
}
