using FhirServer.Terminology.Expansion;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

/// <summary>The shape of an expansion: nesting, echoed parameters, display language, designations, properties, versions.</summary>
public class ExpansionOutputTests
{
    private const string WholeAnimals = """{"include":[{"system":"http://example.org/cs/animals"}]}""";

    private static ExpansionResult Expand(string compose, Func<ExpandRequest, ExpandRequest>? adjust = null, params FhirServer.Conformance.Model.ElementNode[] more)
    {
        var request = new ExpandRequest { ValueSet = ValueSet(compose), TxResources = [Animals(), .. more] };
        return Service().Expand(adjust?.Invoke(request) ?? request);
    }

    private static string Tree(IEnumerable<ExpansionEntry> entries) =>
        string.Join(",", entries.Select(e => e.Contains.Count == 0 ? e.Code : $"{e.Code}({Tree(e.Contains)})"));

    // "top" ⊃ "old" (retired) ⊃ "young".
    private static FhirServer.Conformance.Model.ElementNode Family() => Parse("""
        {"resourceType":"CodeSystem","url":"http://example.org/cs/family","name":"Family","status":"active","content":"complete","language":"en",
         "property":[{"code":"status","uri":"http://hl7.org/fhir/concept-properties#status","type":"code"}],
         "concept":[{"code":"top","display":"Top","concept":[{"code":"old","display":"Old","property":[{"code":"status","valueCode":"retired"}],
           "concept":[{"code":"young","display":"Young"}]}]}]}
        """);

    [Test]
    public void Codes_from_the_hierarchy_nest_under_their_parents_unless_excluded()
    {
        Assert.That(Tree(Expand(WholeAnimals).Contains), Is.EqualTo("animal(mammal(dog,cat),bird,fish),extinct"));
        Assert.That(Tree(Expand(WholeAnimals, r => r with { ExcludeNested = true }).Contains), Is.EqualTo("animal,mammal,dog,cat,bird,fish,extinct"));
        Assert.That(Tree(Expand(WholeAnimals, r => r with { ExcludeNested = false }).Contains), Is.EqualTo("animal(mammal(dog,cat),bird,fish),extinct"));
        Assert.That(Expand(WholeAnimals).Total, Is.EqualTo(7));
    }

    [Test]
    public void Listed_codes_a_text_filter_and_paging_give_a_flat_list()
    {
        Assert.That(Tree(Expand("""{"include":[{"system":"http://example.org/cs/animals","concept":[{"code":"mammal"},{"code":"dog"}]}]}""").Contains),
            Is.EqualTo("mammal,dog"));
        Assert.That(Tree(Expand(WholeAnimals, r => r with { Filter = "a" }).Contains), Is.EqualTo("animal,extinct"));
        Assert.That(Tree(Expand(WholeAnimals, r => r with { Count = 3 }).Contains), Is.EqualTo("animal,mammal,dog"));
    }

    [Test]
    public void A_code_whose_parent_is_left_out_goes_under_the_nearest_ancestor_in_the_expansion()
    {
        var compose = """{"include":[{"system":"http://example.org/cs/family"}]}""";
        Assert.That(Tree(Expand(compose, r => r with { ActiveOnly = true }, Family()).Contains), Is.EqualTo("top(young)"));
    }

    [Test]
    public void Parameters_given_are_echoed_in_name_order_with_the_code_systems_used()
    {
        var result = Expand(WholeAnimals, r => r with { Offset = 0, Count = 2, ActiveOnly = false, ExcludeNested = true, IncludeDesignations = true, DisplayLanguage = "en" });
        Assert.That(result.Parameters, Is.EqualTo(new[]
        {
            ("activeOnly", "false"), ("count", "2"), ("displayLanguage", "en"), ("excludeNested", "true"),
            ("includeDesignations", "true"), ("offset", "0"), ("used-codesystem", "http://example.org/cs/animals|1.0"),
        }));
        // A code system without a version is named by its URL alone.
        Assert.That(Expand("""{"include":[{"system":"http://example.org/cs/family"}]}""", null, Family()).Parameters,
            Is.EqualTo(new[] { ("used-codesystem", "http://example.org/cs/family") }));
    }

    [Test]
    public void The_display_language_replaces_the_display_and_keeps_the_original_as_a_designation()
    {
        var dog = Expand(WholeAnimals, r => r with { DisplayLanguage = "fr", IncludeDesignations = true, ExcludeNested = true }).Contains.Single(c => c.Code == "dog");
        Assert.That(dog.Display, Is.EqualTo("Chien"));
        Assert.That(dog.Designations.Select(d => (d.Language, d.Use?.Code, d.Value)), Is.EqualTo(new[] { ((string?)null, (string?)"preferredForLanguage", "Dog") }));
    }

