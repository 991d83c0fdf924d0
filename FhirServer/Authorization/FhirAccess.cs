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
    public static IApplicationBuilder UseFhirAccess(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<FhirAccessRequired>() is null || http.User.Identity?.IsAuthenticated == true
            || OpenPaths.Contains(http.Request.Path.Value ?? ""))
            return next(http);
        var given = http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        http.Response.Headers.WWWAuthenticate = given
            ? "Bearer error=\"invalid_token\", error_description=\"The access token is not valid\""
            : "Bearer";
        throw new Http.FhirException(StatusCodes.Status401Unauthorized, "login", given
            ? "The access token is not valid (expired, revoked, or not issued by this server's authorization server)."
            : "This server needs a SMART access token: send it as Authorization: Bearer <token>.");
    });
}
