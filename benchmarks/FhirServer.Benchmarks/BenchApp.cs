using System.Diagnostics;
using System.Reflection;

namespace FhirServer.Cli;

/// <summary>
/// The benchmarks' executable: <c>dotnet FhirServer.Benchmarks.dll &lt;benchmark&gt; …</c> (<see cref="BenchCommand"/>),
/// with the package switches of the server. A build without optimisations says so above its figures, as they would
/// mislead.
/// </summary>
public static class BenchApp
{
    public static Task<int> Main(string[] args) => RunAsync(args);

    public static Task<int> RunAsync(string[] args)
    {
        var root = BenchCommand.Create();
        CliContext.AddPackageOptions(root, recursive: true);
        if (UnoptimizedAssemblies() is { Count: > 0 } debug && !args.Any(a => a is "--help" or "-h" or "-?"))
        {
            var warning = $"DEBUG BUILD ({string.Join(", ", debug)} without optimisations): these figures are not representative; build with -c Release.";
            Console.WriteLine(warning);
            Console.Error.WriteLine(warning);
        }
        return CliContext.InvokeAsync(root, args);
    }

    /// <summary>Our assemblies compiled without JIT optimisations (a Debug build), by name.</summary>
    public static List<string> UnoptimizedAssemblies() =>
    [
        .. new[] { typeof(BenchApp).Assembly, typeof(CliContext).Assembly, typeof(Conformance.Context.ConformanceContext).Assembly }
            .Where(a => a.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
            .Select(a => a.GetName().Name!),
    ];
}
