using Microsoft.AspNetCore.Authentication;

namespace FhirServer.Authorization;

/// <summary>
/// With <c>Auth:Mode=smart</c>: the FHIR endpoints answer only authenticated requests (401 with
/// <c>WWW-Authenticate: Bearer</c>, RFC 6750 §3), and <see cref="AccessPolicy"/> limits those to their scopes. The
/// capability statement stays open (SMART App Launch: discovery needs no token), as do /health and /ready.
/// </summary>
public static class FhirAccess
{
    private static readonly HashSet<string> OpenPaths = new(StringComparer.OrdinalIgnoreCase) { "/metadata", "/$versions" };

    public static IServiceCollection AddFhirAccess(this IServiceCollection services)
    {
        services.AddAuthentication();
        services.AddSingleton<PatientCompartment>();
        services.AddSingleton<AccessPolicy>();
        return services;
    }

    /// <summary>Marks the endpoints of <paramref name="group"/> as FHIR interactions to authorize.</summary>
    public static void RequireFhirAccess(this RouteGroupBuilder group) => group.WithMetadata(new FhirAccessRequired());

    /// <summary>After routing: 401 for an unauthenticated request to a FHIR endpoint.</summary>
    public static IApplicationBuilder UseFhirAccess(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<FhirAccessRequired>() is null || http.User.Identity?.IsAuthenticated == true
            || OpenPaths.Contains(http.Request.Path.Value ?? ""))
        {
            await next(http);
            return;
        }
        var given = http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (given) await LogRefusalAsync(http);
        http.Response.Headers.WWWAuthenticate = given
            ? "Bearer error=\"invalid_token\", error_description=\"The access token is not valid\""
            : "Bearer";
        throw new Http.FhirException(StatusCodes.Status401Unauthorized, "login", given
            ? "The access token is not valid (expired, revoked, or not issued by this server's authorization server)."
            : "This server needs a SMART access token: send it as Authorization: Bearer <token>.");
    });

    // A token refused is logged (never the token itself), with why the authentication scheme refused it: the result of
    // the request's authentication, which the handler keeps for the request.
    private static async Task LogRefusalAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync();
        var why = result.Failure?.Message ?? string.Join("; ", (result.Properties?.Items ?? new Dictionary<string, string?>())
            .Where(i => i.Key.Contains("error", StringComparison.Ordinal)).Select(i => i.Value));
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FhirAccess).FullName!)
            .LogWarning("Bearer token refused on {Method} {Path} from {Remote}: {Reason}", http.Request.Method, http.Request.Path,
                http.Connection.RemoteIpAddress, string.IsNullOrEmpty(why) ? "not valid" : why);
    }
}
