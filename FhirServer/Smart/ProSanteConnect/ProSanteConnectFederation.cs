using Microsoft.Extensions.Http.Resilience;
using OpenIddict.Client;
using Polly;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart.ProSanteConnect;

/// <summary>
/// Pro Santé Connect as an upstream OpenID Connect provider: OpenIddict's client beside the server, one registration
/// for PSC, the authorization code flow with PKCE, the response in the query string (so that the correlation cookie,
/// <c>SameSite=Lax</c>, comes back with it), the userinfo claims merged into the identity token's.
/// </summary>
public static class ProSanteConnectFederation
{
    /// <summary>The registration's provider name, given to the challenge.</summary>
    public const string ProviderName = "ProSanteConnect";

    public static OpenIddictBuilder AddProSanteConnect(this OpenIddictBuilder builder, ProSanteConnectSettings psc, ServerSettings server, SmartKeys keys)
    {
        builder.Services.AddSingleton(psc);
        builder.Services.AddSingleton<PractitionerDirectory>();
        // Absolute when the server's public base URL is configured (behind a proxy); else from each request's base.
        var redirect = SmartServer.Issuer(server) is { } issuer ? new Uri(issuer, psc.RedirectPath.TrimStart('/')) : new Uri(psc.RedirectPath.TrimStart('/'), UriKind.Relative);
        var postLogout = SmartServer.Issuer(server) is { } root
            ? new Uri(root, psc.PostLogoutRedirectPath.TrimStart('/')) : new Uri(psc.PostLogoutRedirectPath.TrimStart('/'), UriKind.Relative);
        return builder.AddClient(o =>
        {
            o.AllowAuthorizationCodeFlow();
            o.SetRedirectionEndpointUris(redirect);
            // Sign-out at PSC (SignOutEndpoint), which sends the browser back there.
            o.SetPostLogoutRedirectionEndpointUris(postLogout);
            // The state tokens are signed and encrypted with the authorization server's keys (SmartKeys).
            o.AddSigningKey(keys.SigningKeys[0]);
            o.AddEncryptionKey(keys.EncryptionKey);
            // One quick retry, and a bound on each call: a practitioner is waiting in front of the page (OpenIddict's
            // default pipeline retries with back-off for about twenty seconds).
            o.UseSystemNetHttp().SetHttpResiliencePipeline(p => p
                .AddRetry(new HttpRetryStrategyOptions { MaxRetryAttempts = 1, Delay = TimeSpan.FromMilliseconds(200), BackoffType = DelayBackoffType.Constant })
                .AddTimeout(TimeSpan.FromSeconds(psc.TimeoutSeconds)));
            var aspNet = o.UseAspNetCore()
                // Our callback endpoint maps the PSC identity to a Practitioner, and shows the errors as pages.
                .EnableRedirectionEndpointPassthrough()
                .EnablePostLogoutRedirectionEndpointPassthrough()
                .EnableErrorPassthrough()
                // TLS is the reverse proxy's in front of the server (as for the FHIR API itself).
                .DisableTransportSecurityRequirement();
            aspNet.Configure(a =>
            {
                // OpenIddict's default (SameSite=None, always Secure) suits a form_post response; a query response is
                // a top-level GET, for which Lax is enough, and Secure follows the public base URL.
                a.CookieBuilder.SameSite = SameSiteMode.Lax;
                a.CookieBuilder.SecurePolicy = SmartSession.SecurePolicy(server);
            });
            var registration = new OpenIddictClientRegistration
            {
                ProviderName = ProviderName,
                ProviderDisplayName = "Pro Santé Connect",
                Issuer = new Uri(psc.Issuer!, UriKind.Absolute),
                ClientId = psc.ClientId,
                ClientSecret = psc.ClientSecret,
                RedirectUri = redirect,
                PostLogoutRedirectUri = postLogout,
            };
            foreach (var scope in psc.Scopes) registration.Scopes.Add(scope);
            registration.ResponseTypes.Add(ResponseTypes.Code);
            registration.ResponseModes.Add(ResponseModes.Query);
            registration.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
            o.AddRegistration(registration);
        });
    }

    public static void MapProSanteConnect(this WebApplication app, ProSanteConnectSettings psc)
    {
        app.MapGet(ProSanteConnectEndpoints.LoginPath, ProSanteConnectEndpoints.Login);
        app.MapGet(psc.RedirectPath, ProSanteConnectEndpoints.Callback);
        app.MapGet(psc.PostLogoutRedirectPath, ProSanteConnectEndpoints.SignedOut);
    }
}
