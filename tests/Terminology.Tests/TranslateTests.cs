using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

public class TranslateTests
{
    private const string Animals = "http://example.org/cs/animals";
    private const string Tiere = "http://example.org/cs/tiere";
    private const string Gender = "http://hl7.org/fhir/administrative-gender";
    private const string V2Sex = "http://terminology.hl7.org/CodeSystem/v2-0001";

    /// <summary>animals → tiere: dog is Hund; cat is Katze only for a domestic habitat (dependsOn) and brings a product; fish is unmatched.</summary>
    private static ElementNode Map(string unmapped = "", string url = "http://example.org/cm/animals-tiere", string targetScope = "http://example.org/vs/tiere") => Parse($$"""
        {"resourceType":"ConceptMap","url":"{{url}}","version":"2","status":"active",
         "sourceUri":"http://example.org/vs/animals","targetUri":"{{targetScope}}",
         "group":[{"source":"{{Animals}}","target":"{{Tiere}}",
           "element":[
             {"code":"dog","target":[{"code":"hund","display":"Hund","equivalence":"equivalent"}]},
             {"code":"cat","target":[{"code":"katze","equivalence":"equivalent",
                "dependsOn":[{"property":"http://example.org/habitat","value":"domestic"}],
                "product":[{"property":"http://example.org/size","system":"http://example.org/cs/size","value":"small"}]}]},
             {"code":"fish","target":[{"equivalence":"unmatched"}]}]
           {{unmapped}}}]}
        """);

    private static TranslateRequest Request(string code, string system = Animals) => new([new CodingValue(system, code)]);

    [Test]
    public void Forward_translation_through_a_named_map()
    {
        var result = Service().Translate(Request("dog") with { ConceptMapUrl = "http://example.org/cm/animals-tiere", TxResources = [Map()] });
        Assert.That(result.Result, Is.True);
        var match = result.Matches.Single();
        Assert.That((match.Concept!.System, match.Concept.Code, match.Concept.Display), Is.EqualTo((Tiere, "hund", "Hund")));
        Assert.That(match.Equivalence, Is.EqualTo("equivalent"));
        Assert.That(match.OriginMap, Is.EqualTo("http://example.org/cm/animals-tiere|2"));
    }

    [Test]
    public void Without_a_url_the_maps_in_scope_are_used()
    {
        var other = Map(url: "http://example.org/cm/other", targetScope: "http://example.org/vs/other");
        var service = Service();
        var all = service.Translate(Request("dog") with { TxResources = [Map(), other] });
        Assert.That(all.Matches.Select(m => m.OriginMap), Is.EquivalentTo(new[] { "http://example.org/cm/animals-tiere|2", "http://example.org/cm/other|2" }));
        var scoped = service.Translate(Request("dog") with { Target = "http://example.org/vs/tiere", TxResources = [Map(), other] });
        Assert.That(scoped.Matches.Select(m => m.OriginMap), Is.EqualTo(new[] { "http://example.org/cm/animals-tiere|2" }));
        var bySystem = service.Translate(Request("dog") with { TargetSystem = "http://example.org/cs/none", TxResources = [Map(), other] });
        Assert.That(bySystem.Result, Is.False);
        Assert.That(bySystem.Message, Does.Contain("No translation found"));
    }

    [Test]
    public void A_target_with_dependsOn_holds_only_when_the_dependency_is_given_and_brings_its_products()
    {
        var service = Service();
        Assert.That(service.Translate(Request("cat") with { TxResources = [Map()] }).Matches, Is.Empty);
        var result = service.Translate(Request("cat") with
        {
            Dependencies = [("http://example.org/habitat", new CodingValue(null, "domestic"))],
            TxResources = [Map()],
        });
        var match = result.Matches.Single();
        Assert.That(match.Concept!.Code, Is.EqualTo("katze"));
        Assert.That(match.Products.Select(p => (p.Element, p.Concept.Code)), Is.EqualTo(new[] { ("http://example.org/size", "small") }));
    }

