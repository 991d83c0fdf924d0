using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;

namespace FhirServer.Http;

/// <summary>
/// Binary resources exchanged as their raw content (R4 binary.html#rest): a POST or PUT of any non-FHIR media type
/// becomes a Binary with that content type, and a read that does not ask for FHIR returns the bytes with their content type.
/// </summary>
internal static class BinaryContent
{
    /// <summary>
    /// The resource of a create or update body. For Binary, content of a non-FHIR media type is the raw content;
    /// a PUT on an instance takes its id from the URL, as raw content carries none.
    /// </summary>
    public static async Task<ElementNode> ReadResourceAsync(HttpContext http, string type, string? id = null)
    {
        var input = http.RequestServices.GetRequiredService<FhirInput>();
        var body = await input.ReadBytesAsync(http.Request);
        return type == "Binary" && FhirInput.Kind(http.Request, body.Span) == BodyKind.Other
            ? FromRaw(http.RequestServices.GetRequiredService<ConformanceContext>(), http.Request.ContentType, body, id)
            : input.Parse(http.Request, body);
    }

    public static ElementNode FromRaw(ConformanceContext conformance, string? contentType, ReadOnlyMemory<byte> content, string? id = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("resourceType", "Binary");
            if (id is not null) writer.WriteString("id", id);
            writer.WriteString("contentType", string.IsNullOrWhiteSpace(contentType) ? "application/octet-stream" : contentType);
            if (content.Length > 0) writer.WriteBase64String("data", content.Span);
            writer.WriteEndObject();
        }
        var parsed = conformance.Json.Parse(buffer.ToArray());
        if (parsed.HasErrors || parsed.Resource is null) throw new FhirException(StatusCodes.Status400BadRequest, parsed.Issues);
        return parsed.Resource;
    }

    public static async Task WriteRawAsync(HttpContext http, byte[] binaryJson)
    {
        using var doc = JsonDocument.Parse(binaryJson, http.RequestServices.GetRequiredService<ServerSettings>().StoredJsonOptions());
        var root = doc.RootElement;
        var contentType = root.TryGetProperty("contentType", out var ct) ? ct.GetString() : null;
        var data = root.TryGetProperty("data", out var d) ? d.GetBytesFromBase64() : [];
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = contentType ?? "application/octet-stream";
        http.Response.ContentLength = data.Length;
        await http.Response.Body.WriteAsync(data, http.RequestAborted);
    }
}
