using FhirServer.Conformance.Search;
using FhirServer.Http;

namespace FhirServer.Search;

/// <summary>
/// This server's base URLs, on which an absolute reference is local (docs/search.md, "References"): the configured
/// public ones (<see cref="ServerSettings.BaseUrl"/>, for a server behind a proxy or under several names) and the base
/// of the request being served. A write is indexed in its request's flow (REST, Bundle entries, the create combiner,
/// which indexes before it queues), so the request is at hand there; the re-index, which has no request, knows the
/// configured bases only.
/// </summary>
public sealed class LocalBases(ServerSettings settings, IHttpContextAccessor http)
{
    public ServerBases Configured { get; } = Parse(settings);

    /// <summary>The configured bases and the current request's.</summary>
    public ServerBases Current => http.HttpContext is { } context ? Configured.With(FhirEndpoints.BaseUrl(context.Request)) : Configured;

    /// <summary>The bases <see cref="ServerSettings.BaseUrl"/> lists; a value that is no http(s) URL stops the start.</summary>
    public static ServerBases Parse(ServerSettings settings)
    {
        var urls = (settings.BaseUrl ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var url in urls)
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
                throw new InvalidOperationException($"Server:BaseUrl: '{url}' is not the http or https base URL of this server (such as https://fhir.example.org/r4).");
        return new ServerBases(urls);
    }
}
