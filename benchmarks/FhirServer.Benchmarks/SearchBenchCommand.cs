using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench search load</c> and <c>bench search query</c>: the search benchmark of <c>benchmarks/search/</c>. The
/// loader multiplies a Synthea export into copies with fresh ids, names and dates; the query runner puts a closed-loop
/// load on each search of the issue and prints req/s, p50 and p99 per query and server.
/// </summary>
internal static partial class SearchBenchCommand
{
    public static Command Create()
    {
        var search = new Command("search", "Search benchmark: multiply a Synthea export into a server; time the searches");
        search.Subcommands.Add(Load());
        search.Subcommands.Add(Query());
        search.Subcommands.Add(StoreCopiesCommand.Create());
        search.Subcommands.Add(FrenchSearchBenchCommand.Create());
        return search;
    }

    private static Command Load()
    {
        var baseUrl = new Argument<string>("base") { Description = "The server's base URL" };
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Synthea FHIR R4 output" };
        var copies = new Option<int>("--copies") { Description = "Copies of the patient Bundles (the hospital and practitioner Bundles are sent once)", DefaultValueFactory = _ => 4 };
        var first = new Option<int>("--first-copy") { Description = "Number of the first copy (to add copies to a loaded store)", DefaultValueFactory = _ => 1 };
        var clients = new Option<int>("--clients") { Description = "Concurrent requests", DefaultValueFactory = _ => 4 };
        var noShared = new Option<bool>("--no-shared") { Description = "Do not send the hospital and practitioner Bundles (already loaded)" };
        var command = new Command("load", "Load the hospital and practitioner Bundles once, then N copies of the patient Bundles (fresh ids, names, dates)")
        {
            baseUrl, folder, copies, first, clients, noShared,
        };
        command.SetAction(async (result, ct) =>
        {
            var dir = result.GetValue(folder)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"bench search load: {dir.FullName} does not exist");
                return 2;
            }
            var n = Math.Max(1, result.GetValue(clients));
            var files = dir.EnumerateFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            bool IsShared(FileInfo f) => f.Name.StartsWith("hospitalInformation", StringComparison.Ordinal)
                                         || f.Name.StartsWith("practitionerInformation", StringComparison.Ordinal);
            var rewrite = new RestBenchCommand.SyntheaRewrite(resolve: false);
            var shared = result.GetValue(noShared) ? [] : files.Where(IsShared).SelectMany(f => rewrite.Shared(f, 500)).ToList();
            var templates = files.Where(f => !IsShared(f)).Select(f => (f.Name, Text: File.ReadAllText(f.FullName)))
                .Where(t => t.Text.Contains("\"transaction\"", StringComparison.Ordinal)).ToList();
            var perCopy = templates.Sum(t => Regex.Count(t.Text, "\"fullUrl\""));
            var count = Math.Max(1, result.GetValue(copies));
            var from = result.GetValue(first);
            Console.WriteLine($"{shared.Sum(u => u.Resources):N0} hospital/practitioner resources once, then {count} copies (numbers {from}–{from + count - 1}) " +
                              $"of {templates.Count} patient Bundles ({perCopy:N0} resources each); conditional references resolved by the server");

            using var http = RestBenchCommand.Client(result.GetValue(baseUrl)!, n);
            var sw = Stopwatch.StartNew();
            var failures = await RestBenchCommand.PostAll(http, shared, n, null, ct);
            var sharedTime = sw.Elapsed.TotalSeconds;
            sw.Restart();
            // Copies are made by the clients as they go (a copy of the export is ~60 MB): a few ms of the client's
            // time per Bundle on the same machine, included in the figure.
            var uploads = Enumerable.Range(0, count * templates.Count).Select(i => new Lazy<RestBenchCommand.Upload>(() =>
            {
                var (name, text) = templates[i % templates.Count];
                var copy = from + i / templates.Count;
                var body = Copy(text, copy);
                return new RestBenchCommand.Upload($"{name} copy {copy}", Regex.Count(body, "\"fullUrl\""), Encoding.UTF8.GetBytes(body));
            })).ToList();
            failures += await RestBenchCommand.PostAll(http, uploads.Count, i => uploads[i].Value, n, null, ct, release: i => uploads[i] = null!);
            var patientTime = sw.Elapsed.TotalSeconds;
            if (failures > 0) return 1;
            var total = shared.Sum(u => u.Resources) + perCopy * count;
            Console.WriteLine($"hospitals + practitioners: {shared.Sum(u => u.Resources),9:N0} resources, {sharedTime,7:F1} s");
            Console.WriteLine($"patient copies:            {perCopy * count,9:N0} resources, {patientTime,7:F1} s, {perCopy * count / patientTime,7:N0} resources/s");
            Console.WriteLine($"loaded {total:N0} resources in {sharedTime + patientTime:F1} s ({total / (sharedTime + patientTime):N0} resources/s, {n} clients)");
            return 0;
        });
        return command;
    }

    [GeneratedRegex("\"fullUrl\"\\s*:\\s*\"urn:uuid:([0-9a-fA-F-]{36})\"")]
    private static partial Regex FullUrl();

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Uuid();

    [GeneratedRegex("(\"family\"\\s*:\\s*\")([^\"]*)\"")]
    private static partial Regex Family();

    [GeneratedRegex("(?<![0-9])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])")]
    private static partial Regex Date();

    /// <summary>
    /// Copy <paramref name="copy"/> of a patient Bundle: the uuids of its entries (fullUrls, ids, references and the
    /// identifiers that carry them) replaced by uuids derived from the copy number, family names suffixed with
    /// <c>-NNNN</c> (a fixed width, so <c>family=Name-0003</c> matches one copy only), every date shifted by
    /// <paramref name="copy"/> days. References to hospitals and practitioners (conditional) are left alone.
    /// </summary>
    internal static string Copy(string bundle, int copy)
    {
        var own = FullUrl().Matches(bundle).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var text = Uuid().Replace(bundle, m => own.Contains(m.Value) ? Fresh(m.Value, copy) : m.Value);
        text = Family().Replace(text, m => $"{m.Groups[1].Value}{m.Groups[2].Value}-{copy:D4}\"");
        return Date().Replace(text, m =>
        {
            var year = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var month = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            var day = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return m.Value;
            return new DateOnly(year, month, day).AddDays(copy).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        });
    }

    private static string Fresh(string uuid, int copy)
    {
        var hash = MD5.HashData(Encoding.ASCII.GetBytes($"{copy}:{uuid.ToLowerInvariant()}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x30); // version 3 (name-based, MD5)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash, bigEndian: true).ToString();
    }

    private const string SyntheaSystem = "https://github.com/synthetichealth/synthea";

    private static Command Query()
    {
        var bases = new Argument<string[]>("base") { Description = "Base URLs of the servers, measured in turn (interleaved rounds)", Arity = ArgumentArity.OneOrMore };
        var names = new Option<string?>("--names") { Description = "Names of the servers in the table, comma-separated" };
        var duration = new Option<double>("--duration") { Description = "Seconds of load per query, server and round", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of warm-up per query and server", DefaultValueFactory = _ => 2 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (closed loop)", DefaultValueFactory = _ => 8 };
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds; the table gives the median round", DefaultValueFactory = _ => 1 };
        var only = new Option<string?>("--queries") { Description = "Comma-separated query names to run (default: all of the Synthea set)" };
        var sample = new Option<int>("--sample") { Description = "Patients read from each server for the values the queries cycle over", DefaultValueFactory = _ => 2000 };
        var command = new Command("query", "Closed-loop load on each search; prints req/s, p50, p99 per query and server")
        {
            bases, names, duration, warmup, clients, rounds, only, sample,
        };
        command.SetAction(async (result, ct) =>
        {
            var urls = result.GetValue(bases)!;
            var labels = result.GetValue(names)?.Split(',') ?? urls;
            if (labels.Length != urls.Length)
            {
                Console.Error.WriteLine("bench search query: --names needs one name per base URL");
                return 2;
            }
            var n = Math.Max(1, result.GetValue(clients));
            var servers = new List<Server>();
            for (var s = 0; s < urls.Length; s++)
            {
                var http = RestBenchCommand.Client(urls[s], n);
                var server = new Server(labels[s], http);
                await server.DiscoverAsync(result.GetValue(sample), ct);
                servers.Add(server);
                Console.WriteLine($"{server.Name}: {server.Describe()}");
            }
            var selected = result.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var queries = Queries.Where(q => selected is null || selected.Contains(q.Name)).ToList();
            var seconds = result.GetValue(duration);
            var table = new Dictionary<(string, string), List<Measure>>();
            foreach (var query in queries)
            {
                foreach (var server in servers)
                {
                    server.Urls[query.Name] = await query.Urls(server, ct);
                    if (result.GetValue(warmup) > 0) await RunAsync(server.Http, server.Urls[query.Name], n, result.GetValue(warmup), ct);
                }
                for (var r = 0; r < Math.Max(1, result.GetValue(rounds)); r++)
                    foreach (var server in servers)
                    {
                        var m = await RunAsync(server.Http, server.Urls[query.Name], n, seconds, ct);
                        (table.TryGetValue((query.Name, server.Name), out var list) ? list : table[(query.Name, server.Name)] = []).Add(m);
                        Console.Error.WriteLine($"{query.Name,-16} {server.Name,-10} round {r + 1}: {m.Rps,8:N0} req/s  p50 {m.P50,7:F2} ms  p99 {m.P99,7:F2} ms{(m.Errors > 0 ? $"  {m.Errors} errors" : "")}");
                    }
            }
            Console.WriteLine();
            Console.WriteLine($"closed loop: {n} clients × {seconds:0.#} s per query and server, median of {Math.Max(1, result.GetValue(rounds))} interleaved round(s)");
            Console.WriteLine($"{"query",-16} {"server",-10} {"values",7} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"errors",7}  example");
            foreach (var query in queries)
                foreach (var server in servers)
                {
                    var list = table[(query.Name, server.Name)];
                    var m = list.OrderBy(x => x.Rps).ElementAt(list.Count / 2);
                    var urlsUsed = server.Urls[query.Name];
                    Console.WriteLine($"{query.Name,-16} {server.Name,-10} {urlsUsed.Count,7} {m.Rps,9:N0} {m.P50,8:F2} {m.P99,8:F2} {m.Errors,7}  {urlsUsed[0]}");
                }
            foreach (var server in servers) server.Http.Dispose();
            return table.Values.SelectMany(v => v).Any(m => m.Errors > 0 && m.Count == 0) ? 1 : 0;
        });
        return command;
    }

    internal sealed record Measure(int Count, int Errors, double Rps, double P50, double P99);

    /// <summary>The query set: a name and the URLs (relative to the base) the clients cycle over.</summary>
    private sealed record QueryDef(string Name, Func<Server, CancellationToken, Task<List<string>>> Urls);

    private static readonly QueryDef[] Queries =
    [
        new("family", (s, _) => Task.FromResult(s.Families.Select(f => $"Patient?family={Uri.EscapeDataString(f)}").ToList())),
        new("identifier", (s, _) => Task.FromResult(s.Identifiers.Select(v => $"Patient?identifier={Uri.EscapeDataString(SyntheaSystem + "|" + v)}").ToList())),
        new("code+date", (s, _) => Task.FromResult(s.Codes.SelectMany(c => new[] { 2000, 2010, 2015, 2020 }
            .Select(y => $"Observation?code={Uri.EscapeDataString(c)}&date=ge{y}-01-01")).ToList())),
        new("chain", (s, _) => Task.FromResult(s.Families.Select(f => $"Observation?patient.name={Uri.EscapeDataString(f)}").ToList())),
        new("_has", (s, _) => Task.FromResult(s.Codes.Select(c => $"Patient?_has:Observation:patient:code={Uri.EscapeDataString(c)}").ToList())),
        new("_include", (s, _) => Task.FromResult(s.PatientIds.Select(id => $"Encounter?patient=Patient/{id}&_include=Encounter:practitioner").ToList())),
        new("_total", (s, _) => Task.FromResult(new List<string> { $"Observation?category={Uri.EscapeDataString(s.Category)}&_total=accurate" })),
        new("page1", (s, _) => Task.FromResult(new List<string> { $"Observation?category={Uri.EscapeDataString(s.Category)}&_count=20" })),
        new("page50", async (s, ct) => [await s.FollowNextAsync($"Observation?category={Uri.EscapeDataString(s.Category)}&_count=20", 49, ct)]),
        // _sort by each kind (docs/search.md, "Sorting"): string, token with date, date, reference, quantity (a number's
        // sort is the same encoded value in the same index); first pages, a page deep in the walk, and a sort with a
        // filter of many rows.
        new("sort-name", (s, _) => Task.FromResult(new List<string> { "Patient?_sort=name&_count=10" })),
        new("sort-family-", (s, _) => Task.FromResult(new List<string> { "Patient?_sort=-family&_count=10" })),
        new("sort-name-p4", async (s, ct) => [await s.FollowNextAsync("Patient?_sort=name&_count=10", 3, ct)]),
        new("sort-gender+bd-", (s, _) => Task.FromResult(new List<string> { "Patient?_sort=gender,-birthdate&_count=10" })),
        new("sort-date-", (s, _) => Task.FromResult(new List<string> { "Observation?_sort=-date&_count=10" })),
        new("sort-subject", (s, _) => Task.FromResult(new List<string> { "Observation?_sort=subject&_count=10" })),
        new("sort-quantity", (s, _) => Task.FromResult(new List<string> { "Observation?_sort=value-quantity&_count=10" })),
        new("sort-cat+date-", (s, _) => Task.FromResult(new List<string> { $"Observation?category={Uri.EscapeDataString(s.Category)}&_sort=-date&_count=10" })),
    ];

    /// <summary>A server under test and the values read from it (ids differ between servers).</summary>
    private sealed class Server(string name, HttpClient http)
    {
        public string Name { get; } = name;
        public HttpClient Http { get; } = http;
        public List<string> Families { get; } = [];
        public List<string> Identifiers { get; } = [];
        public List<string> PatientIds { get; } = [];
        /// <summary>The 10 most frequent Observation codes (system|code) and the most frequent category of a sample.</summary>
        public List<string> Codes { get; } = [];
        public string Category { get; private set; } = "vital-signs";
        public Dictionary<string, List<string>> Urls { get; } = [];
        private readonly Dictionary<string, long> _totals = [];

        public string Describe() =>
            string.Join(", ", _totals.Select(t => $"{t.Value:N0} {t.Key}")) + $"; {PatientIds.Count:N0} patients sampled, {Families.Count:N0} families; " +
            $"Observation codes {string.Join(" ", Codes.Take(3))}…, category {Category}";

        public async Task DiscoverAsync(int sample, CancellationToken ct)
        {
            foreach (var type in new[] { "Patient", "Observation", "Encounter" })
            {
                try
                {
                    using var doc = await GetAsync($"{type}?_total=accurate&_count=0", ct);
                    if (doc.RootElement.TryGetProperty("total", out var total)) _totals[type] = total.GetInt64();
                }
                catch (InvalidOperationException) { } // a server that does not count: no size in the table

            }
            var families = new HashSet<string>();
            string? url = $"Patient?_count={Math.Min(500, sample)}";
            while (url is not null && PatientIds.Count < sample)
            {
                using var doc = await GetAsync(url, ct);
                url = Next(doc);
                if (!doc.RootElement.TryGetProperty("entry", out var entries)) break;
                foreach (var entry in entries.EnumerateArray())
                {
                    var patient = entry.GetProperty("resource");
                    if (patient.GetProperty("resourceType").GetString() != "Patient") continue;
                    PatientIds.Add(patient.GetProperty("id").GetString()!);
                    if (patient.TryGetProperty("name", out var namesElement))
                        foreach (var name in namesElement.EnumerateArray())
                            if (name.TryGetProperty("family", out var family) && families.Add(family.GetString()!)) Families.Add(family.GetString()!);
                    if (patient.TryGetProperty("identifier", out var ids))
                        foreach (var id in ids.EnumerateArray())
                            if (id.TryGetProperty("system", out var system) && system.GetString() == SyntheaSystem)
                                Identifiers.Add(id.GetProperty("value").GetString()!);
                }
            }
            if (PatientIds.Count == 0) throw new InvalidOperationException($"{Name}: no patients found");
            if (_totals.GetValueOrDefault("Observation") > 0)
            {
                using var doc = await GetAsync("Observation?_count=1000", ct);
                var codes = new Dictionary<string, int>();
                var categories = new Dictionary<string, int>();
                if (doc.RootElement.TryGetProperty("entry", out var entries))
                    foreach (var entry in entries.EnumerateArray())
                    {
                        var observation = entry.GetProperty("resource");
                        foreach (var coding in Codings(observation, "code")) codes[coding] = codes.GetValueOrDefault(coding) + 1;
                        if (observation.TryGetProperty("category", out var cats))
                            foreach (var cat in cats.EnumerateArray())
                                foreach (var coding in Codings(cat, null))
                                    categories[coding] = categories.GetValueOrDefault(coding) + 1;
                    }
                Codes.AddRange(codes.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(10).Select(c => c.Key));
                if (categories.Count > 0) Category = categories.OrderByDescending(c => c.Value).First().Key;
            }
            // A fixed order that mixes the copies, the same for every server.
            var random = new Random(42);
            random.Shuffle(CollectionsMarshalList(Families));
            random = new Random(43);
            random.Shuffle(CollectionsMarshalList(Identifiers));
            random = new Random(44);
            random.Shuffle(CollectionsMarshalList(PatientIds));
        }

        /// <summary>"system|code" of the codings of a CodeableConcept (the property <paramref name="name"/>, or the element itself).</summary>
        private static IEnumerable<string> Codings(JsonElement element, string? name)
        {
            if (name is not null && !element.TryGetProperty(name, out element)) yield break;
            if (!element.TryGetProperty("coding", out var codings)) yield break;
            foreach (var coding in codings.EnumerateArray())
                if (coding.TryGetProperty("code", out var code))
                    yield return (coding.TryGetProperty("system", out var system) ? system.GetString() + "|" : "") + code.GetString();
        }

        private static Span<string> CollectionsMarshalList(List<string> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);

        /// <summary>Follows <c>next</c> links <paramref name="hops"/> times from <paramref name="url"/>; the URL reached, relative to the base.</summary>
        public async Task<string> FollowNextAsync(string url, int hops, CancellationToken ct)
        {
            for (var i = 0; i < hops; i++)
            {
                using var doc = await GetAsync(url, ct);
                url = Next(doc) ?? throw new InvalidOperationException($"{Name}: {url} has no next link (page {i + 1})");
            }
            return url;
        }

        private string? Next(JsonDocument doc)
        {
            if (!doc.RootElement.TryGetProperty("link", out var links)) return null;
            foreach (var link in links.EnumerateArray())
                if (link.GetProperty("relation").GetString() == "next")
                {
                    var next = link.GetProperty("url").GetString()!;
                    var baseText = Http.BaseAddress!.ToString();
                    return next.StartsWith(baseText, StringComparison.Ordinal) ? next[baseText.Length..]
                        : Uri.TryCreate(next, UriKind.Absolute, out var abs) ? Http.BaseAddress.MakeRelativeUri(abs).ToString() : next;
                }
            return null;
        }

        private async Task<JsonDocument> GetAsync(string url, CancellationToken ct)
        {
            using var response = await Http.GetAsync(url, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"{Name}: GET {url}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 500)))}");
            return JsonDocument.Parse(body);
        }
    }

    /// <summary>Closed loop: <paramref name="clients"/> clients each send the next URL as soon as the previous answer is read.</summary>
    internal static async Task<Measure> RunAsync(HttpClient http, List<string> urls, int clients, double seconds, CancellationToken ct)
    {
        var next = -1;
        var errors = 0;
        var latencies = new List<long>[clients];
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        async Task Client(int c)
        {
            var mine = latencies[c] = [];
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var url = urls[(int)((uint)Interlocked.Increment(ref next) % (uint)urls.Count)];
                var t0 = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, ct);
                var t1 = Stopwatch.GetTimestamp();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                    {
                        var text = await response.Content.ReadAsStringAsync(ct);
                        Console.Error.WriteLine($"GET {url}: {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
                    }
                    continue;
                }
                mine.Add(t1 - t0);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => Client(c), ct)));
        var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Pct(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        return new Measure(all.Length, errors, all.Length / elapsed, Pct(0.50), Pct(0.99));
    }
}
