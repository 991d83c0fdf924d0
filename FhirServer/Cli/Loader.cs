using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Rest;

namespace FhirServer.Cli;

/// <summary>What a <c>load</c> did.</summary>
internal sealed record LoadSummary(long Loaded, long Refused, long Skipped, TimeSpan Elapsed, bool Stopped)
{
    public double Rate => Loaded / Math.Max(Elapsed.TotalSeconds, 0.001);

    public override string ToString() =>
        $"load: {Loaded:N0} resources in {Elapsed.TotalSeconds:F1} s ({Rate:N0} resources/s); {Refused:N0} refused" +
        (Skipped > 0 ? $"; {Skipped:N0} lines skipped (committed by an earlier run)" : "") + (Stopped ? "; stopped at the first refusal" : "");
}

/// <summary>
/// Loads FHIR data into the store through the server's own write path (<see cref="ResourceService"/>: parsed, checked
/// against the profiles as Validation:OnWrite says, indexed, unique identifiers kept), in transactions of
/// <c>batchSize</c> resources. A resource with an id is written as PUT by id (a rerun writes the same resources again:
/// nothing is duplicated), one without as a create. A line that is a batch or transaction Bundle goes through the
/// Bundle processor, as <c>POST [base]</c>. A line refused (not JSON, invalid, a 409) is reported with its file and
/// line and the rest goes on; a batch one of whose lines fails its transaction is written again line by line, so the
/// refusal stays that line's. After each commit the checkpoint records the lines done.
/// </summary>
internal sealed class Loader(IServiceProvider services, LoadCheckpoint checkpoint, int batchSize, bool stopOnError)
{
    private readonly ResourceService _service = services.GetRequiredService<ResourceService>();
    private readonly ConformanceContext _conformance = services.GetRequiredService<ConformanceContext>();
    private readonly Stopwatch _clock = new();
    private TimeSpan _printed;
    private long _loaded, _refused, _skipped;
    private bool _stopped;

    private sealed record Line(long Number, ElementNode Resource, PreparedCreate? Create, CheckedResource? Checked);

