using System.CommandLine;
using FhirServer.Hosting;

namespace FhirServer.Cli;

/// <summary>The command-line verbs of the server executable (System.CommandLine).</summary>
public static class CliApp
{
    private static readonly HashSet<string> Verbs = ["convert", "roundtrip", "fhirpath", "reindex", "load", "validate", "hash-password", "generate", "--help", "-h", "-?", "--version"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("FHIR R4 server for the French health system. Without a verb, runs the server with the options below.");
        // The server's switches, for --help: the server reads them itself (ServerApp), so they do nothing after a verb.
        foreach (var s in ServerSwitches.All) root.Options.Add(new Option<string>(s.Name) { Description = s.Description, HelpName = "value" });
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(RoundTripCommand.Create());
        root.Subcommands.Add(FhirPathCommand.Create());
        root.Subcommands.Add(ReindexCommand.Create());
        root.Subcommands.Add(LoadCommand.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(HashPasswordCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        return CliContext.InvokeAsync(root, args);
    }
}
