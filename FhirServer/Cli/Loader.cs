using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Http;
using FhirServer.Rest;
using FhirServer.Terminology.Sources;

namespace FhirServer.Cli;

/// <summary>What a <c>load</c> did.</summary>
internal sealed record LoadSummary(long Loaded, long Refused, long Skipped, TimeSpan Elapsed, bool Stopped, LoadStages? Stages = null)
{
    public double Rate => Loaded / Math.Max(Elapsed.TotalSeconds, 0.001);

    public override string ToString() =>
        $"load: {Loaded:N0} resources in {Elapsed.TotalSeconds:F1} s ({Rate:N0} resources/s); {Refused:N0} refused" +
        (Skipped > 0 ? $"; {Skipped:N0} lines skipped (committed by an earlier run)" : "") + (Stopped ? "; stopped at the first refusal" : "") +
        (Stages is null ? "" : Environment.NewLine + Stages);
}

/// <summary>
/// Loads FHIR data into the store through the server's own write path (<see cref="ResourceService"/>: parsed, checked
/// against the profiles as Validation:OnWrite says, indexed, unique identifiers kept), in transactions of at most
/// <c>batchSize</c> lines. A resource with an id is written as PUT by id (a rerun writes the same resources again:
/// nothing is duplicated), one without as a create. A line that is a batch or transaction Bundle goes through the
/// Bundle processor, as <c>POST [base]</c>. A line refused (not JSON, invalid, a 409) is reported with its file and
/// line and the rest goes on; a batch one of whose lines fails its transaction is written again line by line, so the
/// refusal stays that line's. After each commit the checkpoint records the lines done.
/// <para>
/// A batch's lines are parsed and checked on every core while the batch before is written (the store's writer is one
/// connection, and on SQLite one thread): the checks are a resource's own and read nothing the writes change, except
/// the definitions the checks use, so a batch that writes a StructureDefinition or a terminology resource is committed
/// before the lines after it are checked (as REST would have it once its answer came).
/// </para>
/// </summary>
internal sealed class Loader(IServiceProvider services, LoadCheckpoint checkpoint, int batchSize, bool stopOnError)
{
    private readonly ResourceService _service = services.GetRequiredService<ResourceService>();
    private readonly ConformanceContext _conformance = services.GetRequiredService<ConformanceContext>();
    private readonly Stopwatch _clock = new();
    private readonly LoadStages _stages = new();
    private TimeSpan _printed;
    private long _loaded, _refused, _skipped;
    private bool _stopped;
    // The batch whose transaction runs while the next one is checked.
    private Batch? _writing;

    /// <summary>The types whose writes change what the checks of later lines use (the profiles and terminology stored).</summary>
    private static readonly HashSet<string> Definitions = ["StructureDefinition", .. StoredResources.Types];

    private sealed record Line(long Number, ElementNode Resource, PreparedCreate? Create = null, PreparedUpdate? Update = null);

    /// <summary>A line refused, with the issues to report.</summary>
    private sealed record Refusal(long Number, IReadOnlyList<OutcomeIssue> Issues);

    /// <summary>A line that is a batch or transaction Bundle (processed on its own).</summary>
    private sealed record BundleLine(long Number, string Text);

