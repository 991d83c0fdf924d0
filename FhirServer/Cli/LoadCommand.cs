using System.CommandLine;
using FhirServer.Hosting;

namespace FhirServer.Cli;

/// <summary>
/// <c>load &lt;file|folder&gt;… [--batch n] [--checkpoint file] [--restart] [--stop-on-error] [server options]</c>: loads a
/// directory extract (or any FHIR data) into the configured store through the server's write path (<see cref="Loader"/>):
/// NDJSON files (one resource per line), JSON files of one resource, and batch or transaction Bundles in either.
/// </summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "NDJSON or JSON files, or folders of them (*.ndjson, *.json, searched recursively); the server's options (--store, --data, --connection…) may follow",
            Arity = ArgumentArity.OneOrMore,
        };
        var batch = new Option<int>("--batch") { Description = "Lines written per transaction (default 500); the next batch is checked while one is written", DefaultValueFactory = _ => 500 };
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "File that records the lines committed, so that a rerun resumes after them (default load.checkpoint in the working directory)",
            DefaultValueFactory = _ => "load.checkpoint",
        };
        var restart = new Option<bool>("--restart") { Description = "Ignore the checkpoint and load everything again" };
        var stop = new Option<bool>("--stop-on-error") { Description = "Stop at the first line refused, rather than report it and go on" };
        var command = new Command("load", "Load FHIR NDJSON files or Bundles into the store, validated and indexed as the server writes, resumable") { inputs, batch, checkpoint, restart, stop };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var (paths, server) = Split([.. result.GetValue(inputs)!, .. result.UnmatchedTokens]);
            var files = Loader.Files(paths, out var missing);
            if (missing is not null)
            {
                Console.Error.WriteLine($"load: {missing} does not exist");
                return 2;
            }
            var size = result.GetValue(batch);
            if (size < 1)
            {
                Console.Error.WriteLine($"load: --batch is {size}: it must be at least 1");
                return 2;
            }
            // The server's log goes to stderr at warnings only, so that the progress line stays readable.
            await using var app = ServerApp.Build([.. server, "--Logging:Console:LogToStandardErrorThreshold=Trace", "--Logging:LogLevel:Default=Warning"]);
            var loader = new Loader(app.Services, LoadCheckpoint.Read(result.GetValue(checkpoint)!, result.GetValue(restart)), size, result.GetValue(stop));
            var summary = await loader.RunAsync(files, ct);
            Console.WriteLine(summary.ToString());
            return summary.Stopped ? 1 : 0;
        });
        return command;
    }

    /// <summary>
    /// The inputs, and the server's options that the argument took in with them (<c>--data dir</c>, <c>--Server:X=y</c>):
    /// an option without '=' takes the token after it as its value.
    /// </summary>
    private static (List<FileSystemInfo> Inputs, List<string> Server) Split(IReadOnlyList<string> tokens)
    {
        var inputs = new List<FileSystemInfo>();
        var server = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].StartsWith("--", StringComparison.Ordinal))
            {
                inputs.Add(Directory.Exists(tokens[i]) ? new DirectoryInfo(tokens[i]) : new FileInfo(tokens[i]));
                continue;
            }
            server.Add(tokens[i]);
            if (!tokens[i].Contains('=') && i + 1 < tokens.Count) server.Add(tokens[++i]);
        }
        return (inputs, server);
    }
}
