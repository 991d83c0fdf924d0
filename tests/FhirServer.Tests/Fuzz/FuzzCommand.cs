using System.Globalization;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// The fuzzer from the command line, for runs longer than the test's:
/// <c>dotnet run --project tests/FhirServer.Tests -- fuzz [--requests N] [--duration 10m] [--seed S] [--clients C]
/// [--store sqlite|postgres] [--base-url URL [--pid P]] [--skip c1,c2|known] [--out folder]</c>.
/// Without <c>--base-url</c> it starts a server process on a fresh store; exits 1 when there were failures.
/// </summary>
public static class FuzzCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new FuzzOptions { IdleWait = TimeSpan.FromSeconds(15) };
        string store = "sqlite";
        string? baseUrl = null;
        int? pid = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--requests": options = options with { Requests = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--duration": options = options with { Duration = Duration(Value()) }; break;
                case "--seed": options = options with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--clients": options = options with { Clients = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--store": store = Value(); if (store is not ("sqlite" or "postgres")) throw new ArgumentException("--store is sqlite or postgres."); break;
                case "--base-url": baseUrl = Value(); break;
                case "--pid": pid = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--skip": options = options with { Skip = Categories(Value()) }; break;
                case "--idle-wait": options = options with { IdleWait = TimeSpan.FromSeconds(int.Parse(Value(), CultureInfo.InvariantCulture)) }; break;
                case "--out": options = options with { ReproducerFolder = Path.GetFullPath(Value()) }; break;
                default: throw new ArgumentException($"Unknown option {args[i]}; categories: {string.Join(", ", FuzzCategory.All)}.");
            }
        }
        if (options.Requests is null && options.Duration is null) options = options with { Requests = 10_000 };
        // Ctrl+C or a kill ends a long run with its report rather than without one; a second signal ends the process.
        using var stop = new CancellationTokenSource();
        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            if (stop.IsCancellationRequested) return;
            context.Cancel = true;
            Console.WriteLine("Stopping: the requests in flight are answered, then the run ends with its report (signal again to end now).");
            stop.Cancel();
        }
        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        FuzzReport report;
        if (baseUrl is not null)
        {
            report = await new FuzzRunner(baseUrl, options, pid).RunAsync(Console.Out, stop.Token);
        }
        else
        {
            using var processStore = new ProcessStore(store, "fuzz");
            await using var server = await ServerProcess.StartAsync(processStore.Arguments);
            Console.WriteLine($"Server on {server.BaseUrl} (pid {server.Process.Id}, {store}).");
            report = await new FuzzRunner(server.BaseUrl, options, server.Process.Id, () => server.Output).RunAsync(Console.Out, stop.Token);
        }
        if (store == "postgres") PostgresServer.Stop();
        Console.WriteLine(report);
        return report.Failures.Count == 0 ? 0 : 1;
    }

    private static string[] Categories(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).SelectMany(c => c == "known" ? FuzzCategory.KnownDefects.Keys : [c])];

    // "90s", "10m", "2h", or a TimeSpan ("00:10:00").
    private static TimeSpan Duration(string text) => text[^1] switch
    {
        's' => TimeSpan.FromSeconds(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
        'm' => TimeSpan.FromMinutes(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
        'h' => TimeSpan.FromHours(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
        _ => TimeSpan.Parse(text, CultureInfo.InvariantCulture),
    };
}
