using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Packages;
using FhirServer.Profiles.Validation;
using FhirServer.Terminology;
using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;

namespace FhirServer.Profiles.Tests.Support;

/// <summary>
/// The server's default package set, loaded once per run from ../shared/fhir-packages into the tests' package cache
/// (never the network), and the examples folder beside it.
/// </summary>
public static class ProfilesTestData
{
    private static readonly Lazy<ConformanceContext> LazyContext = new(() =>
    {
        var cache = Path.Combine(Path.GetTempPath(), "fhirserver-tests", "packages");
        var resolver = PackageResolver.CreateDefault(cache, [.. PackageSettings.FindSharedPackageFolders()], offline: true);
        var resolution = resolver.ResolveAsync(PackageSettings.DefaultPackages.Select(PackageReference.Parse)).GetAwaiter().GetResult();
        return new ConformanceContext(resolution);
    });

    private static readonly Lazy<IValueSetMembership> LazyTerminology = new(() =>
        new ValueSetMembership(new TerminologySources(Context), new TerminologyOptions()));

    public static ConformanceContext Context => LazyContext.Value;

    /// <summary>Value set membership over the same packages, as the server builds it.</summary>
    public static IValueSetMembership Terminology => LazyTerminology.Value;

    /// <summary>A validator of its own (tests add profiles to it) over the packages, with terminology.</summary>
    public static ResourceValidator NewValidator(ValidatorOptions? options = null) =>
        ResourceValidator.Create(Context.Registry, Terminology, options);

    /// <summary>A validator whose terminology also sees <paramref name="stored"/>, as the server's sees its store.</summary>
    public static ResourceValidator NewValidator(StoredResources stored) =>
        ResourceValidator.Create(Context.Registry, new ValueSetMembership(new TerminologySources(Context, stored), new TerminologyOptions()));

    public static string ExamplesFolder
    {
        get
        {
            var packages = PackageSettings.FindSharedPackageFolders();
            Assert.That(packages, Is.Not.Empty, "../shared/fhir-packages was not found");
            return Path.GetFullPath(Path.Combine(packages[0], "..", "fhir-examples"));
        }
    }

    public static ElementNode Parse(string json)
    {
        var result = Context.Json.Parse(json);
        Assert.That(result.Success, Is.True, string.Join("; ", result.Issues.Select(i => i.ToString())));
        return result.Resource!;
    }
}
