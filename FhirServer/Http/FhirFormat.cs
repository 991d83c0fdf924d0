using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Http;

/// <summary>The two FHIR wire formats and how a response picks one (R4 §3.1.0.1.7: <c>_format</c>, then Accept).</summary>
public enum FhirFormat { Json, Xml }

public static class FhirFormats
{
    public const string JsonMediaType = "application/fhir+json";
    public const string XmlMediaType = "application/fhir+xml";

    /// <summary>
    /// The response format: <c>_format</c> wins over Accept (R4 §3.1.0.1.7), JSON is the default. Returns null when
    /// the client asked only for formats we do not produce (→ 406).
    /// </summary>
    public static FhirFormat? Negotiate(HttpRequest request)
    {
        // An empty _format (a form left blank) asks for nothing: Accept decides.
        if (request.Query.TryGetValue("_format", out var format) && !string.IsNullOrWhiteSpace(format[0]))
            return FromMediaType(format[0]!);
        var accept = request.GetTypedHeaders().Accept;
        if (accept is null || accept.Count == 0) return FhirFormat.Json;
        foreach (var media in accept.OrderByDescending(a => a.Quality ?? 1.0))
        {
            if (media.Quality == 0 || !IsR4(media)) continue;
            if (FromMediaType(media.MediaType.Value ?? "") is { } f) return f;
        }
        return null;
    }

    /// <summary>
    /// Whether a media type names this server's FHIR version, or none (R4 http.html#version-parameter: the
    /// <c>fhirVersion</c> parameter, "4.0" for R4; a patch release such as 4.0.1 is taken too).
    /// </summary>
    public static bool IsR4(Microsoft.Net.Http.Headers.MediaTypeHeaderValue media)
    {
        var version = media.Parameters.FirstOrDefault(p => p.Name.Equals("fhirVersion", StringComparison.OrdinalIgnoreCase))?.Value.Value?.Trim('"');
        return version is null || version == "4.0" || version.StartsWith("4.0.", StringComparison.Ordinal);
    }

    private static FhirFormat? FromMediaType(string value) => value.Trim().ToLowerInvariant() switch
    {
        "json" or "application/json" or "application/fhir+json" or "application/json+fhir" or "text/json" => FhirFormat.Json,
        "xml" or "application/xml" or "application/fhir+xml" or "application/xml+fhir" or "text/xml" => FhirFormat.Xml,
        "*/*" or "application/*" or "text/*" or "html" or "text/html" => FhirFormat.Json,
        _ => null,
    };

    public static bool IsPretty(HttpRequest request) =>
        request.Query.TryGetValue("_pretty", out var pretty) && string.Equals(pretty, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Writes a resource in the negotiated format with the FHIR media type (UTF-8).</summary>
    public static IResult Resource(HttpRequest request, ElementNode resource, int status = StatusCodes.Status200OK)
    {
        var format = Negotiate(request);
        if (format is null)
            return Results.Text("The Accept header names no format this server produces (application/fhir+json, application/fhir+xml).",
                "text/plain", statusCode: StatusCodes.Status406NotAcceptable);
        var pretty = IsPretty(request);
        return format == FhirFormat.Xml
            ? Results.Bytes(FhirXmlWriter.WriteToBytes(resource, pretty), XmlMediaType + "; charset=utf-8")
                .WithStatus(status)
            : Results.Bytes(FhirJsonWriter.WriteToBytes(resource, pretty), JsonMediaType + "; charset=utf-8")
                .WithStatus(status);
    }

    private static IResult WithStatus(this IResult result, int status) =>
        status == StatusCodes.Status200OK ? result : new StatusResult(result, status);

    private sealed class StatusResult(IResult inner, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
