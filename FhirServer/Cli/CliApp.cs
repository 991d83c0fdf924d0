using System.CommandLine;

namespace FhirServer.Cli;

/// <summary>The command-line verbs of the server executable (System.CommandLine).</summary>
public static class CliApp
{
    private static readonly HashSet<string> Verbs = ["convert", "roundtrip", "bench", "fhirpath", "reindex", "--help", "-h", "-?", "--version"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("FHIR R4 server for the French health system. Without a verb, runs the server.");
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(RoundTripCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(FhirPathCommand.Create());
        root.Subcommands.Add(ReindexCommand.Create());
        return await root.Parse(args).InvokeAsync();
    }
}
