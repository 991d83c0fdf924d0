using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Cli;

/// <summary>
/// <c>startup</c>, <c>parse</c>, <c>fhirpath</c> (<see cref="FhirPathBenchCommand"/>) and <c>large</c> (<see cref="LargeResourceBenchCommand"/>): benchmarks that print figures (never tests). Ratios against a
/// baseline measured in the same run are what to compare on a shared machine; absolute figures orient.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new RootCommand("Benchmarks of the FHIR server: figures, never tests (build with -c Release)");
        bench.Subcommands.Add(Startup());
        bench.Subcommands.Add(Parse());
        bench.Subcommands.Add(RestBenchCommand.Load());
        bench.Subcommands.Add(RestBenchCommand.Ingest());
        bench.Subcommands.Add(FhirPathBenchCommand.Create());
        bench.Subcommands.Add(SearchBenchCommand.Create());
        bench.Subcommands.Add(LargeResourceBenchCommand.Create());
        bench.Subcommands.Add(DocumentBenchCommand.Create());
        bench.Subcommands.Add(AuthzBenchCommand.Create());
        bench.Subcommands.Add(SmartBenchCommand.Create());
        bench.Subcommands.Add(TerminologyBenchCommand.Create());
        bench.Subcommands.Add(ValidateBenchCommand.Create());
        return bench;
    }

    private static Command Startup()
    {
        var cold = new Option<bool>("--cold") { Description = "Also time a first start: an empty temporary package cache, the packages read from the tarball folders" };
        var command = new Command("startup", "Time and memory to load the configured (default) package set") { cold };
        command.SetAction(async (result, _) =>
        {
            if (result.GetValue(cold)) return await ColdStartupAsync();
            var processStart = Process.GetCurrentProcess().StartTime.ToUniversalTime();
            var sw = Stopwatch.StartNew();
            var context = await CliContext.LoadAsync(result);
            var load = sw.Elapsed;
            var sinceStart = DateTime.UtcNow - processStart;
            // The server also compiles the definitions its first request needs; measure that separately.
            sw.Restart();
            var patient = context.Registry.GetTypeDefinition("Patient");
            var firstCompile = sw.Elapsed;
            var proc = Process.GetCurrentProcess();
            proc.Refresh();
            Console.WriteLine($"packages loaded: {context.Resolution.Packages.Count} ({string.Join(", ", context.Resolution.Packages.Select(p => p.Name + "#" + p.Version))})");
            Console.WriteLine($"conformance resources indexed: {context.Registry.Packages.Sum(p => p.Entries.Count):N0}");
            Console.WriteLine($"load packages + build registry: {load.TotalMilliseconds:F0} ms");
            Console.WriteLine($"process start → loaded: {sinceStart.TotalMilliseconds:F0} ms (goal < 1,500 ms)");
            Console.WriteLine($"first StructureDefinition compile (Patient, {patient?.Elements.Count} elements): {firstCompile.TotalMilliseconds:F1} ms");
            Console.WriteLine($"resident memory: {proc.WorkingSet64 / 1048576.0:F0} MB (goal < 250 MB); managed heap: {GC.GetTotalMemory(false) / 1048576.0:F0} MB");
            return 0;
        });
        return command;
    }

    // A first start against the next ones, step by step, in temporary caches (empty for the first starts) and offline
    // (the packages' missing dependencies are not looked up on a registry). The first step pays the JIT for the steps
    // all share, so the unpack-first figure is if anything flattered.
    private static async Task<int> ColdStartupAsync()
    {
        var configured = CliContext.Settings();
        var root = Path.Combine(Path.GetTempPath(), "fhir-bench-cold-" + Guid.NewGuid().ToString("N"));
        async Task<ConformanceContext> Step(string label, string cache, bool defer)
        {
            var settings = new PackageSettings { Packages = configured.Packages, Sources = configured.Sources, Cache = cache, Registry = "" };
            var sw = Stopwatch.StartNew();
            var context = await ConformanceContext.LoadAsync(settings, deferTarballInstalls: defer);
            var load = sw.Elapsed;
            sw.Restart();
            _ = new FhirServer.Conformance.Definitions.DefinitionRegistry(context.Resolution.Packages);
            var registry = sw.Elapsed;
            sw.Restart();
            var parameters = new FhirServer.Conformance.Search.SearchParameterRegistry(context.Registry).All.Count();
            var search = sw.Elapsed;
            sw.Restart();
            context.Registry.GetTypeDefinition("Patient");
            var compile = sw.Elapsed;
            Console.WriteLine($"{label,-44} packages + registry {load.TotalMilliseconds,6:F0} ms (registry alone {registry.TotalMilliseconds:F0} ms) | " +
                $"{parameters:N0} search parameters {search.TotalMilliseconds,5:F0} ms | Patient compiled {compile.TotalMilliseconds,4:F0} ms | " +
                $"resident {Process.GetCurrentProcess().WorkingSet64 / 1048576.0:F0} MB");
            return context;
        }
        try
        {
            var now = await Step("cold: read from the tarballs (server)", Path.Combine(root, "cache"), defer: true);
            var sw = Stopwatch.StartNew();
            var problems = await now.Resolution.InstallPendingAsync();
            Console.WriteLine($"{"  then unpacked in the background",-44} {sw.Elapsed.TotalMilliseconds,6:F0} ms{string.Concat(problems.Select(p => "; " + p.Message))}");
            await Step("cold: unpack first (verbs, and before)", Path.Combine(root, "unpack-first"), defer: false);
            await Step("warm: the cache filled in the background", Path.Combine(root, "cache"), defer: true);
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    private static Command Parse()
    {
        var folder = new Option<DirectoryInfo?>("--folder") { Description = "Folder of JSON resources (default: ../shared/fhir-examples/r4-spec/json)" };
        var rounds = new Option<int>("--rounds") { Description = "Measured rounds (median reported)", DefaultValueFactory = _ => 7 };
        var command = new Command("parse", "JSON → ElementNode throughput over a folder, against System.Text.Json JsonDocument.Parse of the same bytes") { folder, rounds };
        command.SetAction(async (result, _) =>
        {
            var dir = result.GetValue(folder) ?? DefaultExamples();
            if (dir is null || !dir.Exists)
            {
                Console.Error.WriteLine("bench parse: no example folder found; pass --folder");
                return 2;
            }
            var context = await CliContext.LoadAsync(result);
            var files = dir.EnumerateFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => File.ReadAllBytes(f.FullName)).ToList();
            var xmlFiles = files.Select(f => context.Json.Parse(f).Resource).Where(r => r is not null).Select(r => FhirXmlWriter.WriteToBytes(r!)).ToList();
            var megabytes = files.Sum(f => f.Length) / 1048576.0;
            var n = Math.Max(1, result.GetValue(rounds));
            Console.WriteLine($"{files.Count} resources, {megabytes:F1} MB, {n} interleaved rounds after a warm-up of at least 1 s each");

            // Contenders run interleaved, round by round, so that a busy moment of the shared machine hits them alike;
            // the ratio is the median of the per-round ratios.
            var withoutChecks = new FhirJsonParser(context.Registry, context.ParserOptions with { ValidatePrimitives = false, ValidateXhtml = false });
            var times = MeasureInterleaved(n,
                () => { foreach (var f in files) JsonDocument.Parse(f, new JsonDocumentOptions { MaxDepth = 256 }).Dispose(); },
                () => { foreach (var f in files) context.Json.Parse(f); },
                () => { foreach (var f in files) if (context.Json.Parse(f).Resource is { } r) FhirJsonWriter.WriteToBytes(r); },
                () => { foreach (var f in xmlFiles) context.Xml.Parse(f); },
                () => { foreach (var f in files) withoutChecks.Parse(f); });

            Report("System.Text.Json JsonDocument.Parse", files.Count, Median(times[0]));
            Report("FhirJsonParser → ElementNode", files.Count, Median(times[1]));
            Report("FhirJsonParser + FhirJsonWriter", files.Count, Median(times[2]));
            Report("FhirXmlParser → ElementNode", xmlFiles.Count, Median(times[3]));
            Report("FhirJsonParser, value checks off", files.Count, Median(times[4]));
            var ratios = times[1].Zip(times[0], (ours, baseline) => ours / baseline).ToList();
            Console.WriteLine($"ratio FhirJsonParser / JsonDocument.Parse: {Median(ratios):F2}× the time (median of {n} rounds; range {ratios.Min():F2}–{ratios.Max():F2}; goal ≤ 3×)");
            return 0;
        });
        return command;
    }

    private static void Report(string what, int count, double seconds) =>
        Console.WriteLine($"{what,-40} {count / seconds,12:N0} resources/s   ({seconds * 1000:F1} ms per pass, median)");

    private static List<double>[] MeasureInterleaved(int rounds, params Action[] contenders)
    {
        // Warm up past tiered JIT compilation (tier-1 code arrives after ~30 calls and a short delay), so that the
        // rounds measure steady-state code for every contender alike.
        foreach (var pass in contenders)
        {
            var warmup = Stopwatch.StartNew();
            for (var i = 0; i < 5 || warmup.ElapsedMilliseconds < 1000; i++) pass();
        }
        var times = contenders.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var c = 0; c < contenders.Length; c++)
            {
                var sw = Stopwatch.StartNew();
                contenders[c]();
                times[c].Add(sw.Elapsed.TotalSeconds);
            }
        }
        return times;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static DirectoryInfo? DefaultExamples()
    {
        foreach (var packages in PackageSettings.FindSharedPackageFolders())
        {
            var candidate = new DirectoryInfo(Path.Combine(packages, "..", "fhir-examples", "r4-spec", "json"));
            if (candidate.Exists) return candidate;
        }
        return null;
    }
}
