using System.Globalization;
using System.Text.Json.Nodes;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// Union, distinct(), intersect(), exclude() and subsetOf() on collections past the size where duplicates are found by
/// hash (N1 §6.5.1, §5.1): values equal across forms (1 and 1.0, 1000 'mg' and 1 'g', one instant in two timezones,
/// equal complex values) are still one.
/// </summary>
public sealed class LargeCollectionTests
{
    private const int Pairs = 40;

    private static IReadOnlyList<object> Eval(string expression, ElementNode input) =>
        FhirPathEngine.Evaluate(expression, input, new FhirPathContext { Registry = TestData.Context.Registry });

    // A Patient with one extension per value, each value written twice in two equal forms.
    private static ElementNode PatientWith(Func<int, JsonObject> first, Func<int, JsonObject> second)
    {
        var extensions = new JsonArray();
        for (var i = 0; i < Pairs; i++)
        {
            var a = first(i);
            a["url"] = "http://example.org/a";
            var b = second(i);
            b["url"] = "http://example.org/b";
            extensions.Add(a);
            extensions.Add(b);
        }
        var json = new JsonObject { ["resourceType"] = "Patient", ["extension"] = extensions }.ToJsonString();
        return TestData.Context.Json.Parse(json).Resource ?? throw new InvalidOperationException("unreadable test resource");
    }

    private static string Number(int i) => (i + 1).ToString(CultureInfo.InvariantCulture);

    [Test]
    public void Numbers_of_different_scale_and_type_are_one()
    {
        var patient = PatientWith(i => new JsonObject { ["valueInteger"] = i + 1 }, i => new JsonObject { ["valueDecimal"] = decimal.Parse(Number(i) + ".00", CultureInfo.InvariantCulture) });
        Assert.That(Eval("Patient.extension.value | Patient.extension.value", patient), Has.Count.EqualTo(Pairs));
        Assert.That(Eval("Patient.extension.value.distinct()", patient), Has.Count.EqualTo(Pairs));
    }

    [Test]
    public void Quantities_in_comparable_units_are_one()
    {
        static JsonObject Quantity(decimal value, string code) =>
            new() { ["valueQuantity"] = new JsonObject { ["value"] = value, ["system"] = "http://unitsofmeasure.org", ["code"] = code } };
        var patient = PatientWith(i => Quantity((i + 1) * 1000, "mg"), i => Quantity(i + 1, "g"));
        Assert.That(Eval("Patient.extension.value | Patient.extension.value", patient), Has.Count.EqualTo(Pairs));
        Assert.That(Eval("Patient.extension.value.isDistinct()", patient).Single(), Is.False);
    }

    [Test]
    public void One_instant_in_two_timezones_is_one()
    {
        var patient = PatientWith(
            i => new JsonObject { ["valueDateTime"] = $"2020-01-{i % 28 + 1:00}T{i % 20 + 2:00}:30:00+02:00" },
            i => new JsonObject { ["valueDateTime"] = $"2020-01-{i % 28 + 1:00}T{i % 20:00}:30:00Z" });
        Assert.That(Eval("Patient.extension.value.distinct()", patient), Has.Count.EqualTo(Pairs));
    }

    [Test]
    public void Equal_complex_values_are_one_and_different_ones_are_kept()
    {
        static JsonObject Coding(int i) => new() { ["valueCoding"] = new JsonObject { ["system"] = "http://example.org", ["code"] = "c" + (i % 10) } };
        var patient = PatientWith(Coding, i => Coding(i + 5));
        Assert.That(Eval("Patient.extension.value.distinct()", patient), Has.Count.EqualTo(10));
        Assert.That(Eval("Patient.extension | Patient.extension", patient), Has.Count.EqualTo(20), "ten codes under each of two urls");
    }

    [Test]
    public void Intersect_exclude_and_subsetOf_find_equal_values()
    {
        var patient = PatientWith(i => new JsonObject { ["valueString"] = "s" + i }, i => new JsonObject { ["valueString"] = "s" + (i + Pairs / 2) });
        var a = "Patient.extension.where(url = 'http://example.org/a').value";
        var b = "Patient.extension.where(url = 'http://example.org/b').value";
        Assert.That(Eval($"{a}.intersect({b})", patient), Has.Count.EqualTo(Pairs / 2));
        Assert.That(Eval($"{a}.exclude({b})", patient), Has.Count.EqualTo(Pairs / 2));
        Assert.That(Eval($"{a}.where($this.substring(1).toInteger() >= {Pairs / 2}).subsetOf({b})", patient).Single(), Is.True);
        Assert.That(Eval($"{a}.subsetOf({b})", patient).Single(), Is.False);
    }
}
