using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Search;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench search french</c>: the national-scale searches of issue 24 on a store filled from the samples generator
/// (benchmarks/directory/scale.sh, benchmarks/documents/scale.sh): the directory by RPPS, by IdNatPS and by name
/// (accents and case folded), ITI-67 by the patient's INS. The values are read from resources drawn at random among
/// the stored ones (generator ids <c>prat-{seed}-{i}</c>, <c>pat-{seed}-{i}</c>, and their copies <c>c{k}.…</c>), then
/// the closed loop of <see cref="SearchBenchCommand.RunAsync"/> cycles over them.
/// </summary>
internal static class FrenchSearchBenchCommand
{
    private const string Rpps = "https://rpps.esante.gouv.fr";
    private const string IdNatPs = "urn:oid:1.2.250.1.71.4.2.1";
    private const string InsNir = "urn:oid:1.2.250.1.213.1.4.10";

    public static Command Create()
    {
        var baseUrl = new Argument<string>("base") { Description = "The server's base URL" };
        var set = new Option<string>("--set") { Description = "directory (Practitioner by RPPS, IdNatPS, name) or documents (ITI-67)", Required = true };
        set.AcceptOnlyFromAmong("directory", "documents");
        var originals = new Option<long>("--originals") { Description = "Practitioners (directory) or patients (documents) the generator made", Required = true };
        var copies = new Option<int>("--copies") { Description = "Copies of the store (bench search copies), the original included", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "The generator's seed", DefaultValueFactory = _ => 1 };
        var sample = new Option<int>("--sample") { Description = "Resources drawn at random for the values", DefaultValueFactory = _ => 2000 };
        var duration = new Option<double>("--duration") { Description = "Seconds of load per query and round", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of warm-up per query", DefaultValueFactory = _ => 3 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (closed loop)", DefaultValueFactory = _ => 8 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; the table gives the median", DefaultValueFactory = _ => 1 };
        var only = new Option<string?>("--queries") { Description = "Comma-separated query names (default: all of the set)" };
        var command = new Command("french", "Closed-loop load on the directory searches or ITI-67, values drawn at random from the store")
        {
            baseUrl, set, originals, copies, seed, sample, duration, warmup, clients, rounds, only,
        };
        command.SetAction(async (result, ct) =>
        {
            var n = Math.Max(1, result.GetValue(clients));
            using var http = RestBenchCommand.Client(result.GetValue(baseUrl)!, n);
            var directory = result.GetValue(set) == "directory";
            var random = new Random(result.GetValue(seed) * 31 + (directory ? 1 : 2));
            var (count, k, s) = (result.GetValue(originals), Math.Max(1, result.GetValue(copies)), result.GetValue(seed));
            var resources = new List<JsonElement>();
            for (var i = 0; i < result.GetValue(sample); i++)
            {
                var copy = random.Next(1, k + 1);
                var id = (copy == 1 ? "" : $"c{copy}.") + (directory ? "prat" : "pat") + $"-{s}-{random.NextInt64(count)}";
                resources.Add(await GetAsync(http, (directory ? "Practitioner/" : "Patient/") + id, ct));
            }
            var queries = new List<(string Name, List<string> Urls)>();
            if (directory)
            {
                queries.Add(("rpps", resources.SelectMany(r => Identifiers(r, Rpps)).Select(v => $"Practitioner?identifier={Escape(Rpps + "|" + v)}").ToList()));
                queries.Add(("idnatps", resources.SelectMany(r => Identifiers(r, IdNatPs)).Select(v => $"Practitioner?identifier={Escape(IdNatPs + "|" + v)}").ToList()));
                // A name as stored (accents), in capitals, and folded (no accents, lower case), in turn: the server folds them alike.
                var names = resources.SelectMany(Names).Select((name, i) => (i % 3) switch
                {
                    0 => name,
                    1 => name.ToUpperInvariant(),
                    _ => SearchText.Normalize(name),
                }).ToList();
                queries.Add(("name", names.Select(v => $"Practitioner?name={Escape(v)}").ToList()));
                queries.Add(("name-count10", names.Select(v => $"Practitioner?name={Escape(v)}&_count=10").ToList()));
                // :exact takes the text as stored (accents and case kept).
                queries.Add(("name-exact", resources.SelectMany(Names).Select(v => $"Practitioner?name:exact={Escape(v)}").ToList()));
                // The practitioner's roles, by its IdNatPS through the chain (Annuaire: a role at an organization).
                queries.Add(("role", resources.SelectMany(r => Identifiers(r, IdNatPs))
                    .Select(v => $"PractitionerRole?practitioner.identifier={Escape(IdNatPs + "|" + v)}").ToList()));
            }
            else
            {
                queries.Add(("iti67", resources.SelectMany(r => Identifiers(r, InsNir))
                    .Select(v => $"DocumentReference?patient.identifier={Escape(InsNir + "|" + v)}&status=current").ToList()));
            }
            var selected = result.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            queries = queries.Where(q => selected is null || selected.Contains(q.Name)).ToList();
            var seconds = result.GetValue(duration);
            Console.WriteLine($"{resources.Count:N0} {(directory ? "practitioners" : "patients")} drawn among {count:N0} × {k} copies; " +
                              $"closed loop: {n} clients × {seconds:0.#} s, median of {Math.Max(1, result.GetValue(rounds))} round(s)");
            Console.WriteLine($"{"query",-14} {"values",7} {"matches",8} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"errors",7}  example");
            foreach (var (name, urls) in queries)
            {
                var matches = await MatchesAsync(http, urls.Take(20), ct);
                if (result.GetValue(warmup) > 0) await SearchBenchCommand.RunAsync(http, urls, n, result.GetValue(warmup), ct);
                var measures = new List<SearchBenchCommand.Measure>();
                for (var r = 0; r < Math.Max(1, result.GetValue(rounds)); r++)
                {
                    var m = await SearchBenchCommand.RunAsync(http, urls, n, seconds, ct);
                    Console.Error.WriteLine($"{name,-14} round {r + 1}: {m.Rps,8:N0} req/s  p50 {m.P50,7:F2} ms  p99 {m.P99,7:F2} ms{(m.Errors > 0 ? $"  {m.Errors} errors" : "")}");
                    measures.Add(m);
                }
                var median = measures.OrderBy(x => x.Rps).ElementAt(measures.Count / 2);
                Console.WriteLine($"{name,-14} {urls.Distinct().Count(),7} {matches,8:F1} {median.Rps,9:N0} {median.P50,8:F2} {median.P99,8:F2} {median.Errors,7}  {urls[0]}");
            }
            return 0;
        });
        return command;
    }

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static IEnumerable<string> Identifiers(JsonElement resource, string system)
    {
        if (!resource.TryGetProperty("identifier", out var ids)) yield break;
        foreach (var id in ids.EnumerateArray())
            if (id.TryGetProperty("system", out var s) && s.GetString() == system && id.TryGetProperty("value", out var v))
                yield return v.GetString()!;
    }

    /// <summary>The family name or the first given name of the first name, in turn.</summary>
    private static IEnumerable<string> Names(JsonElement resource, int index)
    {
        if (!resource.TryGetProperty("name", out var names) || names.GetArrayLength() == 0) yield break;
        var name = names[0];
        if (index % 2 == 0 && name.TryGetProperty("family", out var family)) yield return family.GetString()!;
        else if (name.TryGetProperty("given", out var given) && given.GetArrayLength() > 0) yield return given[0].GetString()!;
    }

    /// <summary>The mean number of matches (<c>total</c>, or the entries of a first page) of a few of the URLs.</summary>
    private static async Task<double> MatchesAsync(HttpClient http, IEnumerable<string> urls, CancellationToken ct)
    {
        var counts = new List<int>();
        foreach (var url in urls)
        {
            var bundle = await GetAsync(http, url, ct);
            counts.Add(bundle.TryGetProperty("total", out var total) ? total.GetInt32()
                : bundle.TryGetProperty("entry", out var entries) ? entries.GetArrayLength() : 0);
        }
        return counts.Count == 0 ? 0 : counts.Average();
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }
}
