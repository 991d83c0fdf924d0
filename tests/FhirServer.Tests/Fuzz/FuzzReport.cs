using System.Text;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// The figures of a fuzz run — requests by status and by category, failures by class, the slowest requests, the
/// server's resident memory — and the first failures of each class and category kept as reproducers.
/// </summary>
public sealed class FuzzReport(FuzzOptions options, string baseUrl)
{
    private readonly object _gate = new();
    private readonly SortedDictionary<int, int> _byStatus = [];
    private readonly SortedDictionary<string, SortedDictionary<int, int>> _byCategory = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SortedDictionary<string, int>> _failures = new(StringComparer.Ordinal);
    private readonly List<FuzzResult> _kept = [];
    private readonly List<FuzzResult> _slowest = [];
    private readonly List<double> _milliseconds = [];
    private FuzzResult? _largest;

    public int Sent { get; private set; }

    public int FailureCount { get; private set; }

    public ProcessMemory? MemoryAfterWarmUp { get; set; }

    public ProcessMemory? MemoryAtEnd { get; set; }

    /// <summary>The memory once the server has been left idle for <see cref="FuzzOptions.IdleWait"/> after the run.</summary>
    public ProcessMemory? MemoryAfterIdle { get; set; }

    /// <summary>The largest RssAnon of the samples taken during the run (every 1,000 requests) and at its end.</summary>
    public long? PeakAnon { get; private set; }

    public void Sample(ProcessMemory? memory)
    {
        if (memory is null) return;
        lock (_gate) PeakAnon = Math.Max(PeakAnon ?? 0, memory.Anon);
    }

    public TimeSpan Elapsed { get; set; }

    /// <summary>The run was stopped (a signal) before its count or duration.</summary>
    public bool StoppedEarly { get; set; }

    public IReadOnlyList<FuzzResult> Kept => _kept;

    /// <summary>Failures by class ("5xx 500", "slow", …) then category.</summary>
    public IReadOnlyDictionary<string, SortedDictionary<string, int>> Failures => _failures;

    public void Add(FuzzResult result, bool counted = true)
    {
        lock (_gate)
        {
            if (counted)
            {
                Sent++;
                _byStatus[result.Status] = _byStatus.GetValueOrDefault(result.Status) + 1;
                var category = _byCategory.TryGetValue(result.Request.Category, out var c) ? c : _byCategory[result.Request.Category] = [];
                category[result.Status] = category.GetValueOrDefault(result.Status) + 1;
                if (result.ResponseBytes > (_largest?.ResponseBytes ?? 0)) _largest = result;
                _milliseconds.Add(result.Elapsed.TotalMilliseconds);
                _slowest.Add(result);
                _slowest.Sort((a, b) => b.Elapsed.CompareTo(a.Elapsed));
                if (_slowest.Count > 10) _slowest.RemoveAt(10);
            }
            if (result.FailureKey is not { } key) return;
            FailureCount++;
            var byCategory = _failures.TryGetValue(key, out var f) ? f : _failures[key] = new(StringComparer.Ordinal);
            var seen = byCategory.GetValueOrDefault(result.Request.Category);
            byCategory[result.Request.Category] = seen + 1;
            if (seen < options.ReproducersPerClass) _kept.Add(result);
        }
    }

