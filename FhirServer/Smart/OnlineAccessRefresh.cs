using System.Globalization;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// Refresh tokens for <c>online_access</c> (SMART App Launch "Scopes for requesting a refresh token": usable "for as long
/// as the end-user remains online"), which OpenIddict gives only for <c>offline_access</c>: one is issued too, expiring
/// when the sign-in it was granted in ends (<see cref="SmartSession.ExpiresClaim"/>), however often it is refreshed.
/// </summary>
public sealed class OnlineAccessRefresh(TimeProvider time) : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>
{
    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Token || context.Principal is not { } principal
            || !(context.Request.IsAuthorizationCodeGrantType() || context.Request.IsRefreshTokenGrantType())
            || !principal.HasScope("online_access") || principal.HasScope(Scopes.OfflineAccess))
            return default;
        if (!long.TryParse(principal.GetClaim(SmartSession.ExpiresClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return default;
        var left = DateTimeOffset.FromUnixTimeSeconds(seconds) - time.GetUtcNow();
        if (left <= TimeSpan.Zero) return default;
        principal.SetRefreshTokenLifetime(left);
        context.GenerateRefreshToken = true;
        context.IncludeRefreshToken = true;
        return default;
    }
}
