using Microsoft.AspNetCore.Http.Features;

namespace FhirServer.Http;

/// <summary>
/// The sizes of a request's head that this server accepts (<see cref="ServerSettings.MaxRequestLineBytes"/>,
/// <see cref="ServerSettings.MaxRequestHeaderBytes"/>, <see cref="ServerSettings.MaxRequestHeaders"/>): over them, 414 or
/// 431 with an OperationOutcome that says which limit and what to do instead. Kestrel refuses a request head larger
/// than its own limits before any of the application runs, with an empty answer; <see cref="KestrelBackstop"/> sets
/// those above these, so that what a client can reasonably send (a long search URL, a large token) is refused here,
/// with a reason, and only a head several times larger meets Kestrel's bare 414 / 431.
/// </summary>
public static class RequestLimits
{
    /// <summary>How many times this server's limit Kestrel's own limit is: how much of a head Kestrel buffers before refusing it.</summary>
    public const int BackstopFactor = 4;

    public static long KestrelBackstop(long limit) => limit > long.MaxValue / BackstopFactor ? long.MaxValue : limit * BackstopFactor;

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app, ServerSettings settings) =>
        app.Use((http, next) =>
        {
            Check(http, settings);
            return next(http);
        });

    private static void Check(HttpContext http, ServerSettings settings)
    {
        var request = http.Request;
        // The request line as it came: method, target (path and query as sent), protocol, two spaces.
        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw.Length
            : (request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0);
        var line = request.Method.Length + target + request.Protocol.Length + 2;
        if (line > settings.MaxRequestLineBytes)
            throw new FhirException(StatusCodes.Status414UriTooLong, "too-long",
                $"The request line is {line:N0} bytes long, over this server's limit of {settings.MaxRequestLineBytes:N0} (Server:MaxRequestLineBytes). " +
                "A search with many parameters can be sent as POST [type]/_search, its parameters in an application/x-www-form-urlencoded body.");
        var count = 0;
        long bytes = 0;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                count++;
                bytes += name.Length + (value?.Length ?? 0);
            }
        }
        if (count > settings.MaxRequestHeaders)
            throw new FhirException(StatusCodes.Status431RequestHeaderFieldsTooLarge, "too-long",
                $"The request has {count:N0} header fields, over this server's limit of {settings.MaxRequestHeaders:N0} (Server:MaxRequestHeaders).");
        if (bytes > settings.MaxRequestHeaderBytes)
            throw new FhirException(StatusCodes.Status431RequestHeaderFieldsTooLarge, "too-long",
                $"The request's header fields are {bytes:N0} bytes long, over this server's limit of {settings.MaxRequestHeaderBytes:N0} (Server:MaxRequestHeaderBytes).");
    }

    /// <summary>
    /// A body in a Content-Encoding that the decompression before this (gzip, deflate, br) did not undo is refused with 415,
    /// rather than parsed as if it were FHIR.
    /// </summary>
    public static IApplicationBuilder UseContentEncodingCheck(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            var encoding = http.Request.Headers.ContentEncoding.ToString();
            if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
                throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported",
                    $"Content-Encoding '{encoding}' is not supported; send the body as is, or in gzip, deflate or br.");
            return next(http);
        });
}