    /// <summary>
    /// The lines of one transaction, the lines refused before it (reported in line order before it starts) and after it
    /// (by its write), and the line count the checkpoint moves to once it committed.
    /// </summary>
    private sealed class Batch(string file, long through)
    {
        public string File => file;
        public long Through { get; set; } = through;
        public List<Line> Ready { get; } = [];
        public List<Refusal> Refused { get; } = [];
        public Task<(long Loaded, List<Refusal> Refused)>? Writing { get; set; }
    }

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
        try
        {
            foreach (var file in files)
            {
                if (_stopped) break;
                await LoadFile(file, ct);
            }
        }
        finally
        {
            // The transaction under way ends before the summary (or the error) is reported.
            await Complete();
        }
        Progress(null, final: true);
        return new LoadSummary(_loaded, _refused, _skipped, _clock.Elapsed, _stopped, _stages);
    }

    private async Task LoadFile(string file, CancellationToken ct)
    {
        var done = checkpoint.Committed(file);
        var pending = new List<(long Number, string Text)>(batchSize);
        long number = 0;
        var (start, cpu) = (Stopwatch.GetTimestamp(), LoadStages.ThreadCpu());
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
            pending.Add((number, text));
            if (pending.Count < batchSize) continue;
            _stages.Add(LoadStages.Stage.Parse, start);
            _stages.AddCpu(LoadStages.Stage.Parse, cpu);
            await Take(file, pending, number, ct);
            pending.Clear();
            (start, cpu) = (Stopwatch.GetTimestamp(), LoadStages.ThreadCpu());
        }
        _stages.Add(LoadStages.Stage.Parse, start);
        _stages.AddCpu(LoadStages.Stage.Parse, cpu);
        if (!_stopped) await Take(file, pending, number, ct);
    }

    /// <summary>An NDJSON file line by line; any other file as one line (a resource may span lines there).</summary>
    private static IEnumerable<string> Lines(string file) =>
        file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) ? File.ReadLines(file) : [File.ReadAllText(file)];

    /// <summary>
    /// Lines read (through line <paramref name="through"/> of the file): parsed on every core, then written in order,
    /// a Bundle on its own between the batches of the lines before and after it.
    /// </summary>
    private async Task Take(string file, List<(long Number, string Text)> lines, long through, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var parsed = new object[lines.Count];
        Parallel.For(0, lines.Count, i =>
        {
            var cpu = LoadStages.ThreadCpu();
            parsed[i] = Parse(lines[i].Number, lines[i].Text);
            _stages.AddCpu(LoadStages.Stage.Parse, cpu);
        });
        _stages.Add(LoadStages.Stage.Parse, start);
        var batch = new Batch(file, through);
        foreach (var line in parsed)
        {
            if (line is BundleLine bundle)
            {
                batch.Through = bundle.Number - 1;
                await Submit(Prepare(batch), ct);
                await Complete();
                if (_stopped) return;
                await LoadBundle(file, bundle.Number, bundle.Text, ct);
                if (!_stopped) Save(file, bundle.Number);
                batch = new Batch(file, through);
            }
            else if (line is Refusal refusal) batch.Refused.Add(refusal);
            else batch.Ready.Add((Line)line);
        }
        await Submit(Prepare(batch), ct);
    }

    /// <summary>A line parsed: a <see cref="Line"/> to check, a <see cref="BundleLine"/>, or a <see cref="Refusal"/>.</summary>
    private object Parse(long number, string text)
    {
        var parsed = _conformance.Json.Parse(Encoding.UTF8.GetBytes(text));
        if (parsed.Resource is not { } resource || parsed.HasErrors)
            return new Refusal(number, parsed.Issues.Count > 0 ? parsed.Issues : [new OutcomeIssue(IssueSeverity.Error, "structure", "The line is not a FHIR resource.")]);
        if (resource.Type == "Bundle" && resource.Child("type")?.Value is "batch" or "transaction") return new BundleLine(number, text);
        return new Line(number, resource);
    }

    /// <summary>
    /// The checks of a batch's resources before its transaction (validation and index rows), as REST makes them, and
    /// their versions stamped and serialized (<see cref="ResourceService.PrepareUpdate"/>), on every core: each
    /// resource's are its own, and what is done here is not done by the one writer.
    /// </summary>
    private Batch Prepare(Batch batch)
    {
        var start = Stopwatch.GetTimestamp();
        var lines = batch.Ready.ToArray();
        var outcomes = new object?[lines.Length];
        Parallel.For(0, lines.Length, i =>
        {
            var (resource, id) = (lines[i].Resource, lines[i].Resource.Child("id")?.Value);
            var cpu = LoadStages.ThreadCpu();
            try
            {
                outcomes[i] = id is null ? lines[i] with { Create = _service.PrepareCreate(resource) } : lines[i] with { Update = _service.PrepareUpdate(resource, id) };
            }
            catch (FhirException e)
            {
                outcomes[i] = new Refusal(lines[i].Number, e.Issues);
            }
            _stages.AddCpu(LoadStages.Stage.Checks, cpu);
        });
        batch.Ready.Clear();
        foreach (var outcome in outcomes)
            if (outcome is Line ready) batch.Ready.Add(ready);
            else batch.Refused.Add((Refusal)outcome!);
        batch.Refused.Sort((a, b) => a.Number.CompareTo(b.Number));
        _stages.Add(LoadStages.Stage.Checks, start);
        return batch;
    }

    /// <summary>
    /// Starts the transaction of a checked batch once the one before it ended, after reporting the lines refused before
    /// it; a batch that writes definitions is committed before anything else is checked.
    /// </summary>
    private async Task Submit(Batch batch, CancellationToken ct)
    {
        await Complete();
        foreach (var refusal in batch.Refused)
            if (!_stopped) Refuse(batch.File, refusal.Number, refusal.Issues);
        if (_stopped) return;
        if (batch.Ready.Count == 0)
        {
            Save(batch.File, batch.Through);
            Progress(batch.File, final: false);
            return;
        }
        batch.Writing = Task.Run(() => WriteBatch(batch.Ready, ct), ct);
        _writing = batch;
        if (batch.Ready.Any(l => Definitions.Contains(l.Resource.Type))) await Complete();
    }

    /// <summary>Waits for the transaction under way, if any: counts and reports what it did, then moves the checkpoint.</summary>
    private async Task Complete()
    {
        if (_writing is not { Writing: { } writing } batch) return;
        _writing = null;
        var (loaded, refused) = await writing;
        _loaded += loaded;
        foreach (var refusal in refused) Refuse(batch.File, refusal.Number, refusal.Issues);
        if (!_stopped) Save(batch.File, batch.Through);
        Progress(batch.File, final: false);
    }

    private void Save(string file, long through)
    {
        if (through <= checkpoint.Committed(file)) return;
        var start = Stopwatch.GetTimestamp();
        checkpoint.Save(file, through);
        _stages.Add(LoadStages.Stage.Checkpoint, start);
    }

    /// <summary>
    /// The transaction of a batch; if it fails, each line again in a transaction of its own, so that the others are
    /// loaded and the one refused is named (the first only, with --stop-on-error). Runs beside the checks of the next
    /// batch: it reports nothing itself.
    /// </summary>
    private async Task<(long Loaded, List<Refusal> Refused)> WriteBatch(List<Line> lines, CancellationToken ct)
    {
        var refused = new List<Refusal>();
        try
        {
            await Write(lines, ct);
            return (lines.Count, refused);
        }
        catch (Exception e) when (e is FhirException or System.Data.Common.DbException)
        {
        }
        long loaded = 0;
        foreach (var line in lines)
        {
            if (stopOnError && refused.Count > 0) break;
            try
            {
                await Write([line], ct);
                loaded++;
            }
            catch (FhirException e)
            {
                refused.Add(new Refusal(line.Number, e.Issues));
            }
        }
        return (loaded, refused);
    }

    private async Task Write(IReadOnlyList<Line> lines, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        long work = 0;
        try
        {
            await _service.InTransactionAsync(async session =>
            {
                var (begun, cpu, thread) = (Stopwatch.GetTimestamp(), LoadStages.ThreadCpu(), Environment.CurrentManagedThreadId);
                var updates = lines.Where(l => l.Update is not null).Select(l => l.Update!).ToList();
                var creates = lines.Where(l => l.Create is not null).Select(l => l.Create!).ToList();
                if (creates.Count > 0) await _service.CreateAsync(session, creates, ct);
                if (updates.Count > 0) await _service.UpdateAsync(session, updates, ct);
                work += Stopwatch.GetTimestamp() - begun;
                // On SQLite the inserts run on the calling thread from start to end; on a store whose writes wait for
                // the database (PostgreSQL) they move between threads, and the thread's CPU time is not the write's.
                if (Environment.CurrentManagedThreadId == thread) _stages.AddCpu(LoadStages.Stage.Write, cpu);
                else _stages.CpuUnknown(LoadStages.Stage.Write);
                return true;
            }, ct);
        }
        finally
        {
            // The transaction's own work is the write stage; its beginning and its commit (observers told) the commit stage.
            var total = Stopwatch.GetTimestamp() - start;
            _stages.AddTicks(LoadStages.Stage.Write, work);
            _stages.AddTicks(LoadStages.Stage.Commit, total - work);
        }
    }

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