    [Test]
    public void Unmatched_is_a_match_but_not_a_result()
    {
        var result = Service().Translate(Request("fish") with { TxResources = [Map()] });
        Assert.That(result.Result, Is.False);
        Assert.That(result.Matches.Single().Equivalence, Is.EqualTo("unmatched"));
        Assert.That(result.Matches.Single().Concept, Is.Null);
    }

    [Test]
    public void Reverse_finds_the_source_codes()
    {
        var result = Service().Translate(Request("hund", Tiere) with { Reverse = true, TxResources = [Map()] });
        var match = result.Matches.Single();
        Assert.That((match.Concept!.System, match.Concept.Code), Is.EqualTo((Animals, "dog")));
        Assert.That((match.Matched.System, match.Matched.Code, match.Reversed), Is.EqualTo((Tiere, "hund", true)));
    }

    [TestCase("provided", "bird", "equal")]
    [TestCase("fixed", "other", "inexact")]
    public void Unmapped_codes_follow_the_group_rule(string mode, string expectedCode, string equivalence)
    {
        var unmapped = mode == "provided" ? ""","unmapped":{"mode":"provided"}""" : ""","unmapped":{"mode":"fixed","code":"other","display":"Other"}""";
        var match = Service().Translate(Request("bird") with { TxResources = [Map(unmapped)] }).Matches.Single();
        Assert.That((match.Concept!.System, match.Concept.Code, match.Equivalence), Is.EqualTo((Tiere, expectedCode, equivalence)));
    }

    [Test]
    public void Unmapped_other_map_follows_the_other_map_and_stops_at_a_cycle()
    {
        var first = Map(""","unmapped":{"mode":"other-map","url":"http://example.org/cm/second"}""");
        var second = Map(""","unmapped":{"mode":"other-map","url":"http://example.org/cm/animals-tiere"}""", url: "http://example.org/cm/second");
        var fallback = Parse($$"""
            {"resourceType":"ConceptMap","url":"http://example.org/cm/birds","status":"active",
             "group":[{"source":"{{Animals}}","target":"{{Tiere}}","element":[{"code":"bird","target":[{"code":"vogel","equivalence":"equal"}]}]}]}
            """);
        var viaOther = Map(""","unmapped":{"mode":"other-map","url":"http://example.org/cm/birds"}""");
        var match = Service().Translate(Request("bird") with { ConceptMapUrl = "http://example.org/cm/animals-tiere", TxResources = [viaOther, fallback] }).Matches.Single();
        Assert.That((match.Concept!.Code, match.OriginMap), Is.EqualTo(("vogel", "http://example.org/cm/birds")));

        var cycle = Service().Translate(Request("bird") with { ConceptMapUrl = "http://example.org/cm/animals-tiere", TxResources = [first, second] });
        Assert.That(cycle.Matches, Is.Empty);
        Assert.That(cycle.Result, Is.False);
    }

    [Test]
    public void Maps_of_the_packages_translate_too()
    {
        var result = Service().Translate(new TranslateRequest([new CodingValue(Gender, "other")]) { ConceptMapUrl = "http://hl7.org/fhir/ConceptMap/cm-administrative-gender-v2" });
        Assert.That(result.Matches.Select(m => (m.Concept!.System, m.Concept.Code, m.Equivalence)),
            Is.EqualTo(new[] { (V2Sex, "A", "wider"), (V2Sex, "O", "wider") }));
        var bySystem = Service().Translate(new TranslateRequest([new CodingValue(Gender, "female")]) { TargetSystem = V2Sex });
        Assert.That(bySystem.Matches.Select(m => m.Concept!.Code), Does.Contain("F"));
    }

    [Test]
    public void Errors_name_what_is_wrong()
    {
        var e = Assert.Throws<TerminologyException>(() => Service().Translate(Request("dog") with { ConceptMapUrl = "http://example.org/cm/none" }));
        Assert.That((e!.IssueCode, e.Message), Is.EqualTo(("not-found", "A definition for the ConceptMap 'http://example.org/cm/none' could not be found")));
        e = Assert.Throws<TerminologyException>(() => Service().Translate(new TranslateRequest([new CodingValue(Animals, null)])));
        Assert.That(e!.IssueCode, Is.EqualTo("invalid"));
    }
}
