using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Packages;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Tests.Support;

/// <summary>The server's default package set (R4, HL7 terminology, FR Core, Annuaire, PDSm, ans.fr.terminologies…), loaded once per run, offline.</summary>
public static class FrenchPackages
{
    private static readonly Lazy<ConformanceContext> LazyContext = new(() => ConformanceContext.LoadAsync(new PackageSettings
    {
        Cache = Path.Combine(Path.GetTempPath(), "fhirserver-tests", "packages"),
        Registry = "",
    }).GetAwaiter().GetResult());

    public static ConformanceContext Context => LazyContext.Value;

    public static LocalTerminologyService Service() => new(new TerminologySources(Context), new TerminologyOptions());

    /// <summary>The resources of one type in the packages whose name starts with <paramref name="packagePrefix"/>, read.</summary>
    public static IEnumerable<ElementNode> Resources(string packagePrefix, string resourceType) =>
        Context.Registry.Packages.Where(p => p.Name.StartsWith(packagePrefix, StringComparison.Ordinal))
            .SelectMany(p => p.Entries.Where(e => e.ResourceType == resourceType).Select(e => Context.Json.Parse(p.ReadFile(e)).Resource))
            .OfType<ElementNode>();
}
