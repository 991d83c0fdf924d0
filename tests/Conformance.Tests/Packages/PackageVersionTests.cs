using FhirServer.Conformance.Packages;

namespace FhirServer.Conformance.Tests.Packages;

public class PackageVersionTests
{
    [Test]
    public void Versions_sort_in_semver_order()
    {
        string[] shuffled = ["1.10.0", "1.1.0", "1.1.0-ballot", "0.0.1-subset", "1.1.0-alpha.10", "1.1.0-alpha.2", "1.1.0-alpha", "2.0.0", "1.2.0", "5.3.0-ballot-tc1", "5.2.0"];
        var sorted = shuffled.Order(SemanticVersionComparer.Instance).ToArray();
        Assert.That(sorted, Is.EqualTo(new[]
        {
            "0.0.1-subset", "1.1.0-alpha", "1.1.0-alpha.2", "1.1.0-alpha.10", "1.1.0-ballot", "1.1.0", "1.2.0", "1.10.0", "2.0.0", "5.2.0", "5.3.0-ballot-tc1",
        }));
    }

    [TestCase("4.0", "4.0.1", -1)]
    [TestCase("4.0", "4.0.0-ballot", 1)]
    [TestCase("20240101", "20231231", 1)]
    [TestCase("1.0.10", "1.0.9", 1)]
    public void Compare_handles_shapes_other_than_three_parts(string a, string b, int expectedSign)
    {
        Assert.That(Math.Sign(SemanticVersionComparer.Instance.Compare(a, b)), Is.EqualTo(expectedSign));
        Assert.That(Math.Sign(SemanticVersionComparer.Instance.Compare(b, a)), Is.EqualTo(-expectedSign));
    }

    [TestCase(null, true)]
    [TestCase("latest", true)]
    [TestCase("current", true)]
    [TestCase("4.0.x", true)]
    [TestCase("4.x", true)]
    [TestCase("^4.0.1", true)]
    [TestCase("4.0.1", false)]
    [TestCase("1.1.0-ballot", false)]
    public void IsRange(string? wanted, bool expected) => Assert.That(PackageVersionSelector.IsRange(wanted), Is.EqualTo(expected));

    [TestCase("4.0.x", "4.0.1", true)]
    [TestCase("4.0.x", "4.0.12", true)]
    [TestCase("4.0.x", "4.1.0", false)]
    [TestCase("4.0.*", "4.0.3", true)]
    [TestCase("4.x", "4.3.0", true)]
    [TestCase("4.x", "5.0.0", false)]
    [TestCase("1.4.x", "1.4.0-ballot", true)]
    [TestCase("^4.0.1", "4.9.0", true)]
    [TestCase("^4.0.1", "4.0.0", false)]
    [TestCase("^4.0.1", "5.0.0", false)]
    [TestCase("^0.2.1", "0.3.0", false)]
    [TestCase("~4.0.1", "4.0.5", true)]
    [TestCase("~4.0.1", "4.1.0", false)]
    [TestCase("4.0.1", "4.0.1", true)]
    [TestCase("4.0.1", "4.0.2", false)]
    public void Matches(string wanted, string version, bool expected) =>
        Assert.That(PackageVersionSelector.Matches(wanted, version), Is.EqualTo(expected));

    [TestCase(null, "1.1.0")]
    [TestCase("latest", "1.1.0")]
    [TestCase("1.0.x", "1.0.2")]
    [TestCase("1.1.0-ballot", "1.1.0-ballot")]
    [TestCase("1.0.1", null)]
    [TestCase("3.x", null)]
    public void SelectBest(string? wanted, string? expected)
    {
        string[] available = ["1.0.0", "1.0.2", "1.1.0-ballot", "1.1.0", "0.9.0"];
        Assert.That(PackageVersionSelector.SelectBest(wanted, available), Is.EqualTo(expected));
    }

    [TestCase("7.1.0", new[] { "7.0.1" }, "7.0.1")]
    [TestCase("4.2.2", new[] { "4.2.0", "4.2.3", "4.1.9" }, "4.2.3")]
    [TestCase("2.1.5", new[] { "1.0.0", "2.0.9", "3.0.0" }, "2.0.9")]
    [TestCase("1.0.0", new[] { "2.0.0", "1.5.0", "3.0.0" }, "1.5.0")]
    [TestCase("1.7.0", new[] { "0.0.1-subset" }, "0.0.1-subset")]
    [TestCase("1.4.x", new[] { "1.3.2", "1.5.0" }, "1.3.2")]
    [TestCase("5.1.0", new[] { "5.3.0-ballot-tc1" }, "5.3.0-ballot-tc1")]
    public void SelectNearest(string wanted, string[] available, string expected) =>
        Assert.That(PackageVersionSelector.SelectNearest(wanted, available), Is.EqualTo(expected));

    [Test]
    public void SelectNearest_of_nothing_is_null() =>
        Assert.That(PackageVersionSelector.SelectNearest("1.0.0", []), Is.Null);
}
