using System.Buffers;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using Microsoft.IO;

namespace FhirServer.Http;

/// <summary>
/// Writes FHIR content in the format the client negotiated. Resources and Bundles arrive as the JSON our writer
/// produced (stored bytes, or a Bundle built around them): plain JSON goes out as those bytes; XML, <c>_pretty</c>,
/// <c>_summary</c> and <c>_elements</c> pay for a parse and a write.
/// </summary>
public sealed class FhirOutput(ConformanceContext conformance, BufferPool pool)
{
    public ConformanceContext Conformance => conformance;

    /// <summary>The negotiated format; throws 406 when the client accepts none of ours.</summary>
    public static FhirFormat Format(HttpRequest request) =>
        FhirFormats.Negotiate(request) ?? throw new FhirException(StatusCodes.Status406NotAcceptable, "not-supported",
            "The Accept header or _format names no format this server produces (application/fhir+json, application/fhir+xml; FHIR R4, fhirVersion=4.0).");

    public Task WriteAsync(HttpContext http, byte[] json, int status, Func<ElementNode, ElementNode>? transform = null) =>
        WriteAsync(http, json, status, Format(http.Request), FhirFormats.IsPretty(http.Request), transform);

    public Task WriteAsync(HttpContext http, byte[] json, int status, FhirFormat format, bool pretty, Func<ElementNode, ElementNode>? transform = null) =>
        WriteAsync(http, json.AsMemory(), status, format, pretty, transform);

    public async Task WriteAsync(HttpContext http, ReadOnlyMemory<byte> json, int status, FhirFormat format, bool pretty, Func<ElementNode, ElementNode>? transform = null)
    {
        var response = http.Response;
        response.StatusCode = status;
        if (format == FhirFormat.Json && !pretty && transform is null)
        {
            response.ContentType = FhirFormats.JsonMediaType + "; charset=utf-8";
            response.ContentLength = json.Length;
            await response.Body.WriteAsync(json, http.RequestAborted);
            return;
        }
        var node = conformance.Json.Parse(json).Resource
                   ?? throw new InvalidOperationException("Stored or generated JSON could not be read back");
        if (transform is not null) node = transform(node);
        // Written in pooled blocks and sent from them: a Bundle of megabytes in XML is no array of its size.
        using var output = pool.Rent("response");
        if (format == FhirFormat.Xml) FhirXmlWriter.Write(output, node, pretty);
        else FhirJsonWriter.Write((IBufferWriter<byte>)output, node, pretty);
        response.ContentType = (format == FhirFormat.Xml ? FhirFormats.XmlMediaType : FhirFormats.JsonMediaType) + "; charset=utf-8";
        await Send(http, output);
    }

    private static async Task Send(HttpContext http, RecyclableMemoryStream content)
    {
        http.Response.ContentLength = content.Length;
        foreach (var segment in content.GetReadOnlySequence())
            await http.Response.Body.WriteAsync(segment, http.RequestAborted);
    }

    public Task WriteAsync(HttpContext http, RecyclableMemoryStream json, int status) =>
        WriteAsync(http, json, status, Format(http.Request), FhirFormats.IsPretty(http.Request));

    /// <summary>
    /// A Bundle built in a pooled stream: plain JSON goes out block by block, never copied into one array; XML and
    /// <c>_pretty</c> parse it from one contiguous buffer, pooled as well.
    /// </summary>
    public async Task WriteAsync(HttpContext http, RecyclableMemoryStream json, int status, FhirFormat format, bool pretty)
    {
        if (format != FhirFormat.Json || pretty)
        {
            await WriteAsync(http, BufferPool.Contiguous(json), status, format, pretty);
            return;
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = FhirFormats.JsonMediaType + "; charset=utf-8";
        await Send(http, json);
    }

    /// <summary>An OperationOutcome; falls back to JSON when the error is about the format itself.</summary>
    public Task WriteOutcomeAsync(HttpContext http, int status, IReadOnlyList<OutcomeIssue> issues)
    {
        if (status >= 400 && issues.Count > 0) RequestLog.RecordOutcome(http, issues[0].Message);
        var format = FhirFormats.Negotiate(http.Request) ?? FhirFormat.Json;
        return WriteAsync(http, OperationOutcomes.Json(issues), status, format, FhirFormats.IsPretty(http.Request));
    }
}
