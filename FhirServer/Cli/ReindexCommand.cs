using System.CommandLine;
using FhirServer.Hosting;
using FhirServer.Search;
using FhirServer.Storage;

namespace FhirServer.Cli;

/// <summary>
/// <c>reindex [--force] [server options]</c>: rebuilds the search index of the configured store (the same options as
/// the server: <c>--store</c>, <c>--data</c>, <c>--connection</c>, <c>--packages</c>…). Without <c>--force</c> only
/// when the search parameters changed, which the server also does at start-up. Then keys the stored resources'
/// unique identifiers (<c>Server:UniqueIdentifiers</c>, <see cref="UniqueIdentifierBackfill"/>) and lists on stdout, one
/// per line, the resources whose identifier another one already holds.
/// </summary>
internal static class ReindexCommand
{
    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Rebuild even when the search parameters did not change" };
        var command = new Command("reindex", "Rebuild the search index of the store") { force };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, ct) =>
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            // The server's log goes to stderr, so that stdout carries the verb's result only.
            await using var app = ServerApp.Build([.. result.UnmatchedTokens, "--Logging:Console:LogToStandardErrorThreshold=Trace"]);
            var count = await app.Services.GetRequiredService<Reindexer>().RunAsync(result.GetValue(force), ct);
            var (added, duplicates) = await app.Services.GetRequiredService<UniqueIdentifierBackfill>().RunAsync(force: true, ct);
            foreach (var duplicate in duplicates) Console.WriteLine($"duplicate: {duplicate}");
            Console.WriteLine($"reindex: {count} resources in {started.Elapsed.TotalSeconds:F1} s; unique identifiers: {added} keys added, {duplicates.Count} duplicates");
            return 0;
        });
        return command;
    }
}
