using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Rest;
using FhirServer.Storage;

namespace FhirServer.Http;

/// <summary>
/// Binary resources exchanged as their raw content (R4 binary.html#rest, IHE MHD ITI-68 Retrieve Document): a POST or
/// PUT of any non-FHIR media type becomes a Binary with that content type, and a read that does not ask for FHIR
/// returns the bytes with their content type. The bytes are kept apart from the Binary's JSON (<see cref="BinaryBodies"/>)
/// and go out from the database in pieces, as raw bytes or as the base64 of the FHIR form.
/// </summary>
internal static class BinaryContent
{
    /// <summary>R4 binary.html#rest: the reference of Binary.securityContext, sent along with the raw content.</summary>
    public const string SecurityContextHeader = "X-Security-Context";

    /// <summary>
    /// The resource of a create or update body. For Binary, content of a non-FHIR media type is the raw content,
    /// returned apart from a Binary without data (the write path stores it as it is); a PUT on an instance takes its
    /// id from the URL, as raw content carries none.
    /// </summary>
    public static async Task<(ElementNode Resource, ReadOnlyMemory<byte>? Content)> ReadResourceAsync(HttpContext http, string type, string? id = null)
    {
        var input = http.RequestServices.GetRequiredService<FhirInput>();
        var body = await input.ReadBytesAsync(http.Request);
        if (type != "Binary" || !IsRawContent(http.Request, body.Span)) return (input.Parse(http.Request, body), null);
        var conformance = http.RequestServices.GetRequiredService<ConformanceContext>();
        var securityContext = http.Request.Headers[SecurityContextHeader].ToString();
        var resource = FromRaw(conformance, http.Request.ContentType, id, securityContext.Length > 0 ? securityContext : null);
        return (resource, body.Length > 0 ? body : null);
    }

