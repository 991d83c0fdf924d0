using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench fhirpath</c>: compiled FHIRPath throughput against fhirpath.js (the HL7-endorsed JavaScript engine) on the
/// same resources and expressions, in one run. Both engines evaluate already-parsed trees (ElementNodes here, JSON
/// objects there); the parse is outside the timing on both sides. fhirpath.js runs in a node child process driven
/// round by round (benchmarks/fhirpath/fhirpath-js-bench.js), so that the two engines' measurements interleave.
/// </summary>
internal static class FhirPathBenchCommand
{
    private static readonly string[] PatientExpressions =
    [
        "Patient.name.given",
        "name.where(use='official').family.startsWith('Sm')",
        "birthDate < @1960-01-01 and gender='female'",
    ];

    private const double Goal = 5.0;

    public static Command Create()
    {
        var patients = new Option<FileInfo?>("--patients") { Description = "Patients as NDJSON (node gen-patients.js 10000 patients.ndjson); generated identically when absent" };
        var count = new Option<int>("--count") { Description = "How many patients to generate when --patients is absent", DefaultValueFactory = _ => 10_000 };
        var examples = new Option<DirectoryInfo?>("--examples") { Description = "Folder of JSON resources for the SearchParameter workload (default: ../shared/fhir-examples/r4-spec/json)" };
        var peer = new Option<DirectoryInfo?>("--peer") { Description = "Folder where fhirpath.js is installed (a copy of ../shared/peers after npm install); without it only our figures are shown" };
        var node = new Option<string>("--node") { Description = "The node executable", DefaultValueFactory = _ => "node" };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds (median reported)", DefaultValueFactory = _ => 11 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of warm-up per engine and workload (at least 5 passes)", DefaultValueFactory = _ => 1.0 };
        var command = new Command("fhirpath", "Compiled FHIRPath throughput against fhirpath.js on the same parsed resources")
        {
            patients, count, examples, peer, node, rounds, warmup,
        };
        command.SetAction(async (result, _) =>
        {
            var exampleDir = result.GetValue(examples) ?? SharedFolder("fhir-examples", "r4-spec", "json");
            if (exampleDir is null || !exampleDir.Exists)
            {
                Console.Error.WriteLine("bench fhirpath: no example folder found; pass --examples");
                return 2;
            }
            var work = Directory.CreateTempSubdirectory("fhirpath-bench-");
            try
            {
                var patientFile = result.GetValue(patients);
                string patientSource;
                if (patientFile is null)
                {
                    var n = Math.Max(1, result.GetValue(count));
                    patientFile = new FileInfo(Path.Combine(work.FullName, "patients.ndjson"));
                    SyntheticPatients.WriteNdjson(n, patientFile.FullName);
                    patientSource = $"{n:N0} patients generated as gen-patients.js does";
                }
                else if (!patientFile.Exists)
                {
                    Console.Error.WriteLine($"bench fhirpath: {patientFile.FullName} does not exist");
                    return 2;
                }
                else patientSource = $"patients from {patientFile.FullName}";
                return await RunAsync(result, patientFile, patientSource, exampleDir, result.GetValue(peer), result.GetValue(node)!,
                    Math.Max(1, result.GetValue(rounds)), TimeSpan.FromSeconds(Math.Max(0, result.GetValue(warmup))), work);
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(ParseResult result, FileInfo patientFile, string patientSource, DirectoryInfo exampleDir, DirectoryInfo? peerDir,
        string nodeExe, int rounds, TimeSpan warmup, DirectoryInfo work)
    {
        var context = await CliContext.LoadAsync(result);
        var fhirPath = new FhirPathContext { Registry = context.Registry };

        // Parsed once, before any measurement.
        var patients = File.ReadLines(patientFile.FullName).Where(l => l.Trim().Length > 0)
            .Select(l => context.Json.Parse(l).Resource ?? throw new InvalidDataException($"{patientFile.Name}: a line is not a resource")).ToList();
        var exampleFiles = new List<string>();
        var exampleNodes = new List<ElementNode>();
        foreach (var f in exampleDir.EnumerateFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (context.Json.Parse(File.ReadAllBytes(f.FullName)).Resource is not { } r) continue;
            exampleFiles.Add(f.FullName);
            exampleNodes.Add(r);
        }

        var workloads = PatientExpressions.Select(e => Workload.OnAll(e, patients, fhirPath)).ToList();
        var searchParameters = CoreSearchParameters(context);
        var extraction = Workload.SearchParameters(searchParameters, exampleNodes, fhirPath);
        workloads.Add(extraction);

        Console.WriteLine($"{patientSource}; {exampleNodes.Count} examples from {exampleDir.FullName}");
        Console.WriteLine($"R4 core SearchParameters with an expression: {searchParameters.Count} ({extraction.Expressions.Count} distinct expressions); " +
                          $"{extraction.Excluded.Count} fail on our engine and are left out");
        foreach (var (expression, error) in extraction.Excluded) Console.WriteLine($"  left out (ours): {expression}: {error}");

        var (peer, peerMissing) = StartPeer(peerDir, nodeExe, work, patientFile, exampleFiles, workloads);
        try
        {
            if (peer is not null)
            {
                Console.WriteLine($"fhirpath.js {peer.Version} ({peer.NodeVersion}) from {peer.Folder}");
                foreach (var (w, i) in workloads.Select((w, i) => (w, i)))
                {
                    var excluded = peer.Excluded[i];
                    if (excluded.Count == 0) continue;
                    Console.WriteLine($"  {w.Name}: {excluded.Count} expression(s) fhirpath.js fails on are left out of both engines' measurement:");
                    foreach (var (expression, error) in excluded) Console.WriteLine("    " + Shorten($"{expression}: {error}", 200));
                    w.Exclude(excluded.Select(e => e.Expression));
                }
            }
            Console.WriteLine($"{rounds} interleaved rounds after a warm-up of at least {warmup.TotalSeconds:0.#} s per engine and workload; figures are medians of rounds of about {MeasureTime.TotalMilliseconds:F0} ms per engine");
            var loadBefore = LoadAverage();
            Console.WriteLine();

            // Warm up both engines past their JIT tiers, then alternate them workload by workload, round by round
            // (the order flips each round), so that a busy moment of the shared machine hits them alike. A
            // measurement repeats the pass for about MeasureTime, so that one preemption weighs little. Each
            // measurement also records the process's CPU time, which other processes on the machine do not inflate.
            var ourPasses = new int[workloads.Count];
            var theirPasses = new int[workloads.Count];
            for (var i = 0; i < workloads.Count; i++)
            {
                var w = workloads[i];
                var index = i;
                ourPasses[i] = PassesFor(Warm(() => { w.Run(); }, warmup));
                if (peer is not null) theirPasses[i] = PassesFor(Warm(() => peer.Run(index, 1, out _).Wall, warmup));
            }
            var ours = workloads.Select(_ => new List<Timing>()).ToArray();
            var theirs = workloads.Select(_ => new List<Timing>()).ToArray();
            var ourItems = new long[workloads.Count];
            var theirItems = new long[workloads.Count];
            for (var round = 0; round < rounds; round++)
            {
                for (var i = 0; i < workloads.Count; i++)
                {
                    if (peer is not null && round % 2 == 1) theirs[i].Add(peer.Run(i, theirPasses[i], out theirItems[i]) / theirPasses[i]);
                    var cpu = Environment.CpuUsage.TotalTime;
                    var sw = Stopwatch.StartNew();
                    for (var p = 0; p < ourPasses[i]; p++) ourItems[i] = workloads[i].Run();
                    ours[i].Add(new Timing(sw.Elapsed.TotalSeconds, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds) / ourPasses[i]);
                    if (peer is not null && round % 2 == 0) theirs[i].Add(peer.Run(i, theirPasses[i], out theirItems[i]) / theirPasses[i]);
                }
            }

            var header = $"{"workload",-52} {"resources",9} {"ours res/s",12} {"fhirpath.js res/s",17} {"ratio (range)",17} {"best/best",9} {"CPU time",8}  items ours / js";
            Console.WriteLine(header);
            Console.WriteLine(new string('-', header.Length));
            var allMet = true;
            for (var i = 0; i < workloads.Count; i++)
            {
                var w = workloads[i];
                var ourRate = w.Resources / Median(ours[i].Select(t => t.Wall));
                var line = new StringBuilder($"{Shorten(w.Name, 52),-52} {w.Resources,9:N0} {ourRate,12:N0} ");
                if (peer is null)
                    line.Append($"{"—",17} {"—",17} {"—",9} {"—",8}  {ourItems[i]:N0}");
                else
                {
                    var ratios = theirs[i].Zip(ours[i], (js, us) => js.Wall / us.Wall).ToList();
                    var ratio = Median(ratios);
                    var cpuRatio = Median(theirs[i].Zip(ours[i], (js, us) => js.Cpu / us.Cpu));
                    var bestRatio = theirs[i].Min(t => t.Wall) / ours[i].Min(t => t.Wall);
                    allMet &= ratio >= Goal;
                    line.Append($"{w.Resources / Median(theirs[i].Select(t => t.Wall)),17:N0} {$"{ratio:F1}× ({ratios.Min():F1}–{ratios.Max():F1})",17} {$"{bestRatio:F1}×",9} {$"{cpuRatio:F1}×",8}  {ourItems[i]:N0} / {theirItems[i]:N0}");
                }
                Console.WriteLine(line);
            }
            if (loadBefore is not null)
                Console.WriteLine($"load average (1 min) before and after: {loadBefore} → {LoadAverage()}, {Environment.ProcessorCount} cores");
            Console.WriteLine();
            Console.WriteLine($"SearchParameter workload: {extraction.Evaluations:N0} evaluations per pass (every kept expression on every example whose type is in its base)");
            if (peer is null)
                Console.WriteLine($"fhirpath.js: not run ({peerMissing}); only our figures are shown");
            else
            {
                Console.WriteLine($"ratio = our throughput / fhirpath.js throughput in elapsed time, median of per-round ratios; goal ≥ {Goal}× on each: {(allMet ? "met" : "NOT met")}");
                Console.WriteLine("best/best = fastest round against fastest round (each engine's least disturbed moment)");
                Console.WriteLine("CPU time = the median ratio with each process's CPU time (all threads, GC included) instead of elapsed time");
            }
            return 0;
        }
        finally
        {
            peer?.Dispose();
        }
    }

    private static readonly TimeSpan MeasureTime = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs the pass at least 5 times and for the duration; returns the seconds of the last pass.</summary>
    private static double Warm(Func<double> pass, TimeSpan duration)
    {
        var warmup = Stopwatch.StartNew();
        var last = 0.0;
        for (var i = 0; i < 5 || warmup.Elapsed < duration; i++) last = pass();
        return last;
    }

    private static double Warm(Action pass, TimeSpan duration) => Warm(() =>
    {
        var sw = Stopwatch.StartNew();
        pass();
        return sw.Elapsed.TotalSeconds;
    }, duration);

    private static int PassesFor(double secondsPerPass) => (int)Math.Clamp(Math.Ceiling(MeasureTime.TotalSeconds / Math.Max(secondsPerPass, 1e-6)), 1, 10_000);

    /// <summary>Seconds of one measurement: elapsed, and CPU time of the whole process (all its threads, GC included).</summary>
    private readonly record struct Timing(double Wall, double Cpu)
    {
        public static Timing operator /(Timing t, int passes) => new(t.Wall / passes, t.Cpu / passes);
    }

    private static string? LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    /// <summary>hl7.fhir.r4.core SearchParameters with an expression: (expression, base types).</summary>
    private static List<(string Expression, string[] Bases)> CoreSearchParameters(ConformanceContext context)
    {
        var result = new List<(string, string[])>();
        foreach (var entry in context.Registry.ListByResourceType("SearchParameter"))
        {
            if (entry.Package.Name != "hl7.fhir.r4.core") continue;
            using var doc = context.Registry.ReadJson(entry);
            var root = doc.RootElement;
            if (!root.TryGetProperty("expression", out var e) || e.ValueKind != JsonValueKind.String || e.GetString() is not { Length: > 0 } expression) continue;
            var bases = root.TryGetProperty("base", out var b) && b.ValueKind == JsonValueKind.Array
                ? b.EnumerateArray().Select(x => x.GetString()).OfType<string>().ToArray()
                : [];
            result.Add((expression, bases));
        }
        return result;
    }

    internal static DirectoryInfo? SharedFolder(params string[] parts)
    {
        foreach (var packages in PackageSettings.FindSharedPackageFolders())
        {
            var candidate = new DirectoryInfo(Path.Combine([packages, "..", .. parts]));
            if (candidate.Exists) return candidate;
        }
        return null;
    }

    /// <summary>One workload: compiled expressions applied to resources, grouped by resource as an indexer would run them.</summary>
    private sealed class Workload
    {
        private readonly FhirPathContext _context;
        private List<(ElementNode Resource, CompiledExpression[] Expressions)> _plan = [];

        private Workload(string name, int resources, FhirPathContext context)
        {
            Name = name;
            Resources = resources;
            _context = context;
        }

        public string Name { get; }
        public int Resources { get; }
        /// <summary>The expressions with the resource types they apply to (null: every resource), as handed to fhirpath.js.</summary>
        public List<(string Expression, string[]? Types)> Expressions { get; } = [];
        public List<(string Expression, string Error)> Excluded { get; } = [];
        public int Evaluations => _plan.Sum(p => p.Expressions.Length);

        public static Workload OnAll(string expression, List<ElementNode> resources, FhirPathContext context)
        {
            var w = new Workload(expression, resources.Count, context);
            var compiled = FhirPathEngine.Compile(expression);
            w.Expressions.Add((expression, null));
            CompiledExpression[] one = [compiled];
            w._plan = resources.Select(r => (r, one)).ToList();
            return w;
        }

        public static Workload SearchParameters(List<(string Expression, string[] Bases)> parameters, List<ElementNode> resources, FhirPathContext context)
        {
            var w = new Workload($"R4 core SearchParameters on {resources.Count} examples", resources.Count, context);
            // One evaluation per distinct expression and resource: parameters sharing an expression index alike.
            var byExpression = parameters.GroupBy(p => p.Expression, StringComparer.Ordinal)
                .Select(g => (Expression: g.Key, Types: g.SelectMany(p => p.Bases).Distinct(StringComparer.Ordinal).ToArray()));
            var kept = new List<(CompiledExpression Compiled, HashSet<string> Types)>();
            foreach (var (expression, types) in byExpression)
            {
                var typeSet = new HashSet<string>(types, StringComparer.Ordinal);
                try
                {
                    var compiled = FhirPathEngine.Compile(expression);
                    foreach (var r in resources)
                        if (typeSet.Contains(r.Type)) compiled.Evaluate(r, context);
                    kept.Add((compiled, typeSet));
                    w.Expressions.Add((expression, types));
                }
                catch (FhirPathException e)
                {
                    w.Excluded.Add((expression, e.Message));
                }
            }
            // Resources of one type share their list of expressions, as an indexer's per-type plan would.
            var byType = new Dictionary<string, CompiledExpression[]>(StringComparer.Ordinal);
            w._plan = resources.Select(r => (r, byType.TryGetValue(r.Type, out var list) ? list
                    : byType[r.Type] = kept.Where(k => k.Types.Contains(r.Type)).Select(k => k.Compiled).ToArray()))
                .Where(p => p.Item2.Length > 0).ToList();
            return w;
        }

        public void Exclude(IEnumerable<string> expressions)
        {
            var set = new HashSet<string>(expressions, StringComparer.Ordinal);
            var kept = new Dictionary<CompiledExpression[], CompiledExpression[]>(ReferenceEqualityComparer.Instance);
            _plan = _plan.Select(p => (p.Resource, kept.TryGetValue(p.Expressions, out var list) ? list
                    : kept[p.Expressions] = p.Expressions.Where(e => !set.Contains(e.Text)).ToArray()))
                .Where(p => p.Item2.Length > 0).ToList();
        }

        public long Run()
        {
            long items = 0;
            foreach (var (resource, expressions) in _plan)
                foreach (var e in expressions)
                    items += e.Evaluate(resource, _context).Count;
            return items;
        }
    }

    private static (Peer? Peer, string? WhyNot) StartPeer(DirectoryInfo? peerDir, string nodeExe, DirectoryInfo work, FileInfo patientFile, List<string> exampleFiles, List<Workload> workloads)
    {
        peerDir ??= SharedFolder("peers");
        if (peerDir is null || !File.Exists(Path.Combine(peerDir.FullName, "node_modules", "fhirpath", "package.json")))
        {
            return (null, peerDir is null
                ? "no peer folder; pass --peer <folder where fhirpath.js is installed>"
                : $"fhirpath.js is not installed in {peerDir.FullName}: copy ../shared/peers elsewhere, npm install there, and pass --peer");
        }
        var script = Path.Combine(work.FullName, "fhirpath-js-bench.js");
        using (var resource = typeof(FhirPathBenchCommand).Assembly.GetManifestResourceStream("FhirServer.Cli.fhirpath-js-bench.js")!)
        using (var file = File.Create(script))
            resource.CopyTo(file);
        var workFile = Path.Combine(work.FullName, "work.json");
        using (var stream = File.Create(workFile))
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("workloads");
            foreach (var w in workloads)
            {
                writer.WriteStartObject();
                writer.WriteString("name", w.Name);
                writer.WriteStartArray("expressions");
                foreach (var (expression, types) in w.Expressions)
                {
                    writer.WriteStartObject();
                    writer.WriteString("expression", expression);
                    if (types is not null)
                    {
                        writer.WriteStartArray("types");
                        foreach (var t in types) writer.WriteStringValue(t);
                        writer.WriteEndArray();
                    }
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                if (w.Expressions.All(e => e.Types is null)) writer.WriteString("ndjson", patientFile.FullName);
                else
                {
                    writer.WriteStartArray("files");
                    foreach (var f in exampleFiles) writer.WriteStringValue(f);
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        try
        {
            return (Peer.Start(nodeExe, script, peerDir, workFile), null);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or JsonException)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The node child process running fhirpath.js, one pass per request.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stderr = new();

        private Peer(Process process, DirectoryInfo folder)
        {
            _process = process;
            Folder = folder.FullName;
        }

        public string Folder { get; }
        public string Version { get; private set; } = "";
        public string NodeVersion { get; private set; } = "";
        public List<List<(string Expression, string Error)>> Excluded { get; } = [];

        public static Peer Start(string nodeExe, string script, DirectoryInfo folder, string workFile)
        {
            var info = new ProcessStartInfo(nodeExe)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(script);
            info.ArgumentList.Add(folder.FullName);
            info.ArgumentList.Add(workFile);
            var process = Process.Start(info) ?? throw new InvalidOperationException($"{nodeExe} did not start");
            var peer = new Peer(process, folder);
            process.ErrorDataReceived += (_, e) => { lock (peer._stderr) peer._stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            var ready = process.StandardOutput.ReadLine();
            if (ready is null)
            {
                process.WaitForExit();
                lock (peer._stderr)
                    throw new InvalidOperationException($"node exited ({process.ExitCode}): {peer._stderr.ToString().Trim()}");
            }
            using var doc = JsonDocument.Parse(ready);
            peer.Version = doc.RootElement.GetProperty("version").GetString() ?? "";
            foreach (var w in doc.RootElement.GetProperty("workloads").EnumerateArray())
                peer.Excluded.Add(w.GetProperty("excluded").EnumerateArray()
                    .Select(x => (x.GetProperty("expression").GetString()!, x.GetProperty("error").GetString()!)).ToList());
            peer.NodeVersion = "node " + NodeVersionOf(nodeExe);
            return peer;
        }

        private static string NodeVersionOf(string nodeExe)
        {
            using var p = Process.Start(new ProcessStartInfo(nodeExe, "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var v = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return v;
        }

        /// <summary>Passes of a workload, as fhirpath.js timed them itself (all passes); the items of one pass.</summary>
        public Timing Run(int workload, int passes, out long items)
        {
            _process.StandardInput.WriteLine($"run {workload} {passes}");
            _process.StandardInput.Flush();
            var reply = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("node stopped answering: " + _stderr);
            using var doc = JsonDocument.Parse(reply);
            if (doc.RootElement.TryGetProperty("error", out var error)) throw new InvalidOperationException("fhirpath.js: " + error.GetString());
            items = doc.RootElement.GetProperty("items").GetInt64();
            return new Timing(doc.RootElement.GetProperty("ms").GetDouble() / 1000, doc.RootElement.GetProperty("cpuMs").GetDouble() / 1000);
        }

        public void Dispose()
        {
            try
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(5000)) _process.Kill();
            }
            catch (IOException)
            {
                // Already gone.
            }
            _process.Dispose();
        }
    }
}
