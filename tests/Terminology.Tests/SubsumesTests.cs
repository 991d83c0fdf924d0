using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

public class SubsumesTests
{
    [TestCase("animal", "dog", "subsumes")]
    [TestCase("dog", "mammal", "subsumed-by")]
    [TestCase("dog", "cat", "not-subsumed")]
    [TestCase("animal", "bird", "subsumes")]
    [TestCase("DOG", "dog", "equivalent")]
    public void Subsumes_follows_nesting_and_parent_properties(string a, string b, string outcome)
    {
        var result = Service().Subsumes(new SubsumesRequest("http://example.org/cs/animals", null, a, b) { TxResources = [Animals()] });
        Assert.That(result.Outcome, Is.EqualTo(outcome));
    }

    [Test]
    public void Unknown_code_is_invalid()
    {
        var e = Assert.Throws<TerminologyException>(() => Service().Subsumes(new SubsumesRequest("http://example.org/cs/animals", null, "dog", "unicorn") { TxResources = [Animals()] }));
        Assert.That(e!.IssueCode, Is.EqualTo("invalid"));
    }
}
