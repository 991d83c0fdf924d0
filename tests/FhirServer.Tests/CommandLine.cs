using FhirServer.Tests.Fuzz;

namespace FhirServer.Tests;

/// <summary>
/// The test assembly's own entry point (the test host does not use it): <c>dotnet run --project tests/FhirServer.Tests -- fuzz …</c>
/// runs the fuzzer outside NUnit (docs/fuzzing.md).
/// </summary>
public static class CommandLine
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "fuzz") return await FuzzCommand.RunAsync(args[1..]);
        Console.Error.WriteLine("usage: dotnet run --project tests/FhirServer.Tests -- fuzz [--requests N] [--duration 10m] [--seed S] [--clients C] " +
                                "[--store sqlite|postgres] [--base-url URL [--pid P]] [--skip category,…|known] [--out folder]");
        return 2;
    }
}
