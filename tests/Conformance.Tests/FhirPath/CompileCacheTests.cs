using FhirServer.Conformance.FhirPath;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// The cache of compiled expressions is bounded (by the length of their texts): clients send expressions (FHIRPath Patch paths), and a new text for
/// each request must not grow the process without end.
/// </summary>
public sealed class CompileCacheTests
{
    [Test]
    public void Past_the_limit_the_cache_stays_at_the_limit_and_expressions_still_compile()
    {
        // Each some 500 characters: past the limit after about a thousand.
        var conditions = string.Join(" or ", Enumerable.Range(0, 20).Select(k => $"given = 'given-{k}'"));
        for (var i = 0; i < 2_000; i++)
        {
            var compiled = FhirPathEngine.Compile($"Patient.name.where(family = 'name-{i}' or {conditions}).given");
            Assert.That(compiled.Text, Does.Contain($"name-{i}'"));
        }
        Assert.That(FhirPathEngine.CachedSize, Is.InRange(1, FhirPathEngine.CacheLimit));
        Assert.That(FhirPathEngine.Evaluate("1 + 1", null).Single(), Is.EqualTo(2));
    }
}
