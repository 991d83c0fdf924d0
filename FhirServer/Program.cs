using FhirServer.Cli;
using FhirServer.Hosting;

// One executable: with a verb (convert, roundtrip, bench…) it is a command-line tool; otherwise it is the server.
if (CliApp.IsVerb(args)) return await CliApp.RunAsync(args);

var app = ServerApp.Build(args);
await app.RunAsync();
return 0;

public partial class Program;
