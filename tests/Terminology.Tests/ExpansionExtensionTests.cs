using FhirServer.Conformance.Model;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

/// <summary>
/// Concept extensions in an expansion: those that stand for a property (weight, label, order) returned unasked, those
/// echoed on the entry or its designations, a supplement's and a value set's own, and the properties a supplement defines.
/// </summary>
public class ExpansionExtensionTests
{
    private const string Sd = "http://hl7.org/fhir/StructureDefinition/";

    private static ElementNode Letters() => Parse($$"""
        {"resourceType":"CodeSystem","url":"http://example.org/cs/letters","status":"active","content":"complete",
         "concept":[
          {"code":"a","display":"Alpha","extension":[{"url":"{{Sd}}codesystem-conceptOrder","valueInteger":2},{"url":"{{Sd}}rendering-style","valueString":"bold"},
            {"url":"http://example.org/unknown","valueString":"not copied"}],
           "designation":[{"language":"de","value":"Alfa","extension":[{"url":"{{Sd}}coding-sctdescid","valueId":"123"},{"url":"http://example.org/unknown","valueString":"x"}]}]},
          {"code":"b","display":"Beta","extension":[{"url":"{{Sd}}codesystem-conceptOrder","valueInteger":1},
            {"url":"{{Sd}}structuredefinition-standards-status","valueCode":"deprecated"}]}]}
        """);

    private static ElementNode Supplement() => Parse($$"""
        {"resourceType":"CodeSystem","url":"http://example.org/cs/letters-supplement","version":"1","status":"active","content":"supplement",
         "supplements":"http://example.org/cs/letters","property":[{"code":"sound","uri":"http://example.org/properties/sound","type":"string"}],
         "concept":[{"code":"a","extension":[{"url":"{{Sd}}itemWeight","valueDecimal":1.5},{"url":"{{Sd}}codesystem-label","valueString":"a)"}],
           "property":[{"code":"sound","valueString":"ah"}]}]}
        """);

    private static ExpansionResult Expand(string compose, Func<ExpandRequest, ExpandRequest>? adjust = null)
    {
        var request = new ExpandRequest { ValueSet = ValueSet(compose), TxResources = [Letters(), Supplement()] };
        return Service().Expand(adjust?.Invoke(request) ?? request);
    }

    private static IEnumerable<(string Code, string? Value)> Properties(ExpansionEntry entry) => entry.Properties.Select(p => (p.Code, p.Value));

    [Test]
    public void Extensions_that_stand_for_a_property_are_returned_unasked_with_the_status_of_a_deprecated_concept()
    {
        var result = Expand("""{"include":[{"system":"http://example.org/cs/letters"}]}""");
        Assert.That(Properties(result.Contains[0]), Is.EqualTo(new[] { ("order", (string?)"2") }));
        Assert.That(Properties(result.Contains[1]), Is.EquivalentTo(new[] { ("status", (string?)"deprecated"), ("order", "1") }));
        Assert.That(result.Properties, Is.EquivalentTo(new[]
        {
            ("status", (string?)"http://hl7.org/fhir/concept-properties#status"),
            ("order", "http://hl7.org/fhir/concept-properties#order"),
        }));
    }

    [Test]
    public void A_supplement_adds_its_extensions_and_defines_its_properties()
    {
        var result = Expand("""{"include":[{"system":"http://example.org/cs/letters"}]}""",
            r => r with { UseSupplements = ["http://example.org/cs/letters-supplement"], Properties = ["sound"] });
        Assert.That(Properties(result.Contains[0]), Is.EquivalentTo(new[] { ("sound", (string?)"ah"), ("order", "2"), ("weight", "1.5"), ("label", "a)") }));
        Assert.That(result.Properties, Does.Contain(("sound", (string?)"http://example.org/properties/sound")));
        Assert.That(result.Properties, Does.Contain(("weight", (string?)"http://hl7.org/fhir/concept-properties#itemWeight")));
    }

    [Test]
    public void Rendering_and_designation_extensions_are_echoed_and_unknown_ones_are_not()
    {
        var result = Expand("""{"include":[{"system":"http://example.org/cs/letters"}]}""", r => r with { IncludeDesignations = true });
        Assert.That(result.Contains[0].Extensions.Select(e => (e.Url, e.Value)), Is.EqualTo(new[] { (Sd + "rendering-style", "bold") }));
        Assert.That(result.Contains[0].Designations.Single(d => d.Language == "de").Extensions.Select(e => (e.Url, e.ValueType, e.Value)),
            Is.EqualTo(new[] { (Sd + "coding-sctdescid", "id", "123") }));
    }

    [Test]
    public void A_value_set_listing_a_concept_gives_its_own_order_label_and_what_it_says_of_the_concept()
    {
        var result = Expand($$"""
            {"include":[{"system":"http://example.org/cs/letters","concept":[
              {"code":"b","extension":[{"url":"{{Sd}}valueset-conceptOrder","valueInteger":0},{"url":"{{Sd}}valueset-deprecated","valueBoolean":true},
                {"url":"{{Sd}}valueset-label","valueString":"first"}]},
              {"code":"a","extension":[{"url":"{{Sd}}valueset-concept-definition","valueString":"The first letter"}]}]}]}
            """);
        Assert.That(result.Contains.Select(c => c.Code), Is.EqualTo(new[] { "b", "a" }));
        Assert.That(Properties(result.Contains[0]), Is.EquivalentTo(new[] { ("status", (string?)"deprecated"), ("order", "0"), ("label", "first") }));
        Assert.That(result.Contains[0].Extensions.Select(e => (e.Url, e.ValueType, e.Value)), Is.EqualTo(new[] { (Sd + "valueset-deprecated", "boolean", "true") }));
        Assert.That(result.Contains[1].Extensions.Select(e => e.Url), Is.EqualTo(new[] { Sd + "rendering-style", Sd + "valueset-concept-definition" }));
    }
}
