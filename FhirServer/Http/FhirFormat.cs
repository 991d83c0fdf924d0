namespace FhirServer.Http;

/// <summary>The two FHIR wire formats and how a response picks one (R4 §3.1.0.1.7: <c>_format</c>, then Accept).</summary>
public enum FhirFormat { Json, Xml }

public static class FhirFormats
{
    public const string JsonMediaType = "application/fhir+json";
    public const string XmlMediaType = "application/fhir+xml";

    /// <summary>
    /// The response format: <c>_format</c> wins over Accept (R4 §3.1.0.1.7); without either, the format of the request body, else JSON. Returns null when
    /// the client asked only for formats we do not produce (→ 406).
    /// </summary>
    public static FhirFormat? Negotiate(HttpRequest request)
    {
        // An empty _format (a form left blank) asks for nothing: Accept decides.
        if (request.Query.TryGetValue("_format", out var format) && !string.IsNullOrWhiteSpace(format[0]))
            return FromMediaType(format[0]!);
        var accept = request.GetTypedHeaders().Accept;
        if (accept is null || accept.Count == 0) return Unasked(request);
        foreach (var media in accept.OrderByDescending(a => a.Quality ?? 1.0))
        {
            if (media.Quality == 0 || !IsR4(media)) continue;
            if (media.MediaType.Value is "*/*" or "application/*") return Unasked(request);
            if (FromMediaType(media.MediaType.Value ?? "") is { } f) return f;
        }
        return null;
    }

    /// <summary>
    /// The format when the client names none (no Accept, or only a wildcard, as curl and many libraries send): that of
    /// the body it sent, so that a client writing XML reads XML back; JSON otherwise.
    /// </summary>
    private static FhirFormat Unasked(HttpRequest request) =>
        request.ContentType is { } type && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var media) && FromMediaType(media.MediaType.Value ?? "") == FhirFormat.Xml
            ? FhirFormat.Xml
            : FhirFormat.Json;

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
}
