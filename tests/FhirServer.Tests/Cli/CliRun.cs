namespace FhirServer.Tests.Cli;

/// <summary>Runs a verb in-process with stdout and stderr captured.</summary>
internal static class CliRun
{
    private static readonly SemaphoreSlim Console1 = new(1, 1);

    public static async Task<(int Exit, string Out, string Err)> Capture(Func<Task<int>> run)
    {
        await Console1.WaitAsync();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exit = await run();
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Console1.Release();
        }
    }
}
