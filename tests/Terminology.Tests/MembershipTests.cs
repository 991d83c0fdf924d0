using FhirServer.Terminology.Membership;
using FhirServer.Terminology.Sources;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

/// <summary>The in-process membership check: hashed expansions, the rule fallback, "cannot tell", and invalidation on a change.</summary>
public class MembershipTests
{
    private const string Animals = "http://example.org/cs/animals";
    private const string Mammals = "http://example.org/vs/mammals";

    private static (ValueSetMembership Membership, StoredResources Stored) Create(int maxExpansionSize = 10_000)
    {
        var stored = new StoredResources();
        stored.Committed("CodeSystem", "animals", 1, Support.TestTerminology.Animals());
        stored.Committed("ValueSet", "mammals", 1, ValueSet("""{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"concept","op":"is-a","value":"mammal"}]}]}""", Mammals));
        return (new ValueSetMembership(new TerminologySources(Context, stored), new TerminologyOptions { MaxExpansionSize = maxExpansionSize }), stored);
    }

    [TestCase(10_000)]
    [TestCase(1)]
    public void Members_and_non_members_expanded_or_by_the_rules(int maxExpansionSize)
    {
        var (membership, _) = Create(maxExpansionSize);
        Assert.That(membership.IsMember(Mammals, Animals, "dog"), Is.EqualTo(Membership.Membership.Member));
        Assert.That(membership.IsMember(Mammals, Animals, "bird"), Is.EqualTo(Membership.Membership.NotMember));
        Assert.That(membership.IsMember(Mammals, "http://example.org/other", "dog"), Is.EqualTo(Membership.Membership.NotMember));
        Assert.That(membership.IsMember(Mammals, "cat"), Is.EqualTo(Membership.Membership.Member));
        Assert.That(membership.IsMember(Mammals, "fish"), Is.EqualTo(Membership.Membership.NotMember));
    }

    [Test]
    public void A_case_insensitive_system_matches_in_any_case()
    {
        Assert.That(Create().Membership.IsMember(Mammals, Animals, "DOG"), Is.EqualTo(Membership.Membership.Member));
    }

    [Test]
    public void A_package_value_set_is_checked()
    {
        var (membership, _) = Create();
        const string gender = "http://hl7.org/fhir/ValueSet/administrative-gender";
        Assert.That(membership.IsMember(gender, "http://hl7.org/fhir/administrative-gender", "female"), Is.EqualTo(Membership.Membership.Member));
        Assert.That(membership.IsMember(gender + "|4.0.1", "http://hl7.org/fhir/administrative-gender", "femme"), Is.EqualTo(Membership.Membership.NotMember));
    }

    [Test]
    public void Cannot_tell_for_an_unknown_value_set_or_a_system_not_present()
    {
        var (membership, stored) = Create();
        Assert.That(membership.IsMember("http://example.org/vs/nowhere", Animals, "dog"), Is.EqualTo(Membership.Membership.Unknown));
        stored.Committed("ValueSet", "loinc", 1, ValueSet("""{"include":[{"system":"http://example.org/cs/absent"},{"system":"http://example.org/cs/animals","concept":[{"code":"dog"}]}]}""", "http://example.org/vs/mixed"));
        Assert.That(membership.IsMember("http://example.org/vs/mixed", "http://example.org/cs/absent", "x"), Is.EqualTo(Membership.Membership.Unknown));
        Assert.That(membership.IsMember("http://example.org/vs/mixed", Animals, "dog"), Is.EqualTo(Membership.Membership.Member));
        Assert.That(membership.IsMember("http://example.org/vs/mixed", Animals, "cat"), Is.EqualTo(Membership.Membership.NotMember));
    }

    [Test]
    public void Cannot_tell_for_a_whole_system_present_without_its_content()
    {
        var (membership, stored) = Create();
        stored.Committed("CodeSystem", "stub", 1, Parse("""{"resourceType":"CodeSystem","url":"http://example.org/cs/stub","status":"active","content":"not-present"}"""));
        stored.Committed("ValueSet", "all-stub", 1, ValueSet("""{"include":[{"system":"http://example.org/cs/stub"}]}""", "http://example.org/vs/all-stub"));
        Assert.That(membership.IsMember("http://example.org/vs/all-stub", "http://example.org/cs/stub", "123"), Is.EqualTo(Membership.Membership.Unknown));
        Assert.That(membership.IsMember("http://example.org/vs/all-stub", "http://example.org/cs/other", "123"), Is.EqualTo(Membership.Membership.NotMember));
    }

