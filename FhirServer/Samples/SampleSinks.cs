using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirServer.Samples;

/// <summary>Where generated resources go, written as they come (nothing kept beyond the current Bundle file).</summary>
internal interface ISampleSink : IDisposable
{
    /// <summary>An Organization, Practitioner or PractitionerRole.</summary>
    void Directory(JsonObject resource);

    /// <summary>A patient and the resources that belong with it (prescription, dispensation, vaccinations).</summary>
    void Patient(IReadOnlyList<JsonObject> resources);

    /// <summary>A DMP submission (ITI-65).</summary>
    void Submission(SampleDocuments documents, List<SubmissionEntry> entries);

    /// <summary>Whether references between a submission's entries are urn:uuids (true) or type/id (false).</summary>
    bool UsesBundles { get; }

    /// <summary>Files written, in the order they are to be loaded.</summary>
    IReadOnlyList<string> Files { get; }
}

/// <summary>The JSON settings of every file: compact, UTF-8 text unescaped (accents as themselves).</summary>
internal static class SampleJson
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };
}

/// <summary>
/// FHIR NDJSON (bulk data format): one file per resource type, one resource per line; only the types of
/// <paramref name="types"/> when it is given (the others are generated, so every entity stays the same, but not written).
/// </summary>
internal sealed class NdjsonSink(string folder, IReadOnlySet<string>? types = null) : ISampleSink
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Dictionary<string, (FileStream File, Utf8JsonWriter Writer)> _files = [];
    private readonly List<string> _order = [];

    public bool UsesBundles => false;

    public IReadOnlyList<string> Files => _order;

    /// <summary>Resources written, by type.</summary>
    public Dictionary<string, long> Written { get; } = [];

    public void Directory(JsonObject resource) => Write(resource);

    public void Patient(IReadOnlyList<JsonObject> resources)
    {
        foreach (var r in resources) Write(r);
    }

    public void Submission(SampleDocuments documents, List<SubmissionEntry> entries)
    {
        foreach (var e in entries) Write(e.Resource);
    }

    private void Write(JsonObject resource)
    {
        var type = (string)resource["resourceType"]!;
        if (types is not null && !types.Contains(type)) return;
        Written[type] = Written.GetValueOrDefault(type) + 1;
        if (!_files.TryGetValue(type, out var file))
        {
            var path = Path.Combine(folder, type + ".ndjson");
            var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            _files[type] = file = (stream, new Utf8JsonWriter(stream, SampleJson.Options));
            _order.Add(path);
        }
        resource.WriteTo(file.Writer);
        file.Writer.Flush();
        file.Writer.Reset();
        file.File.Write(NewLine);
    }

    public void Dispose()
    {
        foreach (var (stream, writer) in _files.Values)
        {
            writer.Dispose();
            stream.Dispose();
        }
    }
}

/// <summary>
/// Transaction Bundles, named so that listing them in order loads them in order: <c>1-directory-NNNNNN.json</c>
/// (organizations, practitioners, roles), <c>2-patients-NNNNNN.json</c> (patients with their prescriptions,
/// dispensations and vaccinations), both by PUT to the resources' ids so that a reload updates rather than
/// duplicates; then <c>3-dmp-NNNNNN.json</c>, one ITI-65 Provide Document Bundle per submission (POST, as MHD asks).
/// </summary>
internal sealed class BundleSink(string folder, int bundleEntries) : ISampleSink
{
    private readonly List<string> _files = [];
    private FileStream? _stream;
    private Utf8JsonWriter? _writer;
    private string? _kind;
    private int _entries;
    private int _submissions;
    private readonly Dictionary<string, int> _numbers = [];

    public bool UsesBundles => true;

    public IReadOnlyList<string> Files => _files;

    public void Directory(JsonObject resource)
    {
        Room("1-directory", 1);
        Put(resource);
    }

    public void Patient(IReadOnlyList<JsonObject> resources)
    {
        // A patient's resources stay in one Bundle, so that each Bundle loads on its own.
        Room("2-patients", resources.Count);
        foreach (var r in resources) Put(r);
    }

    public void Submission(SampleDocuments documents, List<SubmissionEntry> entries)
    {
        // A file of its own: the patients Bundle being filled stays open.
        var path = Path.Combine(folder, $"3-dmp-{++_submissions:000000}.json");
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16))
        using (var writer = new Utf8JsonWriter(stream, SampleJson.Options))
            documents.ProvideBundle(entries).WriteTo(writer);
        _files.Add(path);
    }

    private void Room(string kind, int entries)
    {
        if (_kind == kind && _entries + entries <= bundleEntries) return;
        if (_kind == kind && _entries == 0) return;
        Close();
        _kind = kind;
        _numbers[kind] = _numbers.GetValueOrDefault(kind) + 1;
        var path = Path.Combine(folder, $"{kind}-{_numbers[kind]:000000}.json");
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        _writer = new Utf8JsonWriter(_stream, SampleJson.Options);
        _writer.WriteStartObject();
        _writer.WriteString("resourceType", "Bundle");
        _writer.WriteString("type", "transaction");
        _writer.WriteStartArray("entry");
        _files.Add(path);
    }

    private void Put(JsonObject resource)
    {
        var w = _writer!;
        var url = $"{resource["resourceType"]}/{resource["id"]}";
        w.WriteStartObject();
        w.WriteString("fullUrl", NameUuid(url));
        w.WritePropertyName("resource");
        resource.WriteTo(w);
        w.WriteStartObject("request");
        w.WriteString("method", "PUT");
        w.WriteString("url", url);
        w.WriteEndObject();
        w.WriteEndObject();
        _entries++;
    }

    /// <summary>
    /// A name-based UUID (RFC 4122 §4.3, version 5: SHA-1) of the resource's type and id: an absolute fullUrl that is
    /// the same at every run (Bundle.entry.fullUrl is absolute; the entry's request names the id).
    /// </summary>
    private static string NameUuid(string name)
    {
        Span<byte> hash = stackalloc byte[20];
        System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes("fhirserver-samples/" + name), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return "urn:uuid:" + new Guid(hash[..16], bigEndian: true).ToString("D");
    }

    private void Close()
    {
        if (_writer is null) return;
        _writer.WriteEndArray();
        _writer.WriteEndObject();
        _writer.Dispose();
        _stream!.Dispose();
        (_writer, _stream, _kind, _entries) = (null, null, null, 0);
    }

    public void Dispose() => Close();
}