    [TestCase("fr", "Cat")]
    [TestCase("fr,*", "Cat")]
    [TestCase("fr,*; q=0", null)]
    public void A_code_without_a_designation_in_the_language_keeps_its_display_unless_other_languages_are_refused(string language, string? display)
    {
        var cat = Expand(WholeAnimals, r => r with { DisplayLanguage = language, ExcludeNested = true }).Contains.Single(c => c.Code == "cat");
        Assert.That(cat.Display, Is.EqualTo(display));
    }

    [Test]
    public void The_display_language_comes_from_the_value_set_then_the_accept_language_header()
    {
        var withParameter = """
            {"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter",
              "extension":[{"url":"name","valueCode":"displayLanguage"},{"url":"value","valueCode":"fr"}]}],
             "include":[{"system":"http://example.org/cs/animals","concept":[{"code":"dog"}]}]}
            """;
        Assert.That(Expand(withParameter, r => r with { AcceptLanguage = "en" }).Contains[0].Display, Is.EqualTo("Chien"));
        Assert.That(Expand(withParameter, r => r with { DisplayLanguage = "en" }).Contains[0].Display, Is.EqualTo("Dog"));
        var plain = """{"include":[{"system":"http://example.org/cs/animals","concept":[{"code":"dog"}]}]}""";
        var byHeader = Expand(plain, r => r with { AcceptLanguage = "fr-FR" });
        Assert.That(byHeader.Contains[0].Display, Is.EqualTo("Chien"));
        Assert.That(byHeader.Parameters, Does.Contain(("displayLanguage", "fr-FR")));
    }

    [Test]
    public void Designation_parameters_select_designations_by_language()
    {
        var mammal = Expand(WholeAnimals, r => r with { Designations = ["urn:ietf:bcp:47|fr"], ExcludeNested = true }).Contains.Single(c => c.Code == "mammal");
        var dog = Expand(WholeAnimals, r => r with { Designations = ["urn:ietf:bcp:47|fr"], ExcludeNested = true }).Contains.Single(c => c.Code == "dog");
        Assert.That(mammal.Designations.Select(d => d.Value), Is.EqualTo(new[] { "Mammifère" }));
        Assert.That(dog.Designations, Is.Empty, "fr-FR is not the designation language fr asked for");
    }

    [Test]
    public void Properties_asked_for_are_returned_with_their_declaration()
    {
        var result = Expand(WholeAnimals, r => r with { Properties = ["legs", "definition"], ExcludeNested = true });
        Assert.That(result.Contains.Single(c => c.Code == "dog").Properties.Select(p => (p.Code, p.Value)), Is.EqualTo(new[] { ("legs", (string?)"4") }));
        Assert.That(result.Contains.Single(c => c.Code == "animal").Properties, Is.Empty);
        Assert.That(result.Properties, Is.EqualTo(new[] { ("legs", (string?)null) }));
    }

    [Test]
    public void The_status_of_an_inactive_code_is_returned_unasked()
    {
        var result = Expand("""{"include":[{"system":"http://example.org/cs/family"}]}""", r => r with { ExcludeNested = true }, Family());
        Assert.That(result.Contains.Single(c => c.Code == "old").Properties.Select(p => (p.Code, p.Value)), Is.EqualTo(new[] { ("status", (string?)"retired") }));
        Assert.That(result.Contains.Single(c => c.Code == "young").Properties, Is.Empty);
        Assert.That(result.Properties, Is.EqualTo(new[] { ("status", (string?)"http://hl7.org/fhir/concept-properties#status") }));
    }

    [Test]
    public void Imported_value_sets_are_named_listed_flat_and_their_status_warned_of()
    {
        var mammals = Parse("""
            {"resourceType":"ValueSet","url":"http://example.org/vs/mammals","version":"2","status":"active",
             "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status","valueCode":"withdrawn"}],
             "compose":{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"concept","op":"is-a","value":"mammal"}]}]}}
            """);
        var result = Expand("""{"include":[{"valueSet":["http://example.org/vs/mammals"]}]}""", null, mammals);
        Assert.That(Tree(result.Contains), Is.EqualTo("mammal,dog,cat"));
        Assert.That(result.Parameters, Does.Contain(("used-valueset", "http://example.org/vs/mammals|2")));
        Assert.That(result.Parameters, Does.Contain(("warning-withdrawn", "http://example.org/vs/mammals|2")));
    }