    [Test]
    public void A_property_type_is_the_declared_one_else_the_concept_property_s()
    {
        var (membership, stored) = Create();
        stored.Committed("CodeSystem", "props", 1, Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/props","status":"active","content":"complete",
             "property":[{"code":"colour","type":"Coding"}],"concept":[{"code":"a"}]}
            """));
        Assert.That(membership.PropertyType("http://example.org/cs/props", "colour"), Is.EqualTo("Coding"));
        Assert.That(membership.PropertyType("http://example.org/cs/props", "notSelectable"), Is.EqualTo("boolean"));
        Assert.That(membership.PropertyType("http://example.org/cs/props", "weight"), Is.Null);
        Assert.That(membership.PropertyType("http://example.org/cs/absent", "notSelectable"), Is.Null);
    }

    [Test]
    public void A_stored_supplement_is_a_supplement_not_a_code_system()
    {
        var (membership, stored) = Create();
        stored.Committed("CodeSystem", "supplement", 1, Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/supplement","status":"draft","content":"complete","supplements":"http://example.org/cs/animals","concept":[{"code":"dog"}]}
            """));
        Assert.That((membership.IsSupplement("http://example.org/cs/supplement"), membership.HasCodeSystem("http://example.org/cs/supplement")), Is.EqualTo((true, false)));
        Assert.That(membership.IsSupplement(Animals), Is.False);
    }

    [Test]
    public void The_systems_a_value_set_draws_on_imports_included()
    {
        var (membership, stored) = Create();
        stored.Committed("ValueSet", "both", 1, ValueSet("""{"include":[{"system":"http://example.org/cs/absent","concept":[{"code":"x"}]},{"valueSet":["http://example.org/vs/mammals"]}]}""", "http://example.org/vs/both"));
        Assert.That(membership.Systems("http://example.org/vs/both"), Is.EquivalentTo(new[] { "http://example.org/cs/absent", Animals }));
        Assert.That(membership.Systems("http://example.org/vs/nowhere"), Is.Empty);
    }

    [Test]
    public void A_change_of_a_source_is_seen_by_the_next_check()
    {
        var (membership, stored) = Create();
        Assert.That(membership.IsMember(Mammals, Animals, "bird"), Is.EqualTo(Membership.Membership.NotMember));
        stored.Committed("ValueSet", "mammals", 2, ValueSet("""{"include":[{"system":"http://example.org/cs/animals"}]}""", Mammals));
        Assert.That(membership.IsMember(Mammals, Animals, "bird"), Is.EqualTo(Membership.Membership.Member));
        stored.Committed("ValueSet", "mammals", 3, null);
        Assert.That(membership.IsMember(Mammals, Animals, "bird"), Is.EqualTo(Membership.Membership.Unknown));
    }

    [Test]
    public void An_older_version_than_the_one_known_is_ignored()
    {
        var (membership, stored) = Create();
        stored.Committed("ValueSet", "mammals", 3, null);
        stored.Committed("ValueSet", "mammals", 2, ValueSet("""{"include":[{"system":"http://example.org/cs/animals"}]}""", Mammals));
        Assert.That(membership.IsMember(Mammals, Animals, "dog"), Is.EqualTo(Membership.Membership.Unknown));
    }

    [Test]
    public void Codes_for_a_search_within_a_limit()
    {
        var (membership, _) = Create();
        Assert.That(membership.Codes(Mammals, 10, "Limit"), Is.EqualTo(new[] { (Animals, "mammal"), (Animals, "dog"), (Animals, "cat") }));
        var e = Assert.Throws<TerminologyException>(() => membership.Codes(Mammals, 2, "Server:MaxOrValues"))!;
        Assert.That((e.IssueCode, e.Message), Is.EqualTo(("too-costly", $"The ValueSet '{Mammals}' has 3 codes, more than the 2 allowed (Server:MaxOrValues)")));
    }

    [Test]
    public void Value_sets_and_code_systems_known_here_and_a_later_one()
    {
        var (membership, stored) = Create();
        Assert.That(membership.HasValueSet(Mammals), Is.True);
        Assert.That(membership.HasValueSet("http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1"), Is.True);
        Assert.That(membership.HasValueSet("http://example.org/vs/later"), Is.False);
        Assert.That(membership.HasCodeSystem(Animals), Is.True);
        Assert.That(membership.HasCodeSystem("http://example.org/cs/later"), Is.False);
        // What was not known is looked up again once a source changes.
        stored.Committed("ValueSet", "later", 1, ValueSet("""{"include":[{"system":"http://example.org/cs/animals"}]}""", "http://example.org/vs/later"));
        stored.Committed("CodeSystem", "later", 1, Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/later","status":"active","content":"complete","concept":[{"code":"a"}]}
            """));
        Assert.That(membership.HasValueSet("http://example.org/vs/later"), Is.True);
        Assert.That(membership.HasCodeSystem("http://example.org/cs/later"), Is.True);
    }

    [Test]
    public void Only_a_complete_code_system_says_a_code_is_not_in_it()
    {
        var (membership, stored) = Create();
        Assert.That(membership.IsInCodeSystem(Animals, "dog"), Is.EqualTo(Membership.Membership.Member));
        Assert.That(membership.IsInCodeSystem(Animals, "unicorn"), Is.EqualTo(Membership.Membership.NotMember));
        Assert.That(membership.IsInCodeSystem("http://example.org/cs/absent", "x"), Is.EqualTo(Membership.Membership.Unknown));
        stored.Committed("CodeSystem", "animals", 2, Support.TestTerminology.Animals(content: "fragment"));
        Assert.That(membership.IsInCodeSystem(Animals, "unicorn"), Is.EqualTo(Membership.Membership.Unknown));
    }
}
