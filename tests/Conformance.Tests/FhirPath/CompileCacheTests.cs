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

    [Test]
    public void A_full_cache_still_keeps_the_expression_compiled_now()
    {
        // Filled exactly to the limit (1,024 string literals of 512 characters), so that the next entry is the first one past it.
        FhirPathEngine.ClearCache();
        for (var i = 0; i < FhirPathEngine.CacheLimit / 512; i++)
            FhirPathEngine.Compile("'" + i.ToString("D6").PadRight(510, 'x') + "'");
        Assert.That(FhirPathEngine.CachedSize, Is.EqualTo(FhirPathEngine.CacheLimit));
        // A new text is kept at once (not only after a background eviction): compiled once, then reused.
        Assert.That(FhirPathEngine.Compile("name.family.first()"), Is.SameAs(FhirPathEngine.Compile("name.family.first()")));
    }
}
