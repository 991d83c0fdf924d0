using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench load</c> and <c>bench ingest</c>: HTTP clients for the REST benchmarks of <c>benchmarks/rest/</c>. They
/// talk to any FHIR server by its base URL (ours or a peer), so both sides are loaded the same way.
/// </summary>
internal static class RestBenchCommand
{
    private static readonly MediaTypeHeaderValue FhirJson = new("application/fhir+json");

    /// <summary>
    /// <c>bench load &lt;base&gt; &lt;ndjson&gt;</c>: posts the resources of an NDJSON file as transaction Bundles and writes
    /// the ids the server gave them, one a line, for the read benchmark.
    /// </summary>
    public static Command Load()
    {
        var baseUrl = new Argument<string>("base") { Description = "The server's base URL, e.g. http://127.0.0.1:8080" };
        var file = new Argument<FileInfo>("ndjson") { Description = "Resources, one JSON object a line" };
        var ids = new Option<FileInfo?>("--ids") { Description = "Write the assigned ids here, one a line" };
        var batch = new Option<int>("--batch") { Description = "Entries per transaction Bundle", DefaultValueFactory = _ => 500 };
        var clients = new Option<int>("--clients") { Description = "Concurrent requests", DefaultValueFactory = _ => 2 };
        var command = new Command("load", "POST an NDJSON file as transaction Bundles; write the assigned ids") { baseUrl, file, ids, batch, clients };
        command.SetAction(async (result, ct) =>
        {
            var source = result.GetValue(file)!;
            if (!source.Exists)
            {
                Console.Error.WriteLine($"bench load: {source.FullName} does not exist");
                return 2;
            }
            var lines = File.ReadLines(source.FullName).Where(l => l.Length > 0).ToList();
            var size = Math.Max(1, result.GetValue(batch));
            var bundles = lines.Chunk(size).Select(chunk =>
            {
                var entries = new JsonArray();
                foreach (var line in chunk)
                {
                    var resource = JsonNode.Parse(line)!.AsObject();
                    var type = (string)resource["resourceType"]!;
                    entries.Add(new JsonObject
                    {
                        ["fullUrl"] = "urn:uuid:" + Guid.NewGuid(),
                        ["resource"] = resource,
                        ["request"] = new JsonObject { ["method"] = "POST", ["url"] = type },
                    });
                }
                return new Upload($"{chunk.Length} resources", chunk.Length, Bundle("transaction", entries));
            }).ToList();
            using var http = Client(result.GetValue(baseUrl)!, result.GetValue(clients));
            var assigned = new ConcurrentDictionary<int, List<string>>();
            var sw = Stopwatch.StartNew();
            var failures = await PostAll(http, bundles, result.GetValue(clients), (index, response) => assigned[index] = Locations(response), ct);
            var elapsed = sw.Elapsed.TotalSeconds;
            if (failures > 0) return 1;
            var all = Enumerable.Range(0, bundles.Count).SelectMany(i => assigned[i]).ToList();
            if (result.GetValue(ids) is { } idFile)
                await File.WriteAllLinesAsync(idFile.FullName, all.Select(l => l.Split('/')[1]), ct);
            Console.WriteLine($"loaded {all.Count:N0} resources in {bundles.Count} transactions of ≤ {size} in {elapsed:F1} s ({all.Count / elapsed:N0} resources/s)");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>bench ingest &lt;base&gt; &lt;folder&gt;</c>: a Synthea export (hospital and practitioner Bundles first, then one
    /// transaction per patient) posted by several clients at once; prints resources/s.
    /// </summary>
    public static Command Ingest()
    {
        var baseUrl = new Argument<string>("base") { Description = "The server's base URL, e.g. http://127.0.0.1:8080" };
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Synthea FHIR R4 output (hospitalInformation*.json, practitionerInformation*.json, patient Bundles)" };
        var clients = new Option<int>("--clients") { Description = "Concurrent requests", DefaultValueFactory = _ => 4 };
        var chunk = new Option<int>("--chunk") { Description = "Entries per request for the hospital and practitioner Bundles", DefaultValueFactory = _ => 500 };
        var serverConditionals = new Option<bool>("--server-conditionals")
        {
            Description = "Send the Bundles unchanged and let the server resolve ifNoneExist and 'Type?identifier=…' references " +
                          "(default: the loader resolves them, for servers without search)",
        };
        var command = new Command("ingest", "POST a Synthea export as transactions with concurrent clients; print resources/s") { baseUrl, folder, clients, chunk, serverConditionals };
        command.SetAction(async (result, ct) =>
        {
            var dir = result.GetValue(folder)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"bench ingest: {dir.FullName} does not exist");
                return 2;
            }
            var n = Math.Max(1, result.GetValue(clients));
            var files = dir.EnumerateFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            bool IsShared(FileInfo f) => f.Name.StartsWith("hospitalInformation", StringComparison.Ordinal)
                                         || f.Name.StartsWith("practitionerInformation", StringComparison.Ordinal);
            // Prepared before the clock starts: the requests are built in memory, the server's work alone is timed.
            var stats = new SyntheaRewrite(resolve: !result.GetValue(serverConditionals));
            var shared = files.Where(IsShared).SelectMany(f => stats.Shared(f, Math.Max(1, result.GetValue(chunk)))).ToList();
            var patients = files.Where(f => !IsShared(f)).Select(stats.Patient).Where(u => u is not null).Select(u => u!).ToList();
            Console.WriteLine(stats.Describe());

            using var http = Client(result.GetValue(baseUrl)!, n);
            var (failures, sharedTime, patientTime) = await IngestAsync(http, shared, patients, n, ct);
            if (failures > 0) return 1;
            PrintIngest(shared, patients, n, sharedTime, patientTime);
            return 0;
        });
        return command;
    }

    /// <summary>The shared Bundles first, then the patient Bundles; returns the failures and the seconds of each phase.</summary>
    internal static async Task<(int Failures, double Shared, double Patients)> IngestAsync(
        HttpClient http, IReadOnlyList<Upload> shared, IReadOnlyList<Upload> patients, int clients, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var failures = await PostAll(http, shared, clients, null, ct);
        var sharedTime = sw.Elapsed.TotalSeconds;
        sw.Restart();
        failures += await PostAll(http, patients, clients, null, ct);
        return (failures, sharedTime, sw.Elapsed.TotalSeconds);
    }

    internal static void PrintIngest(IReadOnlyList<Upload> shared, IReadOnlyList<Upload> patients, int clients, double sharedTime, double patientTime)
    {
        var (sharedCount, patientCount) = (shared.Sum(u => u.Resources), patients.Sum(u => u.Resources));
        var all = sharedTime + patientTime;
        Console.WriteLine($"hospitals + practitioners: {sharedCount,9:N0} resources in {shared.Count,5} requests, {sharedTime,7:F1} s, {sharedCount / sharedTime,7:N0} resources/s");
        Console.WriteLine($"patients:                  {patientCount,9:N0} resources in {patients.Count,5} transactions, {patientTime,7:F1} s, {patientCount / patientTime,7:N0} resources/s");
        Console.WriteLine($"total:                     {sharedCount + patientCount,9:N0} resources, {clients} clients, {all,7:F1} s, {(sharedCount + patientCount) / all,7:N0} resources/s");
    }

    /// <summary>One request body and what it holds.</summary>
    internal sealed record Upload(string Name, int Resources, byte[] Body);

    internal static byte[] Bundle(string type, JsonArray entries) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["resourceType"] = "Bundle", ["type"] = type, ["entry"] = entries });

