using System.Text.Json;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// Ties each authorization a user grants to the sign-in it was granted in, so that signing out ends online access
/// (SMART App Launch "Scopes for requesting a refresh token": an <c>online_access</c> refresh token is usable only while
/// the user's session is active). At the authorization endpoint, in place of OpenIddict's ad-hoc authorization, one is
/// created the same way with the session's id among its properties; every token derived from the code (access and
/// refresh tokens, and those of each refresh) carries its id. At sign-out, <see cref="RevokeOnlineAsync"/> revokes the
/// session's authorizations that have <c>online_access</c> without <c>offline_access</c>, and their tokens: the refresh
/// token is then refused (<c>invalid_grant</c>), introspection says <c>active: false</c>, and the access tokens stop
/// authenticating. <c>offline_access</c> authorizations outlive the session, as SMART says.
/// </summary>
public sealed class SessionAuthorizations(IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations,
    IOpenIddictTokenManager tokens, ILogger<SessionAuthorizations> logger) : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>
{
    /// <summary>The authorization's property holding the session id.</summary>
    public const string SessionProperty = "smart_session_id";

    public static int Order => OpenIddictServerHandlers.AttachAuthorization.Descriptor.Order - 1;

    public async ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Authorization || !context.GenerateAuthorizationCode
            || context.Principal is not { } principal || !string.IsNullOrEmpty(principal.GetAuthorizationId())
            || principal.GetClaim(SmartSession.SessionIdClaim) is not { Length: > 0 } session)
            return;
        // What OpenIddict's AttachAuthorization does, plus the session.
        var descriptor = new OpenIddictAuthorizationDescriptor
        {
            CreationDate = DateTimeOffset.UtcNow,
            Principal = principal,
            Status = Statuses.Valid,
            Subject = principal.GetClaim(Claims.Subject),
            Type = AuthorizationTypes.AdHoc,
        };
        descriptor.Scopes.UnionWith(principal.GetScopes());
        descriptor.Properties[SessionProperty] = JsonSerializer.SerializeToElement(session);
        if (!string.IsNullOrEmpty(context.Request.ClientId))
        {
            var application = await applications.FindByClientIdAsync(context.Request.ClientId, context.CancellationToken)
                ?? throw new InvalidOperationException($"The client {context.Request.ClientId} is not in the application store.");
            descriptor.ApplicationId = await applications.GetIdAsync(application, context.CancellationToken);
        }
        var authorization = await authorizations.CreateAsync(descriptor, context.CancellationToken);
        principal.SetAuthorizationId(await authorizations.GetIdAsync(authorization, context.CancellationToken));
    }

    /// <summary>
    /// Revokes the <c>online_access</c> authorizations (without <c>offline_access</c>) granted by <paramref name="subject"/>
    /// in the sign-in <paramref name="session"/>, and every token of theirs. Returns how many authorizations.
    /// </summary>
    public async Task<int> RevokeOnlineAsync(string subject, string session, CancellationToken ct)
    {
        var ended = new List<(object Authorization, string Id)>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(subject, ct))
        {
            if (await authorizations.GetStatusAsync(authorization, ct) != Statuses.Valid) continue;
            var properties = await authorizations.GetPropertiesAsync(authorization, ct);
            if (!properties.TryGetValue(SessionProperty, out var value) || value.ValueKind != JsonValueKind.String || value.GetString() != session)
                continue;
            var scopes = await authorizations.GetScopesAsync(authorization, ct);
            if (!scopes.Contains("online_access") || scopes.Contains(Scopes.OfflineAccess)) continue;
            ended.Add((authorization, (await authorizations.GetIdAsync(authorization, ct))!));
        }
        foreach (var (authorization, id) in ended)
        {
            // The tokens first: an access token is checked against its own entry only.
            var revoked = await tokens.RevokeByAuthorizationIdAsync(id, ct);
            await authorizations.TryRevokeAsync(authorization, ct);
            logger.LogInformation("Sign-out of {User}: online access {Authorization} revoked with its {Tokens} tokens", subject, id, revoked);
        }
        return ended.Count;
    }
}
