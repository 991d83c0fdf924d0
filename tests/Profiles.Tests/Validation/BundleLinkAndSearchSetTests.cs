using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Bundle.link relations by Bundle type, and a searchset's entries against their search mode and the self link.</summary>
public class BundleLinkAndSearchSetTests
{
    private static readonly ResourceValidator Core = Validator();

    private static string Link(string relation) => $$"""{"relation":"{{relation}}","url":"http://example.org/fhir/Patient?name=x"}""";

    private static string Bundle(string type, string[] links, params string[] entries) =>
        $$"""{"resourceType":"Bundle","type":"{{type}}","link":[{{string.Join(",", links)}}]{{(entries.Length == 0 ? "" : $",\"entry\":[{string.Join(",", entries)}]")}}}""";

    private static string Entry(string resource, string? mode) =>
        $$"""{"fullUrl":"http://example.org/fhir/x/{{Guid.NewGuid():N}}","resource":{{resource}}{{(mode is null ? "" : $$""","search":{"mode":"{{mode}}"}""")}}}""";

    private static (string Message, string? Expression)[] ErrorsOf(ValidationReport report) =>
        [.. report.Errors().Select(i => (i.Message, i.Expression))];

    [Test]
    public void Paging_links_are_not_allowed_outside_searches_and_self_occurs_once()
    {
        var report = Core.Validate(Bundle("collection", [Link("self"), Link("first"), Link("self"), Link("alternate")]));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            ("The link relationship type 'first' used in search sets is prohibited in this context", "Bundle.link[1].relation"),
            ("The link relationship type 'self' can only occur once", "Bundle.link[2].relation"),
        }), report.Describe());
    }

    [Test]
    public void Each_paging_link_of_a_searchset_occurs_once()
    {
        var report = Core.Validate(Bundle("searchset", [Link("self"), Link("self"), Link("next"), Link("first"), Link("first"), Link("next")]));
        Assert.That(ErrorsOf(report), Is.EqualTo(new[]
        {
            ("The link relationship type 'self' can only occur once", "Bundle.link[1]"),
            ("The link relationship type 'first' can only occur once", "Bundle.link[4]"),
            ("The link relationship type 'next' can only occur once", "Bundle.link[5]"),
        }), report.Describe());
    }

    [Test]
    public void Search_matches_have_ids_and_the_searched_type_and_an_outcome_is_an_OperationOutcome()
    {
        var report = Core.Validate(Bundle("searchset", [Link("self")],
            Entry("""{"resourceType":"Patient","id":"p1"}""", "match"),
            Entry("""{"resourceType":"Patient"}""", "match"),
            Entry("""{"resourceType":"Organization","id":"o1","name":"o"}""", "match"),
            Entry("""{"resourceType":"Organization","name":"o"}""", "include"),
            Entry("""{"resourceType":"Patient","id":"p2"}""", "outcome")));
        Assert.That(ErrorsOf(report), Is.EquivalentTo(new[]
        {
            ("Search results must have ids", "Bundle.entry[1].resource"),
            ("This is not a matching resource type for the specified search (Organization expecting [Patient])", "Bundle.entry[2].resource"),
            ("Search results must have ids", "Bundle.entry[3].resource"),
            ("This is not an OperationOutcome (Patient)", "Bundle.entry[4].resource"),
        }), report.Describe());
    }

    [Test]
    public void Without_search_modes_the_same_findings_are_warnings_and_the_types_may_come_from_type()
    {
        var report = Core.Validate($$"""
            {"resourceType":"Bundle","type":"searchset","link":[{"relation":"self","url":"http://example.org/fhir?_type=Patient,Group"}],
             "entry":[{{Entry("""{"resourceType":"Patient"}""", null)}},{{Entry("""{"resourceType":"Group","id":"g","type":"person","actual":true}""", null)}},
                      {{Entry("""{"resourceType":"Organization","id":"o1","name":"o"}""", null)}}]}
            """);
        Assert.That(report.Errors(), Is.Empty, report.Describe());
        Assert.That(report.Issues.Where(i => i.Severity == IssueSeverity.Warning).Select(i => (i.Message, i.Expression)), Is.SupersetOf(new[]
        {
            ("Search results must have ids", "Bundle.entry[0].resource"),
            ("This is not a matching resource type for the specified search (is a search mode needed?) (Organization expecting [Patient, Group])", "Bundle.entry[2]"),
            ("SearchSet bundles should have search modes on the entries", "Bundle"),
        }), report.Describe());
    }
}
