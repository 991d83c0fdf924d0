using System.CommandLine;
using System.Diagnostics;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Validation;
using FhirServer.Profiles.Validation.Schemas;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Cli;

/// <summary>
/// <c>validation</c>: the validator's speed beside the Firely .NET validator and FHIR.js, in one run on the same
/// machine. Two workloads: the FR Core examples against the profiles they declare, and the R4 specification's
/// examples against the base definitions (and the few profiles they declare). Ours is set up as the server sets it
/// up: terminology membership over the same packages and the French identifier rules. Figures, never tests.
/// </summary>
internal static class ValidateBenchCommand
{
    private const double FirelyGoal = 10.0;
    private const double FhirJsGoal = 1.0;
    private static readonly TimeSpan ColdGoal = TimeSpan.FromSeconds(1);

    /// <summary>A folder of examples and how the peers are told to validate it.</summary>
    private sealed record Workload(string Name, DirectoryInfo Folder, string[] FirelyArgs, bool FhirJs);

    public static Command Create()
    {
        var examples = new Option<DirectoryInfo?>("--examples") { Description = "The examples folder (default: ../shared/fhir-examples): hl7.fhir.fr.core and r4-spec/json in it are validated" };
        var seconds = new Option<double>("--seconds") { Description = "Seconds of each warm measure", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of validations (parse included) before our warm measures", DefaultValueFactory = _ => 3 };
        var firely = new Option<FileInfo?>("--firely") { Description = "FirelyPeer.dll (../shared/peers/firely, built as its README says); without it Firely is not run" };
        var peer = new Option<DirectoryInfo?>("--peer") { Description = "A copy of ../shared/peers after npm install (FHIR.js); without it FHIR.js is not run" };
        var node = new Option<string>("--node") { Description = "The node executable", DefaultValueFactory = _ => "node" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "Where the per-file error counts (TSV) go (default: a temporary folder, kept)" };
        var checks = new Option<bool>("--check-timings") { Description = "Also time every check of the schemas (invariants by key) over the warm loop: what dominates the cost" };
        var only = new Option<string?>("--only") { Description = "Run one workload: fr-core or r4-spec" };
        var command = new Command("validation", "Validator throughput (cold, pass 1, warm) beside the Firely validator and FHIR.js on the same examples")
        {
            examples, seconds, warmup, firely, peer, node, output, checks, only,
        };
        command.SetAction(async (result, ct) =>
        {
            var root = result.GetValue(examples) ?? FhirPathBenchCommand.SharedFolder("fhir-examples");
            if (root is null || !root.Exists)
            {
                Console.Error.WriteLine("bench validation: no examples folder found; pass --examples");
                return 2;
            }
            var workloads = new List<Workload>
            {
                new("FR Core", new DirectoryInfo(Path.Combine(root.FullName, "hl7.fhir.fr.core")), ["--package", "hl7.fhir.fr.core#2.2.0"], FhirJs: false),
                new("R4 spec", new DirectoryInfo(Path.Combine(root.FullName, "r4-spec", "json")), [], FhirJs: true),
            };
            if (result.GetValue(only) is { } name)
                workloads.RemoveAll(w => !w.Name.Replace(' ', '-').Equals(name, StringComparison.OrdinalIgnoreCase));
            var outDir = result.GetValue(output) ?? Directory.CreateTempSubdirectory("validation-bench-");
            outDir.Create();
            var duration = Math.Max(0.5, result.GetValue(seconds));
            // Firely reads its packages from the folder ours come from (--package-sources), never a registry.
            var packageFolder = CliContext.Settings(result).Sources?.FirstOrDefault() ?? PackageSettings.FindSharedPackageFolders().FirstOrDefault();
            var peers = new ValidationPeers(result.GetValue(firely), result.GetValue(peer), result.GetValue(node)!, outDir, packageFolder);
            foreach (var why in peers.Missing) Console.WriteLine($"not run: {why}");

            var sw = Stopwatch.StartNew();
            var context = await CliContext.LoadAsync(result);
            var setup = sw.Elapsed;
            Console.WriteLine($"packages loaded in {setup.TotalMilliseconds:N0} ms ({string.Join(", ", context.Resolution.Packages.Select(p => p.Name + "#" + p.Version))}); warm measures {duration:0.#} s each; per-file errors in {outDir.FullName}");

            var rows = new List<ValidationFigures>();
            foreach (var w in workloads)
            {
                if (!w.Folder.Exists)
                {
                    Console.WriteLine($"{w.Name}: {w.Folder.FullName} not found");
                    continue;
                }
                var ours = MeasureOurs(context, w, duration, Math.Max(0, result.GetValue(warmup)), outDir, setup, result.GetValue(checks));
                rows.Add(ours);
                ValidationFigures? firelyRow = peers.Firely(w.Name, w.Folder, w.FirelyArgs, duration);
                if (firelyRow is not null) rows.Add(firelyRow);
                ValidationFigures? jsRow = w.FhirJs ? peers.FhirJs(w.Name, w.Folder, duration) : null;
                if (jsRow is not null) rows.Add(jsRow);
                Console.WriteLine();
                ValidationFigures.PrintTable(rows.Where(r => r.Workload == w.Name));
                if (firelyRow is not null) PrintRatio("ours / Firely", ours, firelyRow, FirelyGoal);
                if (jsRow is not null) PrintRatio("ours / FHIR.js (base only: no invariants, no profiles)", ours, jsRow, FhirJsGoal);
                Console.WriteLine($"cold first validation (ours, schemas compiled): {ours.ColdMs:N0} ms (goal < {ColdGoal.TotalMilliseconds:N0} ms{(w.Name == "FR Core" ? "" : "; this workload runs after FR Core: code already JIT-compiled")})");
                Console.WriteLine();
            }
            Console.WriteLine("summary");
            ValidationFigures.PrintTable(rows);
            return 0;
        });
        return command;
    }

    private static void PrintRatio(string what, ValidationFigures ours, ValidationFigures peer, double goal)
    {
        var warm = ours.WarmPerSecond / peer.WarmPerSecond;
        var withParse = ours.WarmWithParsePerSecond / peer.WarmWithParsePerSecond;
        Console.WriteLine($"{what}: {warm:F1}× warm, parse excluded{(double.IsFinite(withParse) ? $"; {withParse:F1}× parse included" : "")} (goal ≥ {goal:0.#}×)");
    }

    /// <summary>A validator as the server builds it: membership over the same packages, the French identifier rules.</summary>
    private static ResourceValidator NewValidator(ConformanceContext context, IReadOnlyList<IAspectBuilder>? aspects = null)
    {
        var membership = new ValueSetMembership(new TerminologySources(context), new TerminologyOptions());
        var options = new ValidatorOptions { IdentifierRules = IdentifierRuleRegistry.CreateDefault() };
        if (aspects is null) return ResourceValidator.Create(context.Registry, membership, options);
        var compiler = new SchemaCompiler(new ProfileSource(context.Registry), aspects, ValidationAspects.Slicing);
        return new ResourceValidator(compiler, options, membership);
    }

    private static ValidationFigures MeasureOurs(ConformanceContext context, Workload w, double seconds, double warmup, DirectoryInfo outDir, TimeSpan setup, bool timeChecks)
    {
        var files = w.Folder.EnumerateFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var bytes = files.Select(f => File.ReadAllBytes(f.FullName)).ToList();

        // Cold: a new validator (nothing compiled), the first file parsed and validated.
        // CPU time beside the wall time: on a busy machine the wall time of one validation says little.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var validator = NewValidator(context);
        var first = context.Json.Parse(bytes[0]);
        if (first.Resource is { } r0) validator.Validate(r0);
        var cold = sw.Elapsed;
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        var parsed = bytes.Select(b => context.Json.Parse(b)).ToList();
        var resources = parsed.Select(p => p.Resource).OfType<ElementNode>().ToList();
        sw.Restart();
        var reports = resources.Select(r => validator.Validate(r)).ToList();
        var pass1 = sw.Elapsed;
        var (invalid, errors) = WriteErrors(Path.Combine(outDir.FullName, $"ours-{Slug(w.Name)}.tsv"), files, parsed, validator);

        // Past tiered JIT compilation (tier-1 code comes from a background thread, late on a busy machine), parse
        // included so that the parser's code is warm too.
        if (warmup > 0) Loop(bytes.Count, warmup, ParseAndValidate);
        long validations = 0;
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var warmCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var warm = Loop(resources.Count, seconds, i =>
        {
            validator.Validate(resources[i]);
            validations++;
        });
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        warmCpu = Process.GetCurrentProcess().TotalProcessorTime - warmCpu;
        var withParse = Loop(bytes.Count, seconds, ParseAndValidate);
        var figures = new ValidationFigures(w.Name, "ours", resources.Count, setup.TotalMilliseconds, cold.TotalMilliseconds,
            resources.Count / pass1.TotalSeconds, warm, withParse, invalid, errors, Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0);
        GC.KeepAlive(reports);
        Console.WriteLine($"{w.Name}, ours: cold first validation {cold.TotalMilliseconds:N0} ms wall, {cpu.TotalMilliseconds:N0} ms CPU (all threads: JIT included); " +
            $"warm, parse excluded: {validations / warmCpu.TotalSeconds:N0} validations per CPU-second (the process's, GC included), " +
            $"{allocated / (double)validations / 1024:N1} KB allocated per validation");
        if (timeChecks) ValidationCheckTimings.Run(w.Name, resources, seconds, aspects => NewValidator(context, aspects));
        return figures;

        void ParseAndValidate(int i)
        {
            if (context.Json.Parse(bytes[i]).Resource is { } r) validator.Validate(r);
        }
    }

    // Per file: the parser's errors and the validator's, counted, with the first three messages, then the warnings the
    // same way (a second validation, outside the timings).
    private static (int Invalid, int Errors) WriteErrors(string tsv, List<FileInfo> files, List<FhirServer.Conformance.Serialization.ParseResult> parsed, ResourceValidator validator)
    {
        int invalid = 0, errors = 0;
        using var writer = new StreamWriter(tsv);
        for (var i = 0; i < files.Count; i++)
        {
            var all = parsed[i].Issues.ToList();
            if (parsed[i].Resource is { } r) all.AddRange(validator.Validate(r).Issues);
            var issues = all.Where(x => x.IsError).ToList();
            if (issues.Count > 0) invalid++;
            errors += issues.Count;
            var warnings = all.Where(x => x.Severity == IssueSeverity.Warning).ToList();
            writer.WriteLine($"{files[i].Name}\t{issues.Count}\t{Messages(issues)}\t{warnings.Count}\t{Messages(warnings)}");
        }
        return (invalid, errors);

        static string Messages(List<OutcomeIssue> issues) =>
            string.Join(" | ", issues.Take(3).Select(x => $"{x.Expression}: {x.Message}".ReplaceLineEndings(" ")));
    }

    /// <summary>Resources/s of <paramref name="validate"/> over all items, round after round, for <paramref name="seconds"/>.</summary>
    internal static double Loop(int count, double seconds, Action<int> validate)
    {
        long n = 0;
        var sw = Stopwatch.StartNew();
        do
        {
            for (var i = 0; i < count; i++, n++) validate(i);
        } while (sw.Elapsed.TotalSeconds < seconds);
        return n / sw.Elapsed.TotalSeconds;
    }

    internal static string Slug(string name) => name.ToLowerInvariant().Replace(' ', '-');
}
