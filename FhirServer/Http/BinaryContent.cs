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
        if (type != "Binary" || FhirInput.Kind(http.Request, body.Span) != BodyKind.Other) return (input.Parse(http.Request, body), null);
        var conformance = http.RequestServices.GetRequiredService<ConformanceContext>();
        var securityContext = http.Request.Headers[SecurityContextHeader].ToString();
        var resource = FromRaw(conformance, http.Request.ContentType, id, securityContext.Length > 0 ? securityContext : null);
        return (resource, body.Length > 0 ? body : null);
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
        if (!AsksForFhir(http.Request))
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

    /// <summary>Binary is served raw unless the client names a FHIR format (R4 binary.html#rest): <c>_format</c>, or a FHIR or JSON/XML Accept.</summary>
    public static bool AsksForFhir(HttpRequest request)
    {
        if (request.Query.ContainsKey("_format")) return true;
        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Value is { } m && (m.Contains("fhir", StringComparison.OrdinalIgnoreCase)
                                                                || m.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                                                                || m.Equals("application/xml", StringComparison.OrdinalIgnoreCase)));
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
