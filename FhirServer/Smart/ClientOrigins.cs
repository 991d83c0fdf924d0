using FhirServer.Http;
using Microsoft.AspNetCore;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// Per-client CORS (SMART App Launch "Considerations for CORS support": the token endpoint and the FHIR API from the
/// client's registered origins). A client whose registration lists <see cref="SmartClient.AllowedOrigins"/> is answered
/// only from those: a browser request (one with an <c>Origin</c> header) from another origin is refused — at the token
/// endpoint with <c>unauthorized_client</c>, on the FHIR API with 403 — before anything is done for it.
/// A client without registered origins is under the server's <c>Server:CorsOrigins</c> (default any), as before.
/// The browser's preflight names no client: it is answered for the server's origins and every client's
/// (<see cref="CrossOrigin"/>); the request that follows is where the client is known and checked.
/// </summary>
public sealed class ClientOrigins(SmartSettings settings) : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenRequestContext>
{
    /// <summary>The origins some client registered, for the CORS policy.</summary>
    public static IEnumerable<string> Registered(SmartSettings settings) =>
        settings.IsSmart ? settings.Clients.SelectMany(c => c.AllowedOrigins).Select(o => Normalize(o)!).Distinct(StringComparer.Ordinal) : [];

    /// <summary>An origin as browsers send it (<c>scheme://host[:port]</c>, lower case, no default port); null if it is not one.</summary>
    public static string? Normalize(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.AbsolutePath == "/"
        && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo)
        && !origin.TrimEnd('/').EndsWith('/') ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant() : null;

    /// <summary>Whether a request of this client from this origin (the <c>Origin</c> header; none: not a browser's cross-site call) is allowed.</summary>
    public bool Allows(string? clientId, string? origin, HttpRequest request)
    {
        if (string.IsNullOrEmpty(origin) || settings.FindClient(clientId) is not { AllowedOrigins.Count: > 0 } client) return true;
        var normalized = Normalize(origin);
        // The server's own pages (same origin) are not the app's cross-origin calls.
        if (normalized == $"{request.Scheme}://{request.Host}".ToLowerInvariant()) return true;
        return normalized is not null && client.AllowedOrigins.Any(o => Normalize(o) == normalized);
    }

    public ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenRequestContext context)
    {
        if (context.Transaction.GetHttpRequest() is not { } request) return default;
        var origin = request.Headers.Origin.ToString();
        if (!Allows(context.ClientId, origin, request))
        {
            context.Logger.LogInformation("Token request of client {Client} refused from origin {Origin}: not one of its AllowedOrigins.", context.ClientId, origin);
            context.Reject(Errors.UnauthorizedClient, $"This client's token requests are not accepted from the origin {origin}.");
        }
        return default;
    }

    /// <summary>
    /// After authentication: a bearer token's request from an origin its client did not register is refused with 403
    /// (an OperationOutcome). The CORS headers are the policy's (<see cref="CrossOrigin"/>), decided before the client is
    /// known: with the server's default <c>*</c> the app can read the refusal.
    /// </summary>
    public static IApplicationBuilder UseClientOrigins(IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && http.User.Identity?.IsAuthenticated == true
            && !http.RequestServices.GetRequiredService<ClientOrigins>().Allows(http.User.FindFirst(ContractClaims.ClientId)?.Value, origin, http.Request))
        {
            throw new FhirException(StatusCodes.Status403Forbidden, "forbidden",
                $"This access token's client does not accept requests from the origin {origin} (its registered AllowedOrigins).");
        }
        await next(http);
    });
}
