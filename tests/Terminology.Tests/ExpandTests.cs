using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

public class ExpandTests
{
    private const string Include = """{"system":"http://example.org/cs/animals"}""";

    private static List<string> Codes(string compose, Func<ExpandRequest, ExpandRequest>? adjust = null, params FhirServer.Conformance.Model.ElementNode[] more)
    {
        var request = new ExpandRequest { ValueSet = ValueSet(compose), TxResources = [Animals(), .. more] };
        return [.. Flatten(Service().Expand(adjust?.Invoke(request) ?? request).Contains).Select(c => c.Code)];
    }

    /// <summary>The codes of a nested expansion in document order: each before the codes nested under it.</summary>
    public static IEnumerable<ExpansionEntry> Flatten(IEnumerable<ExpansionEntry> entries) =>
        entries.SelectMany(e => Flatten(e.Contains).Prepend(e));

    [Test]
    public void Whole_system_in_hierarchy_order()
    {
        Assert.That(Codes($$"""{"include":[{{Include}}]}"""), Is.EqualTo(new[] { "animal", "mammal", "dog", "cat", "bird", "fish", "extinct" }));
    }

    [Test]
    public void Exclude_system_leaves_out_the_codes_of_that_system_or_version()
    {
        var colors = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/colors","version":"2.1","status":"active","content":"complete",
             "concept":[{"code":"red"},{"code":"blue"}]}
            """);
        var both = $$"""{"include":[{{Include}},{"system":"http://example.org/cs/colors"}]}""";
        Assert.That(Codes(both, r => r with { ExcludeSystems = ["http://example.org/cs/animals"] }, colors), Is.EqualTo(new[] { "red", "blue" }));
        Assert.That(Codes(both, r => r with { ExcludeSystems = ["http://example.org/cs/colors|2.x"] }, colors), Has.Count.EqualTo(7));
        Assert.That(Codes(both, r => r with { ExcludeSystems = ["http://example.org/cs/colors|3.0"] }, colors), Has.Count.EqualTo(9), "another version");
        var result = Service().Expand(new ExpandRequest { ValueSet = ValueSet(both), TxResources = [Animals(), colors], ExcludeSystems = ["http://example.org/cs/colors"] });
        Assert.That(result.Parameters, Does.Contain(("exclude-system", "http://example.org/cs/colors")));
    }

    [Test]
    public void Listed_concepts_keep_their_order_and_display()
    {
        var vs = ValueSet("""{"include":[{"system":"http://example.org/cs/animals","concept":[{"code":"cat","display":"Chat"},{"code":"dog"}]}]}""");
        var result = Service().Expand(new ExpandRequest { ValueSet = vs, TxResources = [Animals()] });
        Assert.That(result.Contains.Select(c => (c.Code, c.Display)), Is.EqualTo(new[] { ("cat", (string?)"Chat"), ("dog", "Dog") }));
    }

    [TestCase("concept", "is-a", "mammal", "mammal,dog,cat")]
    [TestCase("concept", "descendent-of", "mammal", "dog,cat")]
    [TestCase("concept", "is-not-a", "mammal", "animal,bird,fish,extinct")]
    [TestCase("concept", "generalizes", "dog", "animal,mammal,dog")]
    [TestCase("concept", "child-of", "animal", "mammal,bird,fish")]
    [TestCase("concept", "regex", "[cd].*", "dog,cat")]
    [TestCase("concept", "in", "dog,bird", "dog,bird")]
    [TestCase("concept", "not-in", "dog,bird,animal,mammal", "cat,fish,extinct")]
    [TestCase("legs", "=", "4", "dog,cat")]
    [TestCase("legs", "exists", "true", "dog,cat,bird")]
    [TestCase("legs", "exists", "false", "animal,mammal,fish,extinct")]
    [TestCase("concept", "=", "bird", "bird")]
    public void Filters(string property, string op, string value, string expected)
    {
        var compose = $$"""{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"{{property}}","op":"{{op}}","value":"{{value}}"}]}]}""";
        Assert.That(Codes(compose), Is.EqualTo(expected.Split(',')));
    }

    [Test]
    public void A_property_with_the_notSelectable_uri_under_another_code_makes_the_concept_abstract()
    {
        var cs = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/reprop","status":"active","content":"complete",
             "property":[{"code":"not-selectable","uri":"http://hl7.org/fhir/concept-properties#notSelectable","type":"boolean"}],
             "concept":[{"code":"group","property":[{"code":"not-selectable","valueBoolean":true}]},
                        {"code":"leaf","property":[{"code":"not-selectable","valueBoolean":false}]}]}
            """);
        var result = Service().Expand(new ExpandRequest { ValueSet = ValueSet("""{"include":[{"system":"http://example.org/cs/reprop"}]}"""), TxResources = [cs] });
        Assert.That(Flatten(result.Contains).Select(c => (c.Code, c.Abstract)), Is.EqualTo(new[] { ("group", true), ("leaf", false) }));
    }

    [Test]
    public void A_local_reference_imports_a_contained_value_set()
    {
        var vs = Parse("""
            {"resourceType":"ValueSet","id":"outer","status":"active",
             "contained":[{"resourceType":"ValueSet","id":"pets","status":"active",
               "compose":{"include":[{"system":"http://example.org/cs/animals","concept":[{"code":"dog"},{"code":"cat"}]}]}}],
             "compose":{"include":[{"valueSet":["#pets"]}]}}
            """);
        var expansion = Service().Expand(new ExpandRequest { ValueSet = vs, TxResources = [Animals()] });
        Assert.That(expansion.Contains.Select(c => c.Code), Is.EqualTo(new[] { "dog", "cat" }));
        var valid = Service().ValidateCodeInValueSet(new ValidateCodeRequest([new FhirServer.Terminology.Model.CodingValue("http://example.org/cs/animals", "cat")]) { ValueSet = vs, TxResources = [Animals()] });
        Assert.That(valid.Result, Is.True, valid.Message);
    }

    [Test]
    public void A_compose_that_excludes_inactive_codes_expands_to_the_active_ones()
    {
        var all = Codes($$"""{"include":[{{Include}}]}""");
        var active = Codes($$"""{"inactive":false,"include":[{{Include}}]}""");
        Assert.That(all, Does.Contain("fish"));
        Assert.That(active, Is.EqualTo(all.Where(c => c != "fish")));
    }

    [Test]
    public void Unsupported_filter_is_refused()
    {
        var compose = """{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"concept","op":"magic","value":"x"}]}]}""";
        var e = Assert.Throws<TerminologyException>(() => Codes(compose));
        Assert.That(e!.IssueCode, Is.EqualTo("not-supported"));
    }

    [Test]
    public void Exclude_and_value_set_imports()
    {
        var mammals = ValueSet("""{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"concept","op":"is-a","value":"mammal"}]}]}""",
            "http://example.org/vs/mammals");
        Assert.That(Codes("""{"include":[{"valueSet":["http://example.org/vs/mammals"]}],"exclude":[{"system":"http://example.org/cs/animals","concept":[{"code":"cat"}]}]}""",
            null, mammals), Is.EqualTo(new[] { "mammal", "dog" }));
    }

    [Test]
    public void Paging_text_filter_and_active_only()
    {
        var compose = $$"""{"include":[{{Include}}]}""";
        Assert.That(Codes(compose, r => r with { Offset = 2, Count = 2 }), Is.EqualTo(new[] { "dog", "cat" }));
        Assert.That(Codes(compose, r => r with { Filter = "ext" }), Is.EqualTo(new[] { "extinct" }));
        Assert.That(Codes(compose, r => r with { ActiveOnly = true }), Does.Not.Contain("fish"));
        var result = Service().Expand(new ExpandRequest { ValueSet = ValueSet(compose), TxResources = [Animals()], Count = 1 });
        Assert.That(result.Total, Is.EqualTo(7));
    }

    [Test]
    public void Designations_only_when_asked()
    {
        var compose = """{"include":[{"system":"http://example.org/cs/animals","concept":[{"code":"dog"}]}]}""";
        var plain = Service().Expand(new ExpandRequest { ValueSet = ValueSet(compose), TxResources = [Animals()] });
        var with = Service().Expand(new ExpandRequest { ValueSet = ValueSet(compose), TxResources = [Animals()], IncludeDesignations = true });
        Assert.That(plain.Contains[0].Designations, Is.Empty);
        Assert.That(with.Contains[0].Designations.Select(d => d.Value), Is.EqualTo(new[] { "Chien" }));
    }

    [Test]
    public void Too_large_expansion_is_too_costly()
    {
        var e = Assert.Throws<TerminologyException>(() =>
            Service(maxExpansionSize: 3).Expand(new ExpandRequest { ValueSet = ValueSet($$"""{"include":[{{Include}}]}"""), TxResources = [Animals()] }));
        Assert.That(e!.IssueCode, Is.EqualTo("too-costly"));
        Assert.That(e.Message, Does.Contain("3"));
    }

    [Test]
    public void Unknown_value_set_is_not_found()
    {
        var e = Assert.Throws<TerminologyException>(() => Service().Expand(new ExpandRequest { Url = "http://example.org/vs/none" }));
        Assert.That(e!.IssueCode, Is.EqualTo("not-found"));
    }

    [Test]
    public void Package_value_set_expands()
    {
        var result = Service().Expand(new ExpandRequest { Url = "http://hl7.org/fhir/ValueSet/administrative-gender" });
        Assert.That(result.Contains.Select(c => c.Code), Is.EqualTo(new[] { "male", "female", "other", "unknown" }));
    }
}
