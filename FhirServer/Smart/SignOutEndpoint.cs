using FhirServer.Smart.ProSanteConnect;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Client.AspNetCore;
using OpenIddict.Server.AspNetCore;

namespace FhirServer.Smart;

/// <summary>
/// The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0, <c>end_session_endpoint</c> of the OpenID
/// discovery): after OpenIddict's checks (a <c>post_logout_redirect_uri</c> registered for the client, the
/// <c>id_token_hint</c> one of ours), ends the user's sign-in at the authorization server (the session cookie) and sends
/// the browser back to the <c>post_logout_redirect_uri</c> with the <c>state</c> — or, without one, shows that the
/// user is signed out. The <c>online_access</c> authorizations granted in that sign-in end with it, their tokens revoked
/// (<see cref="SessionAuthorizations"/>); <c>offline_access</c> ones are kept. A practitioner signed in through Pro Santé Connect is signed out at PSC first (its
/// <c>end_session_endpoint</c>), PSC sending the browser back here to finish.
/// </summary>
public static class SignOutEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, SmartSettings settings, SessionAuthorizations sessions, ILogger<LoginPage> logger)
    {
        var texts = SmartTexts.For(http);
        // An error OpenIddict could not send to the app (post_logout_redirect_uri not registered, a foreign id_token_hint).
        if (http.GetOpenIddictServerResponse() is { Error: { } error } response)
            return SmartPage.Error(http, texts, $"{error}: {response.ErrorDescription}");
        if (http.GetOpenIddictServerRequest() is not { } request) return SmartPage.Error(http, texts, "This is not a sign-out request.");

        var session = await http.AuthenticateAsync(SmartSession.Scheme);
        if (session.Succeeded)
        {
            await http.SignOutAsync(SmartSession.Scheme);
            var subject = session.Principal.FindFirst(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject)?.Value;
            logger.LogInformation("SMART sign-out of {User}", subject);
            // SMART: online access lasts while the user's session does.
            if (subject is not null && session.Principal.FindFirst(SmartSession.SessionIdClaim)?.Value is { Length: > 0 } sessionId)
                await sessions.RevokeOnlineAsync(subject, sessionId, http.RequestAborted);
            // Signed in through PSC: sign out there too, and come back to this endpoint (the request's own parameters),
            // which then has no sign-in left and answers the app.
            if (settings.ProSanteConnect.Enabled && session.Principal.FindFirst(SmartSession.IdentityProviderClaim)?.Value == SmartSession.ProSanteConnectProvider)
            {
                var back = http.Request.PathBase + SmartServer.EndSessionPath + QueryString.Create(AuthorizePages.RequestParameters(request));
                var properties = new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictClientAspNetCoreConstants.Properties.ProviderName] = ProSanteConnectFederation.ProviderName,
                    [OpenIddictClientAspNetCoreConstants.Properties.IdentityTokenHint] = session.Principal.FindFirst(ProSanteConnectEndpoints.IdTokenClaim)?.Value,
                })
                {
                    RedirectUri = back,
                };
                try
                {
                    await http.SignOutAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, properties);
                    return Results.Empty;
                }
                catch (Exception e) when (e is OpenIddict.Abstractions.OpenIddictExceptions.ProtocolException or HttpRequestException or InvalidOperationException)
                {
                    // PSC unreachable or without an end_session_endpoint: the sign-in here is ended all the same.
                    logger.LogWarning("Pro Santé Connect sign-out of {User} failed: {Error}", subject, e.Message);
                }
            }
        }
        if (string.IsNullOrEmpty(request.PostLogoutRedirectUri))
            return SmartPage.Html(http, texts, texts.SignedOutTitle, $"<p>{SmartPage.Encode(texts.SignedOut)}</p>\n");
        // OpenIddict redirects to the post_logout_redirect_uri it checked, with the state.
        return Results.SignOut(new AuthenticationProperties(), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }
}
