using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>A narrative's hyperlinks lead somewhere: <c>#x</c> names something in the resource or its Bundle, absolute links use a followable scheme.</summary>
public class NarrativeLinkTests
{
    private static readonly ResourceValidator Core = Validator();

    private static string Div(string content) => $$"""<div xmlns=\"http://www.w3.org/1999/xhtml\">{{content}}</div>""";

    private static string Patient(string div, string more = "") =>
        $$$"""{"resourceType":"Patient","id":"p1","text":{"status":"generated","div":"{{{Div(div)}}}"}{{{more}}}}""";

    [Test]
    public void A_fragment_link_to_an_anchor_an_element_id_or_a_contained_resource_resolves()
    {
        var report = Core.Validate(Patient(
            """<a name=\"top\"> </a><p id=\"para\">x</p><a href=\"#top\">up</a><a href=\"#para\">p</a><a href=\"#n1\">name</a><a href=\"#org\">org</a><a href=\"#\">self</a>""",
            ""","contained":[{"resourceType":"Organization","id":"org","name":"O"}],"managingOrganization":{"reference":"#org"},"name":[{"id":"n1","family":"Dupont"}]"""));
        Assert.That(report.Issues, Is.Empty, report.Describe());
    }

    [Test]
    public void A_fragment_link_to_nothing_is_an_error_that_says_where_the_link_is()
    {
        var report = Core.Validate(Patient("""<table><tr><td><a href=\"#nowhere\">See\nabove</a></td></tr></table>"""));
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Hyperlink '#nowhere' at 'div/table/tr/td/a' for 'See above' does not resolve", "Patient.text.div"),
        }), report.Describe());
    }

    [Test]
    public void In_a_Bundle_a_fragment_link_resolves_to_an_anchor_of_another_entry()
    {
        var patient = Div("""<a href=\"#org-anchor\">org</a><a href=\"#missing\">m</a>""");
        var organization = Div("""<a name=\"org-anchor\"> </a>O""");
        var bundle = $$$$"""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"http://example.org/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","text":{"status":"generated","div":"{{{{patient}}}}"}}},
              {"fullUrl":"http://example.org/fhir/Organization/o1","resource":{"resourceType":"Organization","id":"o1","name":"O","text":{"status":"generated","div":"{{{{organization}}}}"}}}]}
            """;
        var report = Core.Validate(bundle);
        Assert.That(report.Errors().Select(i => i.Message), Is.EqualTo(new[]
        {
            "Hyperlink '#missing' at 'div/a' for 'm' does not resolve",
        }), report.Describe());
    }

    [Test]
    public void A_urn_link_is_not_a_hyperlink_but_http_mailto_and_tel_are()
    {
        var report = Core.Validate(Patient(
            """<p><a href=\"urn:uuid:7221aa91-d9e1-44fa-8b90-c5a8c7caeade\">Endpoint</a><a href=\"http://example.org\">w</a><a href=\"mailto:a@b.fr\">m</a><a href=\"tel:+33100000000\">t</a><a href=\"Patient/p2\">rel</a></p>"""));
        Assert.That(report.Errors().Select(i => i.Message), Is.EqualTo(new[]
        {
            "Hyperlink scheme 'urn' in 'urn:uuid:7221aa91-d9e1-44fa-8b90-c5a8c7caeade' at 'div/p/a' for 'Endpoint' is not a valid hyperlinkable scheme",
        }), report.Describe());
    }

    [Test]
    public void An_empty_href_is_an_error()
    {
        var report = Core.Validate(Patient("""<a href=\"\">nothing</a>"""));
        Assert.That(report.Errors().Select(i => i.Message), Is.EqualTo(new[] { "Hyperlink at 'div/a' for 'nothing' has an empty href" }), report.Describe());
    }
}