    /// <summary>The failures by class in one line ("slow 12, timeout 1"), for the progress of a long run.</summary>
    public string FailureClasses()
    {
        lock (_gate) return string.Join(", ", _failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} {f.Value.Values.Sum():N0}"));
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"Fuzz run against {baseUrl}: seed {options.Seed}, {Sent:N0} requests (seeding included), {options.Clients} clients, {Elapsed.TotalSeconds:N0} s{(StoppedEarly ? ", stopped early by a signal" : "")}");
        text.AppendLine("  by status: " + string.Join(", ", _byStatus.Select(s => $"{(s.Key == 0 ? "no answer" : s.Key)} × {s.Value:N0}")));
        foreach (var (category, statuses) in _byCategory)
            text.AppendLine($"  {category,-22} {statuses.Values.Sum(),7:N0}: " + string.Join(", ", statuses.Select(s => $"{s.Key} × {s.Value:N0}")));
        text.AppendLine(_failures.Count == 0 ? "  failures: none" : $"  failures ({FailureCount:N0}):");
        foreach (var (key, categories) in _failures)
            text.AppendLine($"    {key,-20} {categories.Values.Sum(),6:N0}: " + string.Join(", ", categories.Select(c => $"{c.Key} × {c.Value:N0}")));
        text.AppendLine($"  answer times: median {Percentile(0.5):N0} ms, p99 {Percentile(0.99):N0} ms");
        text.AppendLine("  slowest:");
        foreach (var r in _slowest.Take(5)) text.AppendLine($"    {r.Elapsed.TotalMilliseconds,8:N0} ms {r.Status} {r.Request}");
        text.AppendLine($"  largest response: {_largest?.ResponseBytes ?? 0:N0} bytes{(_largest is null ? "" : $", {_largest.Elapsed.TotalMilliseconds:N0} ms, {_largest.Request}")}");
        text.AppendLine($"  server memory after warm-up: {MemoryAfterWarmUp?.ToString() ?? "unknown"}");
        text.AppendLine($"  server memory at the end:    {MemoryAtEnd?.ToString() ?? "unknown"}; RssAnon at most {(PeakAnon is { } p ? ProcessMemory.Megabytes(p) : "unknown")} in the samples");
        if (MemoryAfterIdle is not null)
            text.AppendLine($"  server memory {options.IdleWait.TotalSeconds:N0} s after the last request: {MemoryAfterIdle}");
        if (_kept.Count > 0) text.AppendLine($"  reproducers: {options.ReproducerFolder}");
        return text.ToString();
    }

    /// <summary>The answer time (ms) that a <paramref name="fraction"/> of the requests did not exceed (nearest rank).</summary>
    public double Percentile(double fraction)
    {
        lock (_gate)
        {
            if (_milliseconds.Count == 0) return 0;
            var sorted = _milliseconds.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    /// <summary>Writes each kept failure as a shell script that replays it (curl, or the raw bytes over /dev/tcp) with its body beside it.</summary>
    public void WriteReproducers(string? serverLog)
    {
        if (_kept.Count == 0) return;
        Directory.CreateDirectory(options.ReproducerFolder);
        var index = new StringBuilder();
        foreach (var result in _kept)
        {
            var request = result.Request;
            var name = $"{request.Number:D6}-{Slug(result.FailureKey!)}-{request.Category}";
            var script = new StringBuilder("#!/usr/bin/env bash\n")
                .AppendLine($"# {result.FailureKey}: {request}")
                .AppendLine($"# answer after {result.Elapsed.TotalMilliseconds:N0} ms: {result.Status} {OneLine(result.ResponseExcerpt)}");
            if (LogExcerpt(serverLog, result.ResponseExcerpt) is { } log)
                foreach (var line in log) script.AppendLine("# log: " + line);
            script.AppendLine("BASE=${BASE:-" + baseUrl + "}").AppendLine("cd \"$(dirname \"$0\")\"");
            if (request.Raw is not null)
            {
                File.WriteAllBytes(Path.Combine(options.ReproducerFolder, name + ".raw"), request.Raw);
                script.AppendLine("hostport=${BASE#http://}; host=${hostport%%:*}; port=${hostport##*:}")
                    .AppendLine($"exec 3<>/dev/tcp/$host/$port; cat {name}.raw >&3; timeout 60 cat <&3");
            }
            else
            {
                script.Append($"curl -sS -i --path-as-is -X {request.Method} \"$BASE\"{Quote(new Uri(baseUrl + request.Url).PathAndQuery)}");
                foreach (var (header, value) in request.Headers) script.Append($" -H {Quote($"{header}: {value}")}");
                if (request.Body is not null)
                {
                    File.WriteAllBytes(Path.Combine(options.ReproducerFolder, name + ".body"), request.Body);
                    script.Append($" --data-binary @{name}.body");
                }
                script.AppendLine();
            }
            File.WriteAllText(Path.Combine(options.ReproducerFolder, name + ".sh"), script.ToString());
            index.AppendLine($"{name}.sh  {result.FailureKey}  {request}");
        }
        File.WriteAllText(Path.Combine(options.ReproducerFolder, "index.txt"), index.ToString());
        if (serverLog is not null) File.WriteAllText(Path.Combine(options.ReproducerFolder, "server.log"), serverLog);
    }

    // The server logs an unexpected error with the trace id its 500 names: the lines after it say where it came from.
    private static IEnumerable<string>? LogExcerpt(string? log, string response)
    {
        var at = response.IndexOf("(trace ", StringComparison.Ordinal);
        if (log is null || at < 0) return null;
        var trace = response[(at + 7)..].Split(')')[0];
        var lines = log.Split('\n');
        var first = Array.FindIndex(lines, l => l.Contains($"(trace {trace})", StringComparison.Ordinal));
        return first < 0 ? null : lines.Skip(first).Take(14).Select(l => l.TrimEnd());
    }

    private static string Slug(string text) => new(text.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";
}