    /// <summary>
    /// Whether the body of a Binary create or update is its raw content (R4 binary.html#rest): "the data is accepted as
    /// is and treated as the binary content of a Binary, including when the content type is "application/xml" or
    /// "application/json", except when the content type is "application/fhir+xml" or "application/fhir+json", except
    /// for the special case where the content is actually a Binary resource". So a CDA document sent as
    /// <c>text/xml</c> or <c>application/xml</c> is a Binary of that content type, while a Binary resource sent with the
    /// legacy <c>xml</c>/<c>json</c> media types is still read as FHIR. A body without a Content-Type is FHIR, as before.
    /// </summary>
    public static bool IsRawContent(HttpRequest request, ReadOnlySpan<byte> body)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var media) || media.MediaType.Value is null)
            return FhirInput.Kind(request, body) == BodyKind.Other;
        return media.MediaType.Value.ToLowerInvariant() switch
        {
            "application/fhir+json" or "application/fhir+xml" or "application/json+fhir" or "application/xml+fhir" => false,
            "application/json" or "text/json" => !IsJsonBinary(body),
            "application/xml" or "text/xml" => !IsXmlBinary(body),
            _ => true,
        };
    }

    // A JSON object whose top-level resourceType is Binary (its other members skipped, not read).
    private static bool IsJsonBinary(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("resourceType"u8))
                    return reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("Binary"u8);
                reader.Read();
                reader.Skip();
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // An XML document whose root element is FHIR's Binary (the first element, after the prolog and comments), read
    // from the body's first 64 KB: a root element not begun by then is not a Binary's.
    private static bool IsXmlBinary(ReadOnlySpan<byte> body)
    {
        try
        {
            using var stream = new MemoryStream(body[..Math.Min(body.Length, 64 * 1024)].ToArray(), writable: false);
            using var reader = System.Xml.XmlReader.Create(stream, new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Prohibit, XmlResolver = null });
            return reader.MoveToContent() == System.Xml.XmlNodeType.Element && reader.LocalName == "Binary" && reader.NamespaceURI == "http://hl7.org/fhir";
        }
        catch (System.Xml.XmlException)
        {
            return false;
        }
    }

    /// <summary>The Binary of raw content, without its data: its content type, id and security context (R4 binary.html#rest).</summary>
    private static ElementNode FromRaw(ConformanceContext conformance, string? contentType, string? id, string? securityContext)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("resourceType", "Binary");
            if (id is not null) writer.WriteString("id", id);
            writer.WriteString("contentType", string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType);
            if (securityContext is not null)
            {
                writer.WriteStartObject("securityContext");
                writer.WriteString("reference", securityContext);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var parsed = conformance.Json.Parse(buffer.ToArray());
        if (parsed.HasErrors || parsed.Resource is null) throw new FhirException(StatusCodes.Status400BadRequest, parsed.Issues);
        return parsed.Resource;
    }

    /// <summary>
    /// A Binary version as the response of a read (its body as stored: without the data kept apart): the raw bytes
    /// unless the client names a FHIR format; the FHIR form otherwise, plain JSON streamed with the base64 made on the
    /// way, other formats and views from the whole resource.
    /// </summary>
    public static async Task WriteAsync(HttpContext http, StoredVersion version, Func<ElementNode, ElementNode>? view)
    {
        var store = http.RequestServices.GetRequiredService<IResourceStore>();
        var output = http.RequestServices.GetRequiredService<FhirOutput>();
        var response = http.Response;
        var body = version.Body!;
        if (!AsksForFhir(http.Request, Describe(http, body).ContentType))
        {
            if (version.ContentLength is not { } length)
            {
                await WriteRawAsync(http, body);
                return;
            }
            var (contentType, securityContext) = Describe(http, body);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType ?? "application/octet-stream";
            if (securityContext is not null) response.Headers[SecurityContextHeader] = securityContext;
            response.ContentLength = length;
            if (!HttpMethods.IsHead(http.Request.Method)) await store.CopyContentAsync(version.Sequence, response.Body, http.RequestAborted);
            return;
        }
        if (version.ContentLength is not { } size)
        {
            await output.WriteAsync(http, body, StatusCodes.Status200OK, view);
            return;
        }
        var format = FhirOutput.Format(http.Request);
        if (format == FhirFormat.Json && !FhirFormats.IsPretty(http.Request) && view is null)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = FhirFormats.JsonMediaType + "; charset=utf-8";
            response.ContentLength = BinaryBodies.JsonLength(body.Length, size);
            if (!HttpMethods.IsHead(http.Request.Method))
                await BinaryBodies.WriteAsync(response.Body, body, s => store.CopyContentAsync(version.Sequence, s, http.RequestAborted), http.RequestAborted);
            return;
        }
        using var data = new MemoryStream();
        await store.CopyContentAsync(version.Sequence, data, http.RequestAborted);
        await output.WriteAsync(http, BinaryBodies.Splice(body, data.GetBuffer().AsSpan(0, (int)data.Length)), StatusCodes.Status200OK, view);
    }

    /// <summary>
    /// The answer of a write that returns the resource: a Binary whose data the write kept apart is streamed in plain
    /// JSON (the content is not copied into base64 whole), put back in the body otherwise.
    /// </summary>
    public static async Task WriteWrittenAsync(HttpContext http, StoredVersion version, int status)
    {
        var output = http.RequestServices.GetRequiredService<FhirOutput>();
        if (version.Content is not { } content)
        {
            await output.WriteAsync(http, version.Body!, status);
            return;
        }
        var format = FhirOutput.Format(http.Request);
        if (format != FhirFormat.Json || FhirFormats.IsPretty(http.Request))
        {
            await output.WriteAsync(http, version.FullBody!, status);
            return;
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = FhirFormats.JsonMediaType + "; charset=utf-8";
        http.Response.ContentLength = BinaryBodies.JsonLength(version.Body!.Length, content.Length);
        await BinaryBodies.WriteAsync(http.Response.Body, version.Body, async base64 =>
        {
            // In pieces: given the whole content at once, the encoder would make its whole base64 in one array.
            for (var at = 0; at < content.Length; at += PieceBytes)
                await base64.WriteAsync(content.Slice(at, Math.Min(PieceBytes, content.Length - at)), http.RequestAborted);
        }, http.RequestAborted);
    }

    // A multiple of 3 bytes, so that no piece leaves the base64 encoder a remainder to carry.
    private const int PieceBytes = 3 * 32 * 1024;

    /// <summary>
    /// Binary is served raw unless the client names a FHIR format (R4 binary.html#rest): <c>_format</c>, a FHIR media
    /// type, or the legacy <c>application/json</c> / <c>application/xml</c> (also <c>text/…</c>) when the Binary's own
    /// content is not of that kind: a CDA stored as <c>text/xml</c> asked for as <c>application/xml</c> is its bytes.
    /// </summary>
    public static bool AsksForFhir(HttpRequest request, string? contentType)
    {
        if (request.Query.ContainsKey("_format")) return true;
        var own = Kind(contentType);
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Value is { } m && (m.Contains("fhir", StringComparison.OrdinalIgnoreCase)
                                                                || m.ToLowerInvariant() is "application/json" or "application/xml" && Kind(m) != own));
    }

    // "json" or "xml" for the legacy media types that may name a FHIR format or plain content, null otherwise.
    private static string? Kind(string? mediaType)
    {
        if (mediaType is null) return null;
        var semicolon = mediaType.IndexOf(';');
        return (semicolon < 0 ? mediaType : mediaType[..semicolon]).Trim().ToLowerInvariant() switch
        {
            "application/json" or "text/json" => "json",
            "application/xml" or "text/xml" => "xml",
            _ => null,
        };
    }

    private static (string? ContentType, string? SecurityContext) Describe(HttpContext http, byte[] body)
    {
        using var doc = JsonDocument.Parse(body, http.RequestServices.GetRequiredService<ServerSettings>().StoredJsonOptions());
        return Describe(doc.RootElement);
    }

    // Binary.contentType and Binary.securityContext.reference of a body.
    private static (string? ContentType, string? SecurityContext) Describe(JsonElement root)
    {
        var contentType = root.TryGetProperty("contentType", out var ct) ? ct.GetString() : null;
        var securityContext = root.TryGetProperty("securityContext", out var sc) && sc.TryGetProperty("reference", out var r) ? r.GetString() : null;
        return (contentType, securityContext);
    }

    /// <summary>A Binary stored before its data was kept apart: the base64 in its body, decoded here.</summary>
    private static async Task WriteRawAsync(HttpContext http, byte[] binaryJson)
    {
        using var doc = JsonDocument.Parse(binaryJson, http.RequestServices.GetRequiredService<ServerSettings>().StoredJsonOptions());
        var (contentType, securityContext) = Describe(doc.RootElement);
        var data = doc.RootElement.TryGetProperty("data", out var d) ? d.GetBytesFromBase64() : [];
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = contentType ?? "application/octet-stream";
        if (securityContext is not null) http.Response.Headers[SecurityContextHeader] = securityContext;
        http.Response.ContentLength = data.Length;
        await http.Response.Body.WriteAsync(data, http.RequestAborted);
    }
}
