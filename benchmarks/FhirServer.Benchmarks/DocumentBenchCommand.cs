using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Samples;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench documents &lt;base&gt; [--pid P]</c>: DMP document throughput against a running server (issue 24: ITI-65 of
/// a Bundle with a 1 MB PDF ≥ 100 Bundles/s; ITI-68 of a 10 MB document ≥ 200 MB/s with flat memory).
/// <list type="bullet">
/// <item>ITI-65 Provide Document Bundle: transaction Bundles of the sample generator (a PDSm SubmissionSet, a
/// DocumentReference, its Binary: a PDF of <c>--pdf-mb</c> in base64 inside the Bundle, as MHD sends it), each of
/// another patient and document, posted by <c>--clients</c> clients; Bundles/s, p50 and p99.</item>
/// <item>ITI-68 Retrieve Document: a raw PDF of <c>--doc-mb</c> stored once, then <c>GET Binary/{id}</c> with
/// <c>Accept: application/pdf</c> by <c>--clients</c> clients for <c>--seconds</c>; MB/s, p50 and p99, the bytes of
/// the first read compared with those written.</item>
/// </list>
/// With <c>--pid</c> (the server's process id, Linux) it prints the server's resident memory (<c>VmRSS</c>, of which
/// <c>RssAnon</c>) before, at each quarter of the run and after, and the peak between: flat memory is a peak that does
/// not grow with the number of requests. Bundles are made before the clock starts; the client shares the machine
/// with the server, so its own work (sending, reading) is in the figures.
/// </summary>
internal static class DocumentBenchCommand
{
    private const double Mb = 1024 * 1024;

    public static Command Create()
    {
        var baseUrl = new Argument<string>("base") { Description = "The server's base URL, e.g. http://127.0.0.1:8080" };
        var pid = new Option<int?>("--pid") { Description = "The server's process id: its resident memory is read from /proc" };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 4 };
        var bundles = new Option<int>("--bundles") { Description = "ITI-65: Bundles posted (timed)", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Requests before the timed ones (each of ITI-65 and ITI-68), so that the figures leave out the JIT's work", DefaultValueFactory = _ => 40 };
        var pdfMb = new Option<double>("--pdf-mb") { Description = "ITI-65: size of each Bundle's PDF, MB", DefaultValueFactory = _ => 1 };
        var docMb = new Option<double>("--doc-mb") { Description = "ITI-68: size of the document read, MB", DefaultValueFactory = _ => 10 };
        var seconds = new Option<double>("--seconds") { Description = "ITI-68: how long the reads run", DefaultValueFactory = _ => 20 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the generated patients and documents; the run's start time when not given, so that a rerun against the same store posts new documents" };
        var only = new Option<string?>("--only") { Description = "iti65 or iti68: one of the two" };
        var command = new Command("documents", "ITI-65 Provide Document Bundle (Bundles/s) and ITI-68 Retrieve Document (MB/s) against a server, with its resident memory")
        {
            baseUrl, pid, clients, bundles, warmup, pdfMb, docMb, seconds, seed, only,
        };
        command.SetAction(async (result, ct) =>
        {
            var n = Math.Max(1, result.GetValue(clients));
            var which = result.GetValue(only);
            using var http = RestBenchCommand.Client(result.GetValue(baseUrl)!, n);
            var memory = new ServerMemory(result.GetValue(pid));
            Console.WriteLine($"load average: {LoadAverage()}; {n} clients");
            var failed = false;
            if (which is null or "iti65")
            {
                var runSeed = result.GetValue(seed) ?? (int)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 1_000_000);
                failed |= !await ProvideAsync(http, memory, n, Math.Max(0, result.GetValue(warmup)), Math.Max(1, result.GetValue(bundles)),
                    (int)(result.GetValue(pdfMb) * Mb), runSeed, ct);
            }
            if (which is null or "iti68")
                failed |= !await RetrieveAsync(http, memory, n, Math.Max(0, result.GetValue(warmup)), (int)(result.GetValue(docMb) * Mb),
                    TimeSpan.FromSeconds(result.GetValue(seconds)), ct);
            Console.WriteLine($"load average: {LoadAverage()}");
            return failed ? 1 : 0;
        });
        return command;
    }

    private static async Task<bool> ProvideAsync(HttpClient http, ServerMemory memory, int clients, int warmup, int count, int pdfBytes, int seed,
        CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var bodies = ProvideBundles(seed, warmup + count, pdfBytes);
        var bundleBytes = bodies.Skip(warmup).Average(b => (double)b.Length);
        Console.WriteLine($"ITI-65: {count} Bundles of {bundleBytes / Mb:F2} MB (a PDF of {pdfBytes / Mb:F2} MB in base64), " +
                          $"seed {seed}, made in {sw.Elapsed.TotalSeconds:F1} s; warm-up of {warmup}");
        if (await PostAsync(http, bodies, 0, warmup, clients, ct) is not { } _) return false;
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // the JIT's background compilations of the warm-up finish
        Console.WriteLine($"ITI-65: warm-up done, {count} Bundles timed");
        var before = memory.Read();
        var sampler = memory.Sample();
        var cpu = memory.Cpu();
        sw.Restart();
        var latencies = await PostAsync(http, bodies, warmup, count, clients, ct);
        var elapsed = sw.Elapsed.TotalSeconds;
        var cpuPer = memory.CpuPer(cpu, count, "Bundle");
        var samples = await sampler.StopAsync();
        if (latencies is null) return false;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ITI-65: {count / elapsed,7:F1} Bundles/s ({count * bundleBytes / Mb / elapsed:F1} MB/s of Bundle), p50 {Percentile(latencies, 50),6:F0} ms, " +
            $"p99 {Percentile(latencies, 99),6:F0} ms, {elapsed:F1} s (goal ≥ 100 Bundles/s){cpuPer}"));
        memory.Print("ITI-65", before, samples, memory.Read());
        return true;
    }

    // The base64 as a client writes it: System.Text.Json's default encoder would write each '+' as \u002B, which no
    // MHD client does and which sends the server's parser down its slow path for escaped strings.
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// <paramref name="count"/> ITI-65 Bundles, each a submission of the sample generator cut to its first document
    /// (the PDF): SubmissionSet, DocumentReference and Binary, of patient <c>i</c> of the seed.
    /// </summary>
    internal static List<byte[]> ProvideBundles(int seed, int count, int pdfBytes)
    {
        var directory = new SampleDirectory(seed, organizations: 10, practitioners: 50);
        var documents = new SampleDocuments(seed, directory, pdfBytes);
        var bodies = new byte[count][];
        Parallel.For(0, count, i =>
        {
            var entries = documents.Submission(PatientCard.Create(seed, i), i, forBundle: true);
            var (list, reference, binary) = (entries[0], entries[1], entries[2]);
            var items = list.Resource["entry"]!.AsArray();
            while (items.Count > 1) items.RemoveAt(items.Count - 1);
            bodies[i] = JsonSerializer.SerializeToUtf8Bytes(documents.ProvideBundle([list, reference, binary]), Unescaped);
        });
        return [.. bodies];
    }

    /// <summary>Posts bodies[from..from+count) with <paramref name="clients"/> clients; the latency of each in ms, null after a failure (printed).</summary>
    private static async Task<List<double>?> PostAsync(HttpClient http, IReadOnlyList<byte[]> bodies, int from, int count, int clients, CancellationToken ct)
    {
        var next = -1;
        var latencies = new List<double>[clients];
        var failed = 0;
        async Task Worker(int c)
        {
            latencies[c] = [];
            for (int i; (i = Interlocked.Increment(ref next)) < count && Volatile.Read(ref failed) == 0;)
            {
                using var content = new ByteArrayContent(bodies[from + i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
                using var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = content };
                request.Headers.Add("Prefer", "return=minimal");
                var sw = Stopwatch.StartNew();
                using var response = await http.SendAsync(request, ct);
                var answer = await response.Content.ReadAsByteArrayAsync(ct);
                latencies[c].Add(sw.Elapsed.TotalMilliseconds);
                if (response.StatusCode != HttpStatusCode.OK && Interlocked.Exchange(ref failed, 1) == 0)
                    Console.Error.WriteLine($"ITI-65 Bundle {from + i}: {(int)response.StatusCode} {Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 3000)))}");
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => Worker(c), ct)));
        return failed == 0 ? [.. latencies.SelectMany(l => l)] : null;
    }

    private static async Task<bool> RetrieveAsync(HttpClient http, ServerMemory memory, int clients, int warmup, int bytes, TimeSpan duration,
        CancellationToken ct)
    {
        var document = PdfDocument.Create("Compte rendu d'imagerie médicale", ["Document du banc ITI-68"], bytes);
        var expected = SHA256.HashData(document);
        var id = $"bench-iti68-{document.Length}";
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"Binary/{id}") { Content = new ByteArrayContent(document) })
        {
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            put.Headers.Add("Prefer", "return=minimal");
            using var response = await http.SendAsync(put, ct);
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"ITI-68: PUT Binary/{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
                return false;
            }
        }
        Console.WriteLine($"ITI-68: Binary/{id}, a PDF of {document.Length / Mb:F1} MB stored raw; reads for {duration.TotalSeconds:F0} s after a warm-up of {warmup}");

        // The first read is checked byte for byte; the others are counted.
        var buffer = new byte[256 * 1024];
        async Task<(long Bytes, double Ms)> Get(bool check)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"Binary/{id}");
            request.Headers.Accept.ParseAdd("application/pdf");
            var sw = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "application/pdf")
                throw new InvalidOperationException($"GET Binary/{id}: {(int)response.StatusCode} {response.Content.Headers.ContentType}");
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            if (check)
            {
                if (!SHA256.HashData(stream).AsSpan().SequenceEqual(expected)) throw new InvalidOperationException($"GET Binary/{id}: not the bytes written");
                return (document.Length, sw.Elapsed.TotalMilliseconds);
            }
            var local = new byte[buffer.Length];
            long total = 0;
            for (int read; (read = await stream.ReadAsync(local, ct)) > 0;) total += read;
            if (total != document.Length) throw new InvalidOperationException($"GET Binary/{id}: {total} bytes, {document.Length} written");
            return (total, sw.Elapsed.TotalMilliseconds);
        }
        try
        {
            await Get(check: true);
            for (var w = 0; w < warmup; w += clients) await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Get(check: false)));
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            Console.WriteLine("ITI-68: warm-up done, reads timed");
            var before = memory.Read();
            var sampler = memory.Sample();
            var cpu = memory.Cpu();
            var latencies = new List<double>[clients];
            long total = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                latencies[c] = [];
                while (clock.Elapsed < duration)
                {
                    var (read, ms) = await Get(check: false);
                    Interlocked.Add(ref total, read);
                    latencies[c].Add(ms);
                }
            }, ct)));
            var elapsed = clock.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).ToList();
            var cpuPer = memory.CpuPer(cpu, all.Count, "read");
            var samples = await sampler.StopAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ITI-68: {total / Mb / elapsed,7:F1} MB/s ({all.Count / elapsed:F1} documents/s, {all.Count} reads), p50 {Percentile(all, 50),6:F0} ms, " +
                $"p99 {Percentile(all, 99),6:F0} ms, {elapsed:F1} s (goal ≥ 200 MB/s){cpuPer}"));
            memory.Print("ITI-68", before, samples, memory.Read());
            return true;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine("ITI-68: " + e.Message);
            return false;
        }
    }

    private static double Percentile(List<double> values, int percent)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1)];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The server's resident memory from <c>/proc/&lt;pid&gt;/status</c>, when its process id is known.</summary>
    private sealed class ServerMemory(int? pid)
    {
        public readonly record struct Reading(long Rss, long Anon);

        /// <summary>The server's CPU time so far (user + system, /proc/&lt;pid&gt;/stat), null without --pid.</summary>
        public TimeSpan? Cpu()
        {
            if (pid is not { } id || !File.Exists($"/proc/{id}/stat")) return null;
            var stat = File.ReadAllText($"/proc/{id}/stat");
            // The fields after the command name (which may hold spaces) in parentheses: utime and stime are the 12th and 13th.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ, 100 on Linux
        }

        /// <summary>"server CPU x ms per request" between two readings: on a busy machine, what the work costs whatever the wait.</summary>
        public string CpuPer(TimeSpan? before, int requests, string what) =>
            before is { } b && Cpu() is { } a && requests > 0
                ? string.Create(CultureInfo.InvariantCulture, $"; server CPU {(a - b).TotalMilliseconds / requests:F1} ms per {what} ({(a - b).TotalSeconds:F1} s in all)")
                : "";

        public Reading? Read()
        {
            if (pid is not { } id || !File.Exists($"/proc/{id}/status")) return null;
            long Kb(string[] lines, string key) =>
                lines.FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal)) is { } line
                    ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024
                    : 0;
            var status = File.ReadAllLines($"/proc/{id}/status");
            return new Reading(Kb(status, "VmRSS"), Kb(status, "RssAnon"));
        }

        /// <summary>Reads every 100 ms until stopped.</summary>
        public Sampler Sample() => new(this);

        public sealed class Sampler
        {
            private readonly CancellationTokenSource _stop = new();
            private readonly Task<List<Reading>> _task;

            public Sampler(ServerMemory memory)
            {
                _task = Task.Run(async () =>
                {
                    var readings = new List<Reading>();
                    while (!_stop.IsCancellationRequested)
                    {
                        if (memory.Read() is { } r) readings.Add(r);
                        try { await Task.Delay(100, _stop.Token); } catch (OperationCanceledException) { }
                    }
                    return readings;
                });
            }

            public async Task<List<Reading>> StopAsync()
            {
                await _stop.CancelAsync();
                return await _task;
            }
        }

        public void Print(string what, Reading? before, List<Reading> during, Reading? after)
        {
            if (before is not { } b || after is not { } a || during.Count == 0)
            {
                if (pid is null) Console.WriteLine($"{what}: server memory not read (give --pid)");
                return;
            }
            static string Show(Reading r) => $"{r.Rss / Mb:F0} MB (anon {r.Anon / Mb:F0})";
            var quarters = Enumerable.Range(1, 4).Select(q => during[Math.Min(during.Count - 1, q * during.Count / 4 - 1 < 0 ? 0 : q * during.Count / 4 - 1)]);
            var peak = during.MaxBy(r => r.Rss);
            Console.WriteLine($"{what}: server resident memory before {Show(b)}; by quarter of the run {string.Join(", ", quarters.Select(Show))}; " +
                              $"peak {Show(peak)}; after {Show(a)}");
        }
    }
}
