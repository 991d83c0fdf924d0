using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.IO;
using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Storage;

namespace FhirServer.Rest;

/// <summary>
/// Writes a Bundle as FHIR JSON around stored resource bytes (copied in, never re-parsed), members in definition
/// order: id, meta, type, timestamp, total, link, entry (fullUrl, resource, request, response). It is written into a
/// pooled stream (<see cref="BufferPool"/>) in blocks, never one array of the Bundle's size: the owner of the stream
/// sends it, copies it into another Bundle, or parses it, then disposes it.
/// </summary>
public sealed class BundleJson : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    // Values larger than this bypass the writer's own buffer (EndLargeValue).
    private const int LargeValueBytes = 64 * 1024;
    private readonly RecyclableMemoryStream _buffer;
    private readonly Utf8JsonWriter _writer;
    private bool _inEntries;

    public BundleJson(RecyclableMemoryStream buffer, string type, DateTimeOffset now, int? total = null, IEnumerable<(string Relation, string Url)>? links = null)
    {
        _buffer = buffer;
        _writer = new Utf8JsonWriter((IBufferWriter<byte>)_buffer, Options);
        _writer.WriteStartObject();
        _writer.WriteString("resourceType", "Bundle");
        _writer.WriteString("id", Guid.NewGuid().ToString("D"));
        _writer.WriteStartObject("meta");
        _writer.WriteString("lastUpdated", ResourceNodes.FormatInstant(now));
        _writer.WriteEndObject();
        _writer.WriteString("type", type);
        _writer.WriteString("timestamp", ResourceNodes.FormatInstant(now));
        if (total is { } t) _writer.WriteNumber("total", t);
        var linkList = links?.ToList();
        if (linkList is { Count: > 0 })
        {
            _writer.WriteStartArray("link");
            foreach (var (relation, url) in linkList)
            {
                _writer.WriteStartObject();
                _writer.WriteString("relation", relation);
                _writer.WriteString("url", url);
                _writer.WriteEndObject();
            }
            _writer.WriteEndArray();
        }
    }

    public Utf8JsonWriter Writer => _writer;

    /// <summary>Starts an entry and writes fullUrl and resource; the caller adds request/response, then calls <see cref="EndEntry"/>.</summary>
    public void StartEntry(string? fullUrl, ReadOnlySpan<byte> resourceJson)
    {
        if (!StartResource(fullUrl, resourceJson.Length)) return;
        if (resourceJson.Length <= LargeValueBytes) _writer.WriteRawValue(resourceJson, skipInputValidation: true);
        else EndLargeValue(resourceJson);
    }

    /// <summary><see cref="StartEntry(string?, ReadOnlySpan{byte})"/> for a resource in pieces (another pooled Bundle).</summary>
    public void StartEntry(string? fullUrl, ReadOnlySequence<byte> resourceJson)
    {
        if (!StartResource(fullUrl, resourceJson.Length)) return;
        if (resourceJson.Length <= LargeValueBytes) _writer.WriteRawValue(resourceJson, skipInputValidation: true);
        else
        {
            foreach (var segment in resourceJson) _buffer.Write(segment.Span);
            EndLargeValue([]);
        }
    }

    // The entry, its fullUrl and the resource's name; false when there is no resource.
    private bool StartResource(string? fullUrl, long length)
    {
        OpenEntry(fullUrl);
        if (length == 0) return false;
        _writer.WritePropertyName("resource");
        // A large value goes into the stream after what the writer holds (EndLargeValue).
        if (length > LargeValueBytes) _writer.Flush();
        return true;
    }

    /// <summary>
    /// The writer takes a raw value whole into a buffer of its own, for a resource or page of megabytes a new
    /// large-object-heap array each time. Such a value goes into the stream directly, after the property name the
    /// writer flushed; the writer is then given one space as the value (JSON whitespace) so that it goes on with a comma.
    /// </summary>
    private void EndLargeValue(ReadOnlySpan<byte> rest)
    {
        _buffer.Write(rest);
        _writer.WriteRawValue(" "u8, skipInputValidation: true);
    }

    private void OpenEntry(string? fullUrl)
    {
        if (!_inEntries)
        {
            _writer.WriteStartArray("entry");
            _inEntries = true;
        }
        _writer.WriteStartObject();
        if (fullUrl is not null) _writer.WriteString("fullUrl", fullUrl);
    }

    /// <summary>Bundle.entry.search.mode: match, include or outcome.</summary>
    public void Search(string mode)
    {
        _writer.WriteStartObject("search");
        _writer.WriteString("mode", mode);
        _writer.WriteEndObject();
    }

    public void Request(string method, string url)
    {
        _writer.WriteStartObject("request");
        _writer.WriteString("method", method);
        _writer.WriteString("url", url);
        _writer.WriteEndObject();
    }

    public void Response(string status, string? location = null, StoredVersion? version = null, IReadOnlyList<OutcomeIssue>? outcome = null)
    {
        _writer.WriteStartObject("response");
        _writer.WriteString("status", status);
        if (location is not null) _writer.WriteString("location", location);
        if (version is not null)
        {
            _writer.WriteString("etag", $"W/\"{version.Version}\"");
            _writer.WriteString("lastModified", ResourceNodes.FormatInstant(version.LastUpdated));
        }
        if (outcome is not null)
        {
            _writer.WritePropertyName("outcome");
            OperationOutcomes.Write(_writer, outcome);
        }
        _writer.WriteEndObject();
    }

    public void EndEntry() => _writer.WriteEndObject();

    /// <summary>Ends the Bundle: its bytes are those of the stream it was given.</summary>
    public RecyclableMemoryStream Finish()
    {
        if (_inEntries) _writer.WriteEndArray();
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer;
    }

    public void Dispose() => _writer.Dispose();
}
