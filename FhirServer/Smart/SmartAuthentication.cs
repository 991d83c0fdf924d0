using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Client;
using OpenIddict.Server;

namespace FhirServer.Smart;

/// <summary>
/// Authentication with <c>Auth:Mode=smart</c>, in place of <c>UseAuthentication()</c> (docs/authorization.md, "Cost").
/// ASP.NET Core's authentication middleware first gives every request to each scheme that handles requests of its own
/// (OpenIddict's server, its validation, its client for Pro Santé Connect), which build a transaction and run their
/// request pipeline only to find that a FHIR request is none of their endpoints, then authenticates the default scheme
/// (the bearer token). Requests under the first path segment of one of OpenIddict's endpoints (<c>/auth</c>,
/// <c>/.well-known</c>: taken from OpenIddict's options, so an endpoint enabled later is covered) still go through that
/// middleware as they are; every other request is authenticated by the default scheme alone, as the middleware
/// would after those handlers declined it. No FHIR resource type or route starts with those segments.
/// </summary>
public sealed class SmartAuthentication
{
    private readonly RequestDelegate _next;
    private readonly AuthenticationMiddleware _full;
    private readonly IAuthenticationSchemeProvider _schemes;
    private readonly HashSet<string> _segments;
    private readonly bool _all;

    public SmartAuthentication(RequestDelegate next, IAuthenticationSchemeProvider schemes, IServiceProvider services)
    {
        _next = next;
        _schemes = schemes;
        _full = new AuthenticationMiddleware(next, schemes);
        var segments = EndpointPaths(services).Select(FirstSegment).ToList();
        // An endpoint at the root: every request might be one of its.
        _all = segments.Contains("");
        _segments = new HashSet<string>(segments, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Adds the middleware where <c>UseAuthentication()</c> would be.</summary>
    public static void Use(IApplicationBuilder app)
    {
        // The key UseAuthentication() sets: without it, WebApplication adds the authentication middleware of its own
        // at the head of the pipeline (for an application that registered authentication but did not use it).
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        app.UseMiddleware<SmartAuthentication>();
    }

    /// <summary>The paths of OpenIddict's endpoints: the server's and, when registered, the client's redirection ones.</summary>
    internal static IEnumerable<string> EndpointPaths(IServiceProvider services)
    {
        IEnumerable<Uri> uris = [];
        if (services.GetService<IOptions<OpenIddictServerOptions>>()?.Value is { } server)
            uris = uris.Concat([.. server.AuthorizationEndpointUris, .. server.ConfigurationEndpointUris, .. server.DeviceAuthorizationEndpointUris,
                .. server.EndSessionEndpointUris, .. server.EndUserVerificationEndpointUris, .. server.IntrospectionEndpointUris,
                .. server.JsonWebKeySetEndpointUris, .. server.PushedAuthorizationEndpointUris, .. server.RevocationEndpointUris,
                .. server.TokenEndpointUris, .. server.UserInfoEndpointUris]);
        if (services.GetService<IOptions<OpenIddictClientOptions>>()?.Value is { } client)
            uris = uris.Concat([.. client.RedirectionEndpointUris, .. client.PostLogoutRedirectionEndpointUris]);
        return uris.Select(u => u.IsAbsoluteUri ? u.AbsolutePath : "/" + u.OriginalString.TrimStart('/'));
    }

    private static string FirstSegment(string path)
    {
        var trimmed = path.TrimStart('/');
        var end = trimmed.IndexOfAny(['/', '?']);
        return end < 0 ? trimmed : trimmed[..end];
    }

    /// <summary>Whether the request may be for one of OpenIddict's endpoints (its path base aside, as OpenIddict's own matching).</summary>
    internal bool IsAuthorizationServer(PathString path)
    {
        if (_all) return true;
        var value = path.Value.AsSpan().TrimStart('/');
        var end = value.IndexOf('/');
        var segment = end < 0 ? value : value[..end];
        return _segments.GetAlternateLookup<ReadOnlySpan<char>>().Contains(segment);
    }

    public Task Invoke(HttpContext http) => IsAuthorizationServer(http.Request.Path) ? _full.Invoke(http) : AuthenticateAsync(http);

    // AuthenticationMiddleware.Invoke without the request handlers.
    private async Task AuthenticateAsync(HttpContext http)
    {
        http.Features.Set<IAuthenticationFeature>(new AuthenticationFeature { OriginalPath = http.Request.Path, OriginalPathBase = http.Request.PathBase });
        if (await _schemes.GetDefaultAuthenticateSchemeAsync() is { } scheme)
        {
            var result = await http.AuthenticateAsync(scheme.Name);
            if (result.Principal is not null) http.User = result.Principal;
            if (result.Succeeded)
            {
                var features = new ResultFeatures(result);
                http.Features.Set<IHttpAuthenticationFeature>(features);
                http.Features.Set<IAuthenticateResultFeature>(features);
            }
        }
        await _next(http);
    }

    // What AuthenticationMiddleware sets after a successful authentication (its AuthenticationFeatures, internal).
    private sealed class ResultFeatures(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        private AuthenticateResult? _result = result;
        private System.Security.Claims.ClaimsPrincipal? _user = result.Principal;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                _user = value?.Principal;
            }
        }

        public System.Security.Claims.ClaimsPrincipal? User
        {
            get => _user;
            set
            {
                _user = value;
                _result = null;
            }
        }
    }
}
