using System.Diagnostics;

namespace FhirServer.Tests.Support;

/// <summary>A command run to its end, with its exit code and what it printed on each stream.</summary>
internal sealed record ProcessRun(int Exit, string Out, string Err)
{
    public static async Task<ProcessRun> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory,
        IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', start.ArgumentList)} did not end: {await stdout}{await stderr}");
        }
        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The built server (<c>FhirServer.dll</c> beside the tests) with <paramref name="arguments"/>, offline on the test packages.</summary>
    public static Task<ProcessRun> ServerAsync(params string[] arguments) =>
        RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "FhirServer.dll"), .. arguments], AppContext.BaseDirectory,
            new Dictionary<string, string?>
            {
                ["FhirPackages__Cache"] = Conformance.Tests.Support.TestData.CacheFolder,
                ["FhirPackages__SourceList"] = Conformance.Tests.Support.TestData.PackagesFolder,
                ["FhirPackages__Registry"] = "",
            });
}
