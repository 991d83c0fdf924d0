using System.CommandLine;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Cli;

/// <summary><c>roundtrip &lt;folder&gt;</c>: reads and writes every .json/.xml file below a folder and reports what does not come back identical.</summary>
internal static class RoundTripCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "Folder of FHIR resources (.json, .xml), searched recursively" };
        var command = new Command("roundtrip", "Check that every resource in a folder survives JSON/XML reading and writing unchanged") { folder };
        CliContext.AddPackageOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var dir = result.GetValue(folder)!;
            if (!dir.Exists)
            {
                Console.Error.WriteLine($"roundtrip: {dir.FullName} does not exist");
                return 2;
            }
            var context = await CliContext.LoadAsync(result);
            var files = dir.EnumerateFiles("*.*", SearchOption.AllDirectories)
                .Where(f => f.Extension is ".json" or ".xml")
                .OrderBy(f => f.FullName, StringComparer.Ordinal)
                .ToList();
            var identical = 0;
            foreach (var file in files)
            {
                ct.ThrowIfCancellationRequested();
                var r = RoundTrip.Check(context, file.FullName);
                if (r.Identical)
                {
                    identical++;
                    continue;
                }
                var relative = Path.GetRelativePath(dir.FullName, file.FullName);
                Console.WriteLine($"{relative}: {(r.Parsed ? "differs" : "not read")}");
                foreach (var issue in r.Issues.Where(i => i.IsError).Take(5)) Console.WriteLine($"    {issue}");
                foreach (var d in r.Differences.Take(10)) Console.WriteLine($"    {d}");
            }
            Console.WriteLine($"round-trip {identical}/{files.Count} identical");
            return identical == files.Count ? 0 : 1;
        });
        return command;
    }
}