    /// <summary>The files of the inputs, folders expanded (*.ndjson and *.json, in name order); the first input that does not exist.</summary>
    public static List<string> Files(IEnumerable<FileSystemInfo> inputs, out string? missing)
    {
        missing = null;
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (input is DirectoryInfo { Exists: true } folder)
                files.AddRange(folder.EnumerateFiles("*", SearchOption.AllDirectories).Where(f => f.Extension is ".ndjson" or ".json")
                    .Select(f => f.FullName).Order(StringComparer.Ordinal));
            else if (File.Exists(input.FullName)) files.Add(Path.GetFullPath(input.FullName));
            else
            {
                missing ??= input.FullName;
            }
        }
        return files;
    }

    public async Task<LoadSummary> RunAsync(IReadOnlyList<string> files, CancellationToken ct)
    {
        _clock.Start();
        foreach (var file in files)
        {
            if (_stopped) break;
            await LoadFile(file, ct);
        }
        Progress(null, final: true);
        return new LoadSummary(_loaded, _refused, _skipped, _clock.Elapsed, _stopped);
    }

    private async Task LoadFile(string file, CancellationToken ct)
    {
        var done = checkpoint.Committed(file);
        var pending = new List<Line>(batchSize);
        long number = 0;
        foreach (var text in Lines(file))
        {
            if (_stopped) return;
            number++;
            if (number <= done)
            {
                _skipped++;
                continue;
            }
            if (string.IsNullOrWhiteSpace(text)) continue;
            var parsed = _conformance.Json.Parse(Encoding.UTF8.GetBytes(text));
            if (parsed.Resource is not { } resource || parsed.HasErrors)
            {
                Refuse(file, number, parsed.Issues.Count > 0 ? parsed.Issues : [new OutcomeIssue(IssueSeverity.Error, "structure", "The line is not a FHIR resource.")]);
                continue;
            }
            if (resource.Type == "Bundle" && resource.Child("type")?.Value is "batch" or "transaction")
            {
                await Flush(file, pending, number - 1, ct);
                await LoadBundle(file, number, text, ct);
                if (!_stopped) checkpoint.Save(file, number);
                continue;
            }
            pending.Add(new Line(number, resource, null, null));
            if (pending.Count >= batchSize) await Flush(file, pending, number, ct);
        }
        await Flush(file, pending, number, ct);
    }

    /// <summary>An NDJSON file line by line; any other file as one line (a resource may span lines there).</summary>
    private static IEnumerable<string> Lines(string file) =>
        file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) ? File.ReadLines(file) : [File.ReadAllText(file)];

    /// <summary>
    /// The checks of a batch's resources before its transaction (validation and index rows), as REST makes them, on
    /// every core: they are most of a load's work, and each resource's are its own. Refusals are reported in line order.
    /// </summary>
    private void Prepare(string file, List<Line> pending)
    {
        var outcomes = new object?[pending.Count];
        Parallel.For(0, pending.Count, i =>
        {
            var (resource, id) = (pending[i].Resource, pending[i].Resource.Child("id")?.Value);
            try
            {
                outcomes[i] = id is null ? pending[i] with { Create = _service.PrepareCreate(resource) } : pending[i] with { Checked = _service.Check(resource) };
            }
            catch (FhirException e)
            {
                outcomes[i] = e.Issues;
            }
        });
        var lines = pending.ToList();
        pending.Clear();
        for (var i = 0; i < outcomes.Length; i++)
            if (outcomes[i] is Line ready) pending.Add(ready);
            else Refuse(file, lines[i].Number, (IReadOnlyList<OutcomeIssue>)outcomes[i]!);
    }

    private async Task Flush(string file, List<Line> pending, long through, CancellationToken ct)
    {
        if (pending.Count > 0 && !_stopped) Prepare(file, pending);
        if (pending.Count > 0 && !_stopped)
        {
            try
            {
                await Write(pending, ct);
                _loaded += pending.Count;
            }
            catch (Exception e) when (e is FhirException or System.Data.Common.DbException)
            {
                // One line spoilt the transaction: each again on its own, so that the others are loaded and the one refused is named.
                foreach (var line in pending)
                {
                    if (_stopped) break;
                    try
                    {
                        await Write([line], ct);
                        _loaded++;
                    }
                    catch (FhirException refused)
                    {
                        Refuse(file, line.Number, refused.Issues);
                    }
                }
            }
            pending.Clear();
        }
        if (!_stopped && through > checkpoint.Committed(file)) checkpoint.Save(file, through);
        Progress(file, final: false);
    }

    private Task Write(IReadOnlyList<Line> lines, CancellationToken ct) =>
        _service.InTransactionAsync(async session =>
        {
            var updates = lines.Where(l => l.Create is null).ToList();
            await session.LockResourcesAsync([.. updates.Select(l => (l.Resource.Type, l.Resource.Child("id")!.Value!))], ct);
            var creates = lines.Where(l => l.Create is not null).Select(l => l.Create!).ToList();
            if (creates.Count > 0) await _service.CreateAsync(session, creates, ct);
            foreach (var line in updates)
                await _service.UpdateAsync(session, line.Resource.Type, line.Resource.Child("id")!.Value!, line.Resource, null, ct, line.Checked);
            return true;
        }, ct);

    /// <summary>A batch or transaction Bundle, as <c>POST [base]</c> would process it; each failed entry is reported.</summary>
    private async Task LoadBundle(string file, long number, string text, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = ct };
        http.Request.Method = "POST";
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("localhost");
        http.Request.ContentType = "application/fhir+json";
        try
        {
            using var response = await scope.ServiceProvider.GetRequiredService<BundleProcessor>().ProcessAsync(http, Encoding.UTF8.GetBytes(text));
            using var answer = JsonDocument.Parse(response.GetReadOnlySequence());
            var index = 0;
            foreach (var entry in answer.RootElement.GetProperty("entry").EnumerateArray())
            {
                var status = entry.GetProperty("response").GetProperty("status").GetString() ?? "";
                if (status.StartsWith('2')) _loaded++;
                else Refuse(file, number, [new OutcomeIssue(IssueSeverity.Error, "processing",
                    $"Bundle.entry[{index}]: {status}: {(entry.GetProperty("response").TryGetProperty("outcome", out var o) ? Diagnostics(o) : "")}")]);
                index++;
            }
        }
        catch (FhirException e)
        {
            Refuse(file, number, e.Issues);
        }
    }

    private static string Diagnostics(JsonElement outcome) =>
        string.Join("; ", outcome.GetProperty("issue").EnumerateArray().Select(i => i.TryGetProperty("diagnostics", out var d) ? d.GetString() : i.GetProperty("code").GetString()));

    private void Refuse(string file, long number, IEnumerable<OutcomeIssue> issues)
    {
        _refused++;
        ClearProgress();
        foreach (var issue in issues.Where(i => i.IsError).DefaultIfEmpty(issues.FirstOrDefault()))
            if (issue is not null) Console.Error.WriteLine($"{file}:{number}: {issue}");
        if (stopOnError) _stopped = true;
    }

    private bool _onLine;

    /// <summary>
    /// A progress line on stderr, rewritten in place on a terminal at most twice a second; redirected, a line every ten
    /// seconds, so that a log keeps the rate over time without a line per batch.
    /// </summary>
    private void Progress(string? file, bool final)
    {
        var elapsed = _clock.Elapsed;
        var terminal = !Console.IsErrorRedirected;
        if (!final && elapsed - _printed < TimeSpan.FromSeconds(terminal ? 0.5 : 10)) return;
        _printed = elapsed;
        var text = $"{(file is null ? "" : Path.GetFileName(file) + ": ")}{_loaded:N0} loaded, {_refused:N0} refused, {_loaded / Math.Max(elapsed.TotalSeconds, 0.001):N0} resources/s";
        if (terminal && !final)
        {
            Console.Error.Write("\r" + text.PadRight(79));
            _onLine = true;
        }
        else if (!final) Console.Error.WriteLine(text);
        else ClearProgress();
    }

    private void ClearProgress()
    {
        if (!_onLine) return;
        Console.Error.Write("\r" + new string(' ', 79) + "\r");
        _onLine = false;
    }
}
