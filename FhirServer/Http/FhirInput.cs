using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using Microsoft.Net.Http.Headers;

namespace FhirServer.Http;

/// <summary>What a request body is, from its Content-Type (R4 http.html#mime-type).</summary>
public enum BodyKind { FhirJson, FhirXml, JsonPatch, Other }

/// <summary>
/// Reads request bodies: the size limit (413), the media type (415), and the FHIR parse whose issues become a 400
/// OperationOutcome with line, column and FHIRPath location.
/// </summary>
public sealed class FhirInput(ConformanceContext conformance, ServerSettings settings, BufferPool pool)
{
    public static BodyKind Kind(HttpRequest request, ReadOnlySpan<byte> body)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media) || media.MediaType.Value is null)
        {
            // No (or an unreadable) Content-Type: go by the first character, as lenient servers do.
            var first = body.TrimStart(" \t\r\n\uFEFF"u8);
            return first.Length > 0 && first[0] == (byte)'<' ? BodyKind.FhirXml : BodyKind.FhirJson;
        }
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
                                   && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported",
                $"Only UTF-8 is accepted (charset={media.Charset}).");
        var kind = media.MediaType.Value.ToLowerInvariant() switch
        {
            "application/fhir+json" or "application/json" or "application/json+fhir" or "text/json" => BodyKind.FhirJson,
            "application/fhir+xml" or "application/xml" or "application/xml+fhir" or "text/xml" => BodyKind.FhirXml,
            "application/json-patch+json" => BodyKind.JsonPatch,
            _ => BodyKind.Other,
        };
        if (kind is BodyKind.FhirJson or BodyKind.FhirXml && !FhirFormats.IsR4(media))
            throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported",
                $"The body is declared as another FHIR version ({request.ContentType}); this server takes FHIR R4 (fhirVersion=4.0).");
        return kind;
    }

    /// <summary>
    /// The whole body, refused with 413 past the configured limit: read into pooled blocks, and made one buffer (the
    /// block itself, or a pooled buffer) given back when the request ends. What is parsed from it may point into it
    /// (a parsed tree keeps its values as slices of the input), so nothing parsed from a body may outlive its request.
    /// </summary>
    public async Task<ReadOnlyMemory<byte>> ReadBytesAsync(HttpRequest request)
    {
        var limit = settings.MaxRequestBytes;
        if (request.ContentLength is { } declared && declared > limit) throw TooLarge(limit);
        var buffer = pool.Rent(request.HttpContext, "request-body");
        while (true)
        {
            var memory = buffer.GetMemory();
            int read;
            try
            {
                read = await request.Body.ReadAsync(memory, request.HttpContext.RequestAborted);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel's backstop (the limit plus one byte) can trip within the read that passes the limit.
                throw TooLarge(limit);
            }
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.Length > limit) throw TooLarge(limit);
        }
        return BufferPool.Contiguous(buffer);
    }

    private static FhirException TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "too-long", $"The request body is larger than the limit of {limit:N0} bytes.");

    /// <summary>Reads and parses a FHIR resource body; any error issue → 400 with all the issues.</summary>
    public async Task<ElementNode> ReadResourceAsync(HttpRequest request)
    {
        var body = await ReadBytesAsync(request);
        return Parse(request, body);
    }

    public ElementNode Parse(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        var kind = Kind(request, body.Span);
        if (kind is not (BodyKind.FhirJson or BodyKind.FhirXml))
            throw new FhirException(StatusCodes.Status415UnsupportedMediaType, "not-supported",
                $"Content-Type '{request.ContentType}' is not a FHIR format (application/fhir+json, application/fhir+xml).");
        if (body.Length == 0) throw FhirException.BadRequest("The request has no body; a resource was expected.", code: "required");
        var parsed = kind == BodyKind.FhirXml ? conformance.Xml.Parse(body.Span) : conformance.Json.Parse(body);
        if (parsed.HasErrors || parsed.Resource is null)
            throw new FhirException(StatusCodes.Status400BadRequest,
                parsed.Issues.Count > 0 ? parsed.Issues : [new OutcomeIssue(IssueSeverity.Error, "structure", "The body is not a FHIR resource.")]);
        return parsed.Resource;
    }
}
