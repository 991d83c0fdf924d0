using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Storage;

namespace FhirServer.Rest;

/// <summary>
/// Writes a Bundle as FHIR JSON around stored resource bytes (copied in, never re-parsed), members in definition
/// order: id, meta, type, timestamp, total, link, entry (fullUrl, resource, request, response).
/// </summary>
public sealed class BundleJson : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _writer;
    private bool _inEntries;

    /// <param name="capacity">
    /// The bytes the Bundle is expected to take (<see cref="Capacity"/>): its buffer is allocated once at that size
    /// rather than doubled from 4 KB, which for a page of 20 MB allocated 40 MB of large-object-heap arrays on the way.
    /// </param>
    public BundleJson(string type, DateTimeOffset now, int? total = null, IEnumerable<(string Relation, string Url)>? links = null, long capacity = 4096)
    {
        _buffer = new ArrayBufferWriter<byte>((int)Math.Clamp(capacity, 4096, Array.MaxLength));
        _writer = new Utf8JsonWriter(_buffer, Options);
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
        if (!_inEntries)
        {
            _writer.WriteStartArray("entry");
            _inEntries = true;
        }
        _writer.WriteStartObject();
        if (fullUrl is not null) _writer.WriteString("fullUrl", fullUrl);
        if (!resourceJson.IsEmpty)
        {
            _writer.WritePropertyName("resource");
            _writer.WriteRawValue(resourceJson, skipInputValidation: true);
        }
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

    /// <summary>What a Bundle of <paramref name="entries"/> around resources of <paramref name="resourceBytes"/> in all takes, about.</summary>
    public static long Capacity(int entries, long resourceBytes) => 1024 + 320L * entries + resourceBytes;

    public byte[] ToArray() => ToMemory().ToArray();

    /// <summary>The Bundle's bytes, ended, in the writer's own buffer (not copied): valid while nothing else is written.</summary>
    public ReadOnlyMemory<byte> ToMemory()
    {
        if (_inEntries) _writer.WriteEndArray();
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    public void Dispose() => _writer.Dispose();
}
