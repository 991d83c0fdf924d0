using FhirServer.Conformance.Context;
using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Tests.Support;

/// <summary>
/// Paths into ../shared (packages, examples, suites) and one conformance context per test run, built from the
/// shared package folder into a package cache under the temp folder (reused across runs; never the network).
/// </summary>
public static class TestData
{
    private static readonly Lazy<ConformanceContext> LazyContext = new(() => LoadAsync(PackageSettings.DefaultPackages).GetAwaiter().GetResult());

    public static string SharedRoot { get; } = FindShared();
    public static string RepositoryRoot { get; } = FindRepository();
    public static string PackagesFolder => Path.Combine(SharedRoot, "fhir-packages");
    public static string ExamplesFolder => Path.Combine(SharedRoot, "fhir-examples");
    public static string CacheFolder { get; } = Path.Combine(Path.GetTempPath(), "fhirserver-tests", "packages");

    /// <summary>The server's default package set, loaded once for the whole test run.</summary>
    public static ConformanceContext Context => LazyContext.Value;

    public static async Task<ConformanceContext> LoadAsync(IEnumerable<string> packages)
    {
        var resolver = PackageResolver.CreateDefault(CacheFolder, [PackagesFolder], offline: true);
        var resolution = await resolver.ResolveAsync(packages.Select(PackageReference.Parse));
        return new ConformanceContext(resolution);
    }

    private static string FindRepository([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        for (var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FhirServer.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("FhirServer.sln was not found above " + sourceFile);
    }

    // ../shared sits beside the clone: look above the test binaries, then above this source file (builds with an
    // artifacts folder outside the clone), unless FHIR_SHARED names it.
    private static string FindShared([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        if (Environment.GetEnvironmentVariable("FHIR_SHARED") is { Length: > 0 } configured) return configured;
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile)! })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared");
                if (Directory.Exists(Path.Combine(candidate, "fhir-packages"))) return candidate;
            }
        }
        throw new DirectoryNotFoundException("../shared (fhir-packages, fhir-examples, suites) was not found above " + AppContext.BaseDirectory);
    }
}
