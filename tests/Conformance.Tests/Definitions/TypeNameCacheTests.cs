using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Search;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Definitions;

/// <summary>
/// Type names from clients (a resourceType, a profile, a chained search's type) that no definition has are looked up
/// each time rather than kept: the caches hold only the names of definitions, however many others are asked for.
/// </summary>
public sealed class TypeNameCacheTests
{
    [Test]
    public void Unknown_type_names_do_not_grow_the_type_cache()
    {
        var registry = new DefinitionRegistry(TestData.Context.Registry.Packages);
        Assert.That(registry.GetTypeDefinition("Patient"), Is.Not.Null);
        var before = registry.CachedTypeCount;
        for (var i = 0; i < 1_000; i++)
        {
            Assert.That(registry.GetTypeDefinition($"NoSuchType{i}"), Is.Null);
            Assert.That(registry.GetTypeDefinition($"http://example.org/StructureDefinition/profile-{i}"), Is.Null);
        }
        Assert.That(registry.CachedTypeCount, Is.EqualTo(before));
        Assert.That(registry.GetTypeDefinition("Patient"), Is.Not.Null);
    }

    [Test]
    public void Unknown_resource_types_do_not_grow_the_search_parameter_cache()
    {
        var parameters = new SearchParameterRegistry(TestData.Context.Registry);
        Assert.That(parameters.For("Patient"), Is.Not.Empty);
        var before = parameters.CachedTypeCount;
        for (var i = 0; i < 1_000; i++) Assert.That(parameters.For($"NoSuchType{i}"), Is.Empty);
        Assert.That(parameters.CachedTypeCount, Is.EqualTo(before));
    }
}
