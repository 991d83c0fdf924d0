using FhirServer.Cli;
using FhirServer.Hosting;

// One executable: with a verb (convert, roundtrip, fhirpath, reindex) it is a command-line tool; otherwise it is the server.
if (CliApp.IsVerb(args)) return await CliApp.RunAsync(args);

WebApplication app;
try
{
    app = ServerApp.Build(args);
    await app.StartAsync();
}
catch (Exception e)
{
    // A mistake in the configuration (or a port already taken) is the operator's to fix: one line, no stack trace.
    await Console.Error.WriteLineAsync($"FhirServer: {StartupErrors.Describe(e)}");
    return StartupErrors.ExitCode(e);
}
await using (app)
    await app.WaitForShutdownAsync();
return 0;

public partial class Program;
