using System.Diagnostics;
using System.Text.Json;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Runs a fuzz campaign against a server: seeds it, harvests next links, then sends the generator's requests with a
/// few concurrent clients until the count or the duration is reached, or the process dies. At the end the process
/// must be alive and <c>/health</c> must answer. Results go to a <see cref="FuzzReport"/>.
/// </summary>
public sealed class FuzzRunner(string baseUrl, FuzzOptions options, int? processId = null, Func<string>? serverLog = null)
{
    private readonly object _gate = new();
    private readonly HashSet<FuzzRequest> _inFlight = [];

    /// <param name="stop">Ends the run early (SIGINT or SIGTERM to the command): no request is sent after it, the ones in
    /// flight are answered, and the end of the run (memory, idle wait, health, report) follows as at the count.</param>
    public async Task<FuzzReport> RunAsync(TextWriter progress, CancellationToken stop = default)
    {
        var corpus = ExampleCorpus.Load();
        var generator = new FuzzGenerator(options.Seed, corpus, options.Skip);
        using var sender = new FuzzSender(baseUrl, options);
        var report = new FuzzReport(options, sender.BaseUrl);
        var watch = Stopwatch.StartNew();

        await SeedAsync(generator, sender, report, corpus);
        progress.WriteLine($"Seeded {generator.Known.Count} resources, harvested {generator.NextLinks.Count} next links; fuzzing with seed {options.Seed}, {options.Clients} clients.");

        var requests = options.Requests ?? (options.Duration is null ? 1_000 : int.MaxValue);
        // Memory is read once the first tenth (at most 500) of the fuzz requests has been answered.
        var warmUp = report.Sent + Math.Min(500, Math.Max(1, requests / 10));
        var sent = 0;
        var died = false;
        async Task Client()
        {
            while (true)
            {
                FuzzRequest request;
                lock (_gate)
                {
                    if (died || stop.IsCancellationRequested || sent >= requests || (options.Duration is { } d && watch.Elapsed > d)) return;
                    try
                    {
                        request = generator.Next();
                    }
                    catch (Exception e)
                    {
                        // A fault of the fuzzer itself: reported, and the run goes on with the next draw.
                        report.Add(new FuzzResult(FuzzRequest.Get("generator", "/"), 0, TimeSpan.Zero, 0, e.ToString(), FuzzResult.Generator), counted: false);
                        continue;
                    }
                    sent++;
                    _inFlight.Add(request);
                }
                var result = await sender.SendAsync(request);
                lock (_gate) _inFlight.Remove(request);
                report.Add(result);
                if (report.MemoryAfterWarmUp is null && report.Sent >= warmUp)
                {
                    report.MemoryAfterWarmUp = Memory();
                    report.Sample(report.MemoryAfterWarmUp);
                    if (report.MemoryAfterWarmUp is { } warm) progress.WriteLine($"  memory after warm-up ({report.Sent:N0} requests): {warm}");
                }
                if (report.Sent % 1_000 == 0)
                {
                    var memory = Memory();
                    report.Sample(memory);
                    var classes = report.FailureCount > 0 ? $" ({report.FailureClasses()})" : "";
                    progress.WriteLine($"  {report.Sent:N0} requests, {report.FailureCount:N0} failures{classes}, {watch.Elapsed.TotalSeconds:N0} s{(memory is null ? "" : ", " + memory)}");
                }
                if (result.Failure is FuzzResult.Connection or FuzzResult.Timeout && !await AliveAsync(sender))
                {
                    List<FuzzRequest> suspects;
                    lock (_gate)
                    {
                        died = true;
                        suspects = [request, .. _inFlight];
                    }
                    foreach (var suspect in suspects.Distinct())
                        report.Add(new FuzzResult(suspect, 0, TimeSpan.Zero, 0, "in flight when the server stopped answering", FuzzResult.ProcessDied), counted: false);
                    return;
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(_ => Task.Run(Client)));
        if (stop.IsCancellationRequested)
        {
            report.StoppedEarly = true;
            progress.WriteLine($"  stopped after {report.Sent:N0} requests, {watch.Elapsed.TotalSeconds:N0} s: the end of the run follows.");
        }

        report.MemoryAtEnd = Memory();
        report.Sample(report.MemoryAtEnd);
        report.MemoryAfterWarmUp ??= report.MemoryAtEnd;
        if (options.IdleWait > TimeSpan.Zero && report.MemoryAtEnd is not null)
        {
            await Task.Delay(options.IdleWait);
            report.MemoryAfterIdle = Memory();
        }
        if (!await AliveAsync(sender))
            report.Add(new FuzzResult(FuzzRequest.Get("health", "/health"), 0, TimeSpan.Zero, 0, "the server did not answer /health at the end", FuzzResult.Health), counted: false);
        report.Elapsed = watch.Elapsed;
        report.WriteReproducers(serverLog?.Invoke());
        return report;
    }

    private async Task SeedAsync(FuzzGenerator generator, FuzzSender sender, FuzzReport report, ExampleCorpus corpus)
    {
        foreach (var request in generator.SeedRequests())
        {
            var result = await sender.SendAsync(request);
            report.Add(result);
            if (result.Status is 200 or 201)
            {
                var parts = request.Url.Split('/');
                generator.Known.Add((parts[1], parts[2]));
                if (parts[2].StartsWith("fz-shared-", StringComparison.Ordinal)) generator.Shared.Add((parts[1], parts[2]));
            }
        }
        foreach (var url in FuzzGenerator.HarvestUrls(corpus.Types.Where(t => generator.Known.Any(k => k.Type == t))))
        {
            var request = FuzzRequest.Get("seed", url) with { Number = -1 };
            var result = await sender.SendAsync(request);
            report.Add(result);
            generator.NextLinks.AddRange(await NextLinksAsync(sender, url));
        }
    }

    // The result excerpt is cut short; the links are read from a request of their own.
    private static async Task<IEnumerable<string>> NextLinksAsync(FuzzSender sender, string url)
    {
        using var client = new HttpClient();
        try
        {
            using var bundle = JsonDocument.Parse(await client.GetStringAsync(sender.Absolute(url)));
            if (!bundle.RootElement.TryGetProperty("link", out var links)) return [];
            return [.. links.EnumerateArray()
                .Where(l => l.GetProperty("relation").GetString() is "next" or "previous")
                .Select(l => l.GetProperty("url").GetString()!)
                .Select(u => u.StartsWith(sender.BaseUrl, StringComparison.Ordinal) ? u[sender.BaseUrl.Length..] : u)];
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException)
        {
            return [];
        }
    }

    private async Task<bool> AliveAsync(FuzzSender sender)
    {
        if (processId is { } pid && !File.Exists($"/proc/{pid}/status")) return false;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            return (await client.GetAsync(sender.Absolute("/health"))).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>The resident memory of the server process; null when unknown.</summary>
    private ProcessMemory? Memory() => processId is { } pid ? ProcessMemory.Read(pid) : null;
}
