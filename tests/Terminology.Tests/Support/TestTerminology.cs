using FhirServer.Conformance.Context;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Packages;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Tests.Support;

/// <summary>
/// A terminology service over R4 core only (loaded once per run from ../shared/fhir-packages, never the network),
/// with small hand-made CodeSystems and ValueSets passed as request resources.
/// </summary>
public static class TestTerminology
{
    private static readonly Lazy<ConformanceContext> LazyContext = new(() =>
    {
        var cache = Path.Combine(Path.GetTempPath(), "fhirserver-tests", "packages");
        var resolver = PackageResolver.CreateDefault(cache, [.. PackageSettings.FindSharedPackageFolders()], offline: true);
        var resolution = resolver.ResolveAsync([PackageReference.Parse("hl7.fhir.r4.core#4.0.1")]).GetAwaiter().GetResult();
        return new ConformanceContext(resolution);
    });

    public static ConformanceContext Context => LazyContext.Value;

    public static LocalTerminologyService Service(int maxExpansionSize = 10_000) =>
        new(new TerminologySources(Context), new TerminologyOptions { MaxExpansionSize = maxExpansionSize });

    public static ElementNode Parse(string json)
    {
        var result = Context.Json.Parse(json);
        Assert.That(result.Success, Is.True, string.Join("; ", result.Issues.Select(i => i.ToString())));
        return result.Resource!;
    }

    /// <summary>
    /// http://example.org/cs/animals (version 1.0, case-insensitive): animal ⊃ mammal ⊃ {dog, cat}, bird (parent
    /// property: animal), fish (inactive), extinct (notSelectable) with French designations.
    /// </summary>
    public static ElementNode Animals(string version = "1.0", string content = "complete") => Parse($$"""
        {"resourceType":"CodeSystem","url":"http://example.org/cs/animals","version":"{{version}}","name":"Animals","status":"active",
         "caseSensitive":false,"content":"{{content}}",
         "property":[{"code":"legs","type":"integer"},{"code":"parent","type":"code"},{"code":"inactive","type":"boolean"},{"code":"notSelectable","type":"boolean"}],
         "concept":[
          {"code":"animal","display":"Animal","concept":[
            {"code":"mammal","display":"Mammal","designation":[{"language":"fr","value":"Mammifère"}],"concept":[
              {"code":"dog","display":"Dog","designation":[{"language":"fr-FR","value":"Chien"}],"property":[{"code":"legs","valueInteger":4}]},
              {"code":"cat","display":"Cat","property":[{"code":"legs","valueInteger":4}]}]}]},
          {"code":"bird","display":"Bird","property":[{"code":"parent","valueCode":"animal"},{"code":"legs","valueInteger":2}]},
          {"code":"fish","display":"Fish","property":[{"code":"parent","valueCode":"animal"},{"code":"inactive","valueBoolean":true}]},
          {"code":"extinct","display":"Extinct animals","property":[{"code":"notSelectable","valueBoolean":true}]}]}
        """);

    public static ElementNode ValueSet(string compose, string url = "http://example.org/vs/test") => Parse($$"""
        {"resourceType":"ValueSet","url":"{{url}}","status":"active","compose":{{compose}}}
        """);
}
