namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>The official FHIRPath R4 suite, one NUnit case per &lt;test&gt;; known gaps are ignored with their reason from fhirpath-skips.json.</summary>
public sealed class FhirPathSuiteTests
{
    public static IEnumerable<TestCaseData> Cases() =>
        OfficialSuite.Cases.Select(c => new TestCaseData(c).SetName("FhirPathSuite." + c.Name.Replace('.', '_')));

    [TestCaseSource(nameof(Cases))]
    public void Suite(SuiteCase test)
    {
        if (FhirPathSkips.Suite.TryGetValue(test.Name, out var reason)) Assert.Ignore(reason);
        var (passed, message) = SuiteRunner.Run(test);
        Assert.That(passed, Is.True, $"{test.Expression}\n{message}");
    }

    [Test]
    public void SkipListStaysHonest()
    {
        var names = OfficialSuite.Cases.ToDictionary(c => c.Name);
        var unknown = FhirPathSkips.Suite.Keys.Where(n => !names.ContainsKey(n)).ToList();
        var nowPassing = FhirPathSkips.Suite.Keys.Where(names.ContainsKey).Where(n => SuiteRunner.Run(names[n]).Passed).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(unknown, Is.Empty, "fhirpath-skips.json lists tests the suite does not have");
            Assert.That(nowPassing, Is.Empty, "these listed tests pass now: remove them from fhirpath-skips.json");
        });
    }
}