    [Test]
    public void A_draft_or_experimental_code_system_is_warned_of()
    {
        var draft = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/draft","version":"0.1","status":"draft","experimental":true,"content":"complete",
             "concept":[{"code":"a","display":"A"}]}
            """);
        var result = Expand("""{"include":[{"system":"http://example.org/cs/draft"}]}""", null, draft);
        Assert.That(result.Parameters, Is.EqualTo(new[]
        {
            ("used-codesystem", "http://example.org/cs/draft|0.1"), ("warning-draft", "http://example.org/cs/draft|0.1"),
            ("warning-experimental", "http://example.org/cs/draft|0.1"),
        }));
        Assert.That(Expand(WholeAnimals).Parameters.Select(p => p.Name), Has.None.StartsWith("warning-"));
    }

    [Test]
    public void An_expansion_of_a_fragment_is_unclosed()
    {
        var request = new ExpandRequest { ValueSet = ValueSet(WholeAnimals), TxResources = [Animals(content: "fragment")] };
        var result = Service().Expand(request);
        Assert.That(result.Parameters, Does.Contain(("used-fragment", "http://example.org/cs/animals|1.0")));
        Assert.That(result.UnclosedReasons.Single(), Does.Contain("fragment of the code system http://example.org/cs/animals"));
        Assert.That(Expand(WholeAnimals).UnclosedReasons, Is.Empty);
    }

    [Test]
    public void Contains_version_only_when_several_versions_of_a_system_are_used()
    {
        Assert.That(Expand(WholeAnimals).Contains.All(c => c.Version is null));
        var both = """{"include":[{"system":"http://example.org/cs/animals","version":"1.0","concept":[{"code":"dog"}]},{"system":"http://example.org/cs/animals","version":"2.0","concept":[{"code":"cat"}]}]}""";
        var result = Expand(both, null, Animals("2.0"));
        Assert.That(result.Contains.Select(c => c.Version), Is.EqualTo(new[] { "1.0", "2.0" }));
    }

    [Test]
    public void A_value_set_that_excludes_itself_through_another_is_refused_by_expand_and_validate_code()
    {
        var one = ValueSet("""{"include":[{"system":"http://example.org/cs/animals"},{"valueSet":["http://example.org/vs/two"]}]}""", "http://example.org/vs/one");
        var two = ValueSet("""{"include":[{"system":"http://example.org/cs/animals"}],"exclude":[{"valueSet":["http://example.org/vs/one"]}]}""", "http://example.org/vs/two");
        var expand = Assert.Throws<TerminologyException>(() => Service().Expand(new ExpandRequest { Url = "http://example.org/vs/one", TxResources = [Animals(), one, two] }));
        Assert.That((expand!.IssueCode, expand.Detail), Is.EqualTo(("processing", "vs-invalid")));
        Assert.That(expand.Message, Does.Contain("http://example.org/vs/one"));
        // A membership test that would find the code before reaching the exclude finds the cycle too.
        var validate = Assert.Throws<TerminologyException>(() => Service().ValidateCodeInValueSet(
            new ValidateCodeRequest([new("http://example.org/cs/none", "x")]) { ValueSetUrl = "http://example.org/vs/one", TxResources = [Animals(), one, two] }));
        Assert.That(validate!.IssueCode, Is.EqualTo("processing"));
    }

    [Test]
    public void A_page_may_come_from_an_expansion_larger_than_a_whole_one_may_be()
    {
        var service = new LocalTerminologyService(new Sources.TerminologySources(Context), new TerminologyOptions { MaxExpansionSize = 3, MaxPagedExpansionSize = 10 });
        var request = new ExpandRequest { ValueSet = ValueSet(WholeAnimals), TxResources = [Animals()] };
        Assert.That(Assert.Throws<TerminologyException>(() => service.Expand(request))!.IssueCode, Is.EqualTo("too-costly"));
        var page = service.Expand(request with { Count = 2, Offset = 2 });
        Assert.That((page.Total, page.Contains.Count), Is.EqualTo((7, 2)));
        var tooLarge = Assert.Throws<TerminologyException>(() => service.Expand(request with { Count = 4 }));
        Assert.That(tooLarge!.Message, Does.Contain("Terminology:MaxExpansionSize"));
        var small = new LocalTerminologyService(new Sources.TerminologySources(Context), new TerminologyOptions { MaxExpansionSize = 3, MaxPagedExpansionSize = 5 });
        Assert.That(Assert.Throws<TerminologyException>(() => small.Expand(request with { Count = 2 }))!.Message, Does.Contain("Terminology:MaxPagedExpansionSize"));
    }

    [TestCase("de,*;q=0", "de, *; q=0")]
    [TestCase("en,it,*", "en,it,*")]
    public void Language_lists_are_echoed_in_http_form_when_weighted(string given, string echoed)
    {
        Assert.That(LanguagePreference.Parse(given)!.Text, Is.EqualTo(echoed));
    }

    [Test]
    public void A_malformed_language_list_is_invalid()
    {
        var e = Assert.Throws<TerminologyException>(() => Expand(WholeAnimals, r => r with { DisplayLanguage = "fr;q=high" }));
        Assert.That(e!.IssueCode, Is.EqualTo("invalid"));
        Assert.That(e.Message, Does.Contain("q=high"));
    }
}
