using System.Globalization;
using System.Text;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Serialization;

/// <summary>
/// A repeating primitive's two JSON parts (<c>given</c> and <c>_given</c>, R4 §2.6.2.1) meet item by item, in either
/// order and for long arrays too (the parser looks each item's other part up by index, once per array, where a scan
/// of the parent's children per item made 50,000 items 10^10 steps).
/// </summary>
public sealed class PrimitiveArrayPartsTests
{
    private static string Patient(int values, int extensions, bool extensionsFirst, int nullAt = -1)
    {
        var given = string.Join(",", Enumerable.Range(0, values).Select(i => i == nullAt ? "null" : $"\"g{i}\""));
        var underscore = string.Join(",", Enumerable.Range(0, extensions).Select(i =>
            $$"""{"extension":[{"url":"http://example.org/n","valueInteger":{{i}}}]}"""));
        var parts = extensionsFirst ? $"\"_given\":[{underscore}],\"given\":[{given}]" : $"\"given\":[{given}],\"_given\":[{underscore}]";
        return $$"""{"resourceType":"Patient","name":[{"family":"F",{{parts}}}]}""";
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Every_item_gets_its_own_value_and_extension(bool extensionsFirst)
    {
        const int items = 20_000;
        var parsed = TestData.Context.Json.Parse(Encoding.UTF8.GetBytes(Patient(items, items, extensionsFirst, nullAt: 777)));
        Assert.That(parsed.HasErrors, Is.False, string.Join("\n", parsed.Issues.Take(5)));
        var given = parsed.Resource!.Child("name")!.ChildrenNamed("given").ToList();
        Assert.That(given, Has.Count.EqualTo(items));
        foreach (var i in new[] { 0, 1, 776, 777, 778, items / 2, items - 1 })
        {
            Assert.That(given[i].Value, Is.EqualTo(i == 777 ? null : $"g{i}"), $"given[{i}]");
            Assert.That(given[i].Child("extension")!.Child("value")!.Value, Is.EqualTo(i.ToString(CultureInfo.InvariantCulture)), $"_given[{i}]");
        }
    }

    [Test]
    public void Parts_of_different_lengths_are_an_error_and_every_item_is_kept()
    {
        var parsed = TestData.Context.Json.Parse(Encoding.UTF8.GetBytes(Patient(1, 5_000, extensionsFirst: true)));
        Assert.That(parsed.Issues.Select(i => i.Message), Has.Some.Contains("The arrays 'given' and '_given' must have the same length"));
        var given = parsed.Resource!.Child("name")!.ChildrenNamed("given").ToList();
        Assert.That(given, Has.Count.EqualTo(5_000));
        Assert.That(given[0].Value, Is.EqualTo("g0"));
        Assert.That(given[0].Child("extension")!.Child("value")!.Value, Is.EqualTo("0"));
        Assert.That(given[4_999].Child("extension")!.Child("value")!.Value, Is.EqualTo("4999"));
    }
}
