namespace FhirServer.Http;

/// <summary>
/// Cross-origin calls from browser apps (CORS, through ASP.NET Core's middleware): the origins of
/// <see cref="ServerSettings.CorsOrigins"/> may call every interaction with the headers FHIR uses, and read the headers
/// a FHIR answer carries (ETag, Location, Last-Modified, Content-Location). A preflight (OPTIONS with
/// Access-Control-Request-Method) is answered 204 by the middleware; an OPTIONS that is not one stays a 405. The origins
/// SMART clients registered (<c>Smart:Clients:*:AllowedOrigins</c>) are added to a list of the server's; each client's
/// requests from other origins are refused once the client is known (<see cref="Smart.ClientOrigins"/>).
/// </summary>
public static class CrossOrigin
{
    private const string Policy = "fhir";

    private static readonly string[] RequestHeaders =
        ["Authorization", "Content-Type", "Accept", "Prefer", "If-Match", "If-None-Match", "If-None-Exist", "If-Modified-Since"];

    private static readonly string[] ResponseHeaders = ["ETag", "Location", "Last-Modified", "Content-Location"];

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

    public static IServiceCollection AddCrossOrigin(this IServiceCollection services, ServerSettings settings, IEnumerable<string> clientOrigins)
    {
        var origins = Origins(settings, clientOrigins);
        if (origins.Length == 0) return services;
        return services.AddCors(o => o.AddPolicy(Policy, p =>
        {
            if (origins.Contains("*")) p.AllowAnyOrigin();
            else p.WithOrigins(origins);
            p.WithMethods(Methods).WithHeaders(RequestHeaders).WithExposedHeaders(ResponseHeaders).SetPreflightMaxAge(TimeSpan.FromHours(1));
        }));
    }

    public static IApplicationBuilder UseCrossOrigin(this IApplicationBuilder app, ServerSettings settings, IEnumerable<string> clientOrigins) =>
        Origins(settings, clientOrigins).Length == 0 ? app : app.UseCors(Policy);

    private static string[] Origins(ServerSettings settings, IEnumerable<string> clientOrigins) =>
        [.. settings.CorsOrigins.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Union(clientOrigins)];
}
