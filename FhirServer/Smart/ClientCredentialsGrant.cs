using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// SMART Backend Services (client_credentials with a signed client assertion, OpenIddict having authenticated the
/// client): a token for the <c>system/</c> scopes the client asked for and may have, its <c>sub</c> the client.
/// </summary>
public sealed class ClientCredentialsGrant(SmartSettings settings, ILogger<ClientCredentialsGrant> logger) : IOpenIddictServerHandler<OpenIddictServerEvents.HandleTokenRequestContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.HandleTokenRequestContext context)
    {
        if (!context.Request.IsClientCredentialsGrantType()) return default;
        var client = settings.Clients.Find(c => c.ClientId == context.ClientId);
        var requested = context.Request.GetScopes();
        if (client is null || requested.Any(s => !s.StartsWith("system/", StringComparison.Ordinal)))
        {
            context.Reject(Errors.InvalidScope, "A client_credentials token carries system/ scopes only.");
            return default;
        }
        var granted = SmartScopes.Grant(requested, client.Scopes);
        if (granted.Count == 0)
        {
            logger.LogInformation("Token refused to {Client}: none of the scopes {Scopes} is allowed", client.ClientId, string.Join(' ', requested));
            context.Reject(Errors.InvalidScope, "None of the scopes asked for is allowed to this client.");
            return default;
        }
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, client.ClientId);
        identity.SetClaim(Claims.ClientId, client.ClientId);
        identity.SetScopes(granted);
        identity.SetAccessTokenLifetime(TimeSpan.FromMinutes(settings.BackendTokenMinutes));
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        context.SignIn(new ClaimsPrincipal(identity));
        return default;
    }
}