    internal static HttpClient Client(string baseUrl, int clients) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, clients), PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromMinutes(10),
        };

    /// <summary>Posts the uploads to the base URL, <paramref name="clients"/> at a time, in order of the list. Returns the number that failed.</summary>
    internal static Task<int> PostAll(HttpClient http, IReadOnlyList<Upload> uploads, int clients, Action<int, JsonDocument>? onResponse, CancellationToken ct) =>
        PostAll(http, uploads.Count, i => uploads[i], clients, onResponse, ct);

    /// <summary>Posts <paramref name="count"/> uploads made by <paramref name="get"/>; <paramref name="release"/> is told when one is sent.</summary>
    internal static async Task<int> PostAll(HttpClient http, int count, Func<int, Upload> get, int clients, Action<int, JsonDocument>? onResponse,
        CancellationToken ct, Action<int>? release = null)
    {
        var next = -1;
        var failures = 0;
        async Task Worker()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < count;)
            {
                var upload = get(i);
                using var content = new ByteArrayContent(upload.Body);
                content.Headers.ContentType = FhirJson;
                using var response = await http.PostAsync("", content, ct);
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                release?.Invoke(i);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                    Console.Error.WriteLine($"{upload.Name}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 2000)))}");
                    continue;
                }
                if (onResponse is not null)
                {
                    using var document = JsonDocument.Parse(body);
                    onResponse(i, document);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Worker, ct)));
        return failures;
    }

    /// <summary>"Type/id" of each entry of a batch or transaction response (location may be absolute and carry _history).</summary>
    private static List<string> Locations(JsonDocument response)
    {
        var result = new List<string>();
        foreach (var entry in response.RootElement.GetProperty("entry").EnumerateArray())
        {
            var location = entry.GetProperty("response").GetProperty("location").GetString()!;
            var parts = location.Split('/');
            var at = Array.IndexOf(parts, "_history");
            var end = at >= 0 ? at : parts.Length;
            result.Add($"{parts[end - 2]}/{parts[end - 1]}");
        }
        return result;
    }

    /// <summary>
    /// For servers without search the loader resolves Synthea's conditional parts itself: an entry with
    /// <c>ifNoneExist: identifier=system|value</c> becomes a PUT to an id derived from its type and identifier, and a
    /// reference <c>Type?identifier=system|value</c> becomes <c>Type/&lt;that id&gt;</c>. With <c>resolve: false</c>
    /// the Bundles go unchanged (the shared ones only cut into requests of at most <c>chunk</c> entries).
    /// </summary>
    internal sealed class SyntheaRewrite(bool resolve = true)
    {
        private int _conditionalCreates, _conditionalReferences;

        public string Describe() => resolve
            ? $"Conditional operations are resolved by this loader, not the server: {_conditionalCreates:N0} ifNoneExist creates " +
              $"sent as PUT to an id hashed from the identifier, {_conditionalReferences:N0} references 'Type?identifier=system|value' " +
              "rewritten to 'Type/<that id>'."
            : "Conditional operations are resolved by the server: the Bundles are sent unchanged (ifNoneExist creates, " +
              "references 'Type?identifier=system|value').";

        public static string IdFor(string type, string query) =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(type + "?" + query)))[..32];

        /// <summary>A hospital or practitioner Bundle (type batch, conditional creates) as transactions of at most <paramref name="chunk"/> entries.</summary>
        public IEnumerable<Upload> Shared(FileInfo file, int chunk)
        {
            var bundle = JsonNode.Parse(File.ReadAllBytes(file.FullName))!.AsObject();
            var entries = bundle["entry"]!.AsArray().Select(e => e!.DeepClone().AsObject()).ToList();
            var part = 0;
            if (!resolve)
            {
                var type = (string?)bundle["type"] ?? "batch";
                foreach (var slice in entries.Chunk(chunk))
                    yield return new Upload($"{file.Name} part {++part}", slice.Length, Bundle(type, [.. slice]));
                yield break;
            }
            foreach (var entry in entries)
            {
                var request = entry["request"]!.AsObject();
                if (request["ifNoneExist"] is { } condition)
                {
                    var type = (string)request["url"]!;
                    var id = IdFor(type, (string)condition!);
                    request.Remove("ifNoneExist");
                    request["method"] = "PUT";
                    request["url"] = $"{type}/{id}";
                    entry["resource"]!["id"] = id;
                    _conditionalCreates++;
                }
                RewriteReferences(entry["resource"]);
            }
            foreach (var slice in entries.Chunk(chunk))
                yield return new Upload($"{file.Name} part {++part}", slice.Length, Bundle("transaction", [.. slice]));
        }

        /// <summary>A patient transaction with its conditional references resolved.</summary>
        public Upload? Patient(FileInfo file)
        {
            var bundle = JsonNode.Parse(File.ReadAllBytes(file.FullName))!.AsObject();
            if ((string?)bundle["type"] is not ("transaction" or "batch")) return null;
            var entries = bundle["entry"]!.AsArray();
            if (!resolve) return new Upload(file.Name, entries.Count, File.ReadAllBytes(file.FullName));
            foreach (var entry in entries)
            {
                if (entry!["request"]?["ifNoneExist"] is not null)
                    throw new InvalidOperationException($"{file.Name}: conditional create in a patient Bundle is not handled");
                RewriteReferences(entry["resource"]);
            }
            return new Upload(file.Name, entries.Count, JsonSerializer.SerializeToUtf8Bytes(bundle));
        }

        private void RewriteReferences(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (name, value) in o.ToList())
                    {
                        if (name == "reference" && value is JsonValue v && v.TryGetValue<string>(out var text) && text.IndexOf('?') is var q and > 0)
                        {
                            o["reference"] = $"{text[..q]}/{IdFor(text[..q], text[(q + 1)..])}";
                            _conditionalReferences++;
                        }
                        else RewriteReferences(value);
                    }
                    break;
                case JsonArray a:
                    foreach (var item in a) RewriteReferences(item);
                    break;
            }
        }
    }
}
