using Microsoft.Extensions.Caching.Memory;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// What SMART Backend Services ("Authenticating to the token endpoint") adds to OpenIddict's checks of a client
/// assertion, once its signature, issuer and audience are verified: a <c>jti</c>, never seen before for that client
/// while the assertion is valid, an <c>exp</c> no more than five minutes ahead, and no <c>nbf</c> ahead.
/// </summary>
public sealed class ClientAssertionReplay(IMemoryCache seen, TimeProvider time, ILogger<ClientAssertionReplay> logger)
    : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessAuthenticationContext>
{
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);
    private readonly Lock _gate = new();

    public ValueTask HandleAsync(OpenIddictServerEvents.ProcessAuthenticationContext context)
    {
        var principal = context.ClientAssertionPrincipal!;
        var jti = principal.GetClaim(Claims.JwtId);
        var expires = principal.GetExpirationDate();
        var now = time.GetUtcNow();
        string? problem = null;
        if (string.IsNullOrEmpty(jti)) problem = "The client assertion has no jti.";
        else if (expires is null) problem = "The client assertion has no exp.";
        else if (expires > now + MaxLifetime + Skew) problem = "The client assertion's exp is more than five minutes ahead.";
        // OpenIddict checks exp only; a JWT is not accepted before its nbf (RFC 7519 section 4.1.5).
        else if (long.TryParse(principal.GetClaim(Claims.NotBefore), out var nbf) && DateTimeOffset.FromUnixTimeSeconds(nbf) > now + Skew)
            problem = "The client assertion is not valid yet (its nbf is ahead).";
        else
        {
            // The key lives as long as the assertion could still be accepted; the cache is this server's memory, so
            // several servers behind one address each keep their own (docs/authorization.md).
            var key = "client-assertion:" + principal.GetClaim(Claims.Issuer) + ":" + jti;
            lock (_gate)
            {
                if (seen.TryGetValue(key, out _)) problem = "The client assertion was already used (its jti was seen).";
                else seen.Set(key, true, expires.Value + Skew);
            }
        }
        if (problem is not null)
        {
            logger.LogWarning("Client assertion refused: {Problem}", problem);
            context.Reject(Errors.InvalidClient, problem);
        }
        return default;
    }
}
