using System.CommandLine;
using System.Diagnostics;
using FhirServer.Samples;

namespace FhirServer.Cli;

/// <summary>
/// <c>generate --patients N --seed S --out folder [--format bundles|ndjson]</c>: realistic fictitious French sample
/// data (samples/README.md). Needs no packages: what it writes is checked by the tests against the profiles.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var patients = new Option<long>("--patients") { Description = "Patients to generate, each with a prescription, a dispensation, vaccinations and a DMP submission", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "The same seed gives the same files, byte for byte", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write to (created; it must be empty unless --force)", Required = true };
        var format = new Option<string>("--format") { Description = "bundles: transaction Bundles to POST in file-name order; ndjson: one file per resource type", DefaultValueFactory = _ => "bundles" };
        format.AcceptOnlyFromAmong("bundles", "ndjson");
        var practitioners = new Option<int?>("--practitioners") { Description = "Practitioners, each with a PractitionerRole (default: patients / 5, at least 5)" };
        var organizations = new Option<int?>("--organizations") { Description = "Organizations (default: practitioners / 10, at least 5)" };
        var bundleSize = new Option<int>("--bundle-size") { Description = "Entries of a directory or patients Bundle at most", DefaultValueFactory = _ => 500 };
        var types = new Option<string?>("--types")
        {
            Description = "With --format ndjson: write only these resource types, comma-separated (e.g. Patient,DocumentReference); the data is the same, the other files are left out",
        };
        var force = new Option<bool>("--force") { Description = "Write into a folder that is not empty, replacing the sample files in it" };
        var command = new Command("generate", "Generate fictitious French sample data: INS patients, directory, DMP documents, e-prescriptions, immunizations")
        {
            patients, seed, output, format, practitioners, organizations, bundleSize, types, force,
        };
        command.SetAction((result, ct) =>
        {
            var options = SampleOptions.For(result.GetValue(seed), result.GetValue(patients), result.GetValue(practitioners), result.GetValue(organizations));
            if (options.Problem() is { } problem) return Task.FromResult(Fail(problem));
            if (result.GetValue(bundleSize) < SampleOptions.RecordResources)
                return Task.FromResult(Fail($"--bundle-size is at least {SampleOptions.RecordResources} (a patient's resources share a Bundle)"));
            var only = result.GetValue(types)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            if (only is not null && result.GetValue(format) != "ndjson") return Task.FromResult(Fail("--types needs --format ndjson (a Bundle keeps a patient's resources together)"));
            var folder = result.GetValue(output)!;
            if (folder.Exists && folder.EnumerateFileSystemInfos().Any())
            {
                if (!result.GetValue(force)) return Task.FromResult(Fail($"{folder.FullName} is not empty (--force replaces the sample files in it)"));
                foreach (var file in folder.EnumerateFiles().Where(IsSampleFile)) file.Delete();
            }
            folder.Create();

            var clock = Stopwatch.StartNew();
            var generator = new SampleGenerator(options);
            using (ISampleSink sink = result.GetValue(format) == "ndjson"
                       ? new NdjsonSink(folder.FullName, only)
                       : new BundleSink(folder.FullName, result.GetValue(bundleSize)))
            {
                generator.Run(sink, ct);
                sink.Dispose();
                File.WriteAllText(Path.Combine(folder.FullName, "sample.env"), generator.Environment());
                var counts = sink is NdjsonSink ndjson ? ndjson.Written : generator.Counts;
                var total = counts.Values.Sum();
                var seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                Console.WriteLine($"wrote {total:N0} resources in {sink.Files.Count:N0} files to {folder.FullName} " +
                                  $"in {seconds:F1} s ({total / seconds:N0} resources/s)");
                foreach (var (type, count) in counts) Console.WriteLine($"  {type,-20} {count,12:N0}");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static bool IsSampleFile(FileInfo file) =>
        file.Extension is ".json" or ".ndjson" || file.Name == "sample.env";

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"generate: {message}");
        return 2;
    }
}
