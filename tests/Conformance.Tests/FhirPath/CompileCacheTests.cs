using FhirServer.Conformance.FhirPath;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// The cache of compiled expressions is bounded: clients send expressions (FHIRPath Patch paths), and a new text for
/// each request must not grow the process without end.
/// </summary>
public sealed class CompileCacheTests
{
    [Test]
    public void Past_the_limit_the_cache_stays_at_the_limit_and_expressions_still_compile()
    {
        for (var i = 0; i < FhirPathEngine.CacheLimit + 1_000; i++)
        {
            var compiled = FhirPathEngine.Compile($"Patient.name.where(family = 'name-{i}').given");
            Assert.That(compiled.Text, Does.Contain($"name-{i}'"));
        }
        Assert.That(FhirPathEngine.CachedCount, Is.LessThanOrEqualTo(FhirPathEngine.CacheLimit));
        Assert.That(FhirPathEngine.Evaluate("1 + 1", null).Single(), Is.EqualTo(2));
    }
}
