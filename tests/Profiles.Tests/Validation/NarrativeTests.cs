using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>What a narrative may hold (R4 narrative.html §2.4.1): the parser checks the XHTML is well-formed, the validator what it contains.</summary>
public class NarrativeTests
{
    private static readonly ResourceValidator Core = Validator();

    private static string Patient(string div) =>
        $$$"""{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">{{{div}}}</div>"}}""";

    [Test]
    public void Formatting_tables_links_images_and_styles_pass()
    {
        var report = Core.Validate(Patient(
            """<p class=\"x\" style=\"color:red\">Jean <b>Dupont</b><br/></p><table border=\"1\"><tr><td colspan=\"2\">a</td></tr></table>""" +
            """<a href=\"http://example.org\" name=\"n\">link</a><img src=\"#img\" alt=\"\"/><!-- a comment --><ul><li>x</li></ul>"""));
        Assert.That(report.Issues, Is.Empty, report.Describe());
    }

    [TestCase("""<script>alert(1)</script>""", "Illegal element name in the XHTML ('script')")]
    [TestCase("""<form><input type=\"text\"/></form>""", "Illegal element name in the XHTML ('form')")]
    [TestCase("""<iframe src=\"http://example.org\"></iframe>""", "Illegal element name in the XHTML ('iframe')")]
    [TestCase("""<p onclick=\"alert(1)\">x</p>""", "Illegal attribute name in the XHTML ('onclick' on 'p')")]
    [TestCase("""<img src=\"x\" onerror=\"alert(1)\"/>""", "Illegal attribute name in the XHTML ('onerror' on 'img')")]
    [TestCase("""<a href=\" javascript:alert(1)\">x</a>""", "The href of 'a' is a javascript: URL, which a narrative may not have")]
    public void Scripts_forms_event_attributes_and_javascript_links_are_errors(string div, string message)
    {
        var report = Core.Validate(Patient(div));
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Does.Contain((message, "Patient.text.div")), report.Describe());
    }

    [Test]
    public void The_attributes_of_one_element_are_not_allowed_on_another()
    {
        var report = Core.Validate(Patient("""<p href=\"http://example.org\">x</p>"""));
        // txt-1 says the same, as the HL7 validator reports it too.
        Assert.That(report.Errors().Select(i => i.Message[..24]), Is.EquivalentTo(new[] { "Illegal attribute name i", "Constraint failed: txt-1" }), report.Describe());
        Assert.That(report.Errors().Select(i => i.Message), Does.Contain("Illegal attribute name in the XHTML ('href' on 'p')"));
    }

    [Test]
    public void A_narrative_without_text_breaks_txt_2_only()
    {
        var report = Core.Validate(Patient("""\n  <p></p> <table><tr><td>  </td></tr></table><!-- a comment -->"""));
        Assert.That(report.Errors().Select(i => (i.Message[..24], i.Expression)), Is.EqualTo(new[] { ("Constraint failed: txt-2", "Patient.text.div") }), report.Describe());
    }

    [TestCase("""<img src=\"http://example.org/x.png\"/>""")]
    [TestCase("""<p title=\"a > b\">&#160;</p>""")]
    [TestCase("""<p><![CDATA[x]]></p>""")]
    public void An_image_or_a_character_is_content(string div)
    {
        var report = Core.Validate(Patient(div));
        Assert.That(report.Issues, Is.Empty, report.Describe());
    }

    [Test]
    public void An_element_outside_the_list_breaks_txt_1_only()
    {
        var report = Core.Validate(Patient("""<p>x</p><script>alert(1)</script>"""));
        Assert.That(report.Errors().Select(i => i.Message[..24]), Is.EquivalentTo(new[]
        {
            "Illegal element name in ", "Constraint failed: txt-1",
        }), report.Describe());
    }

    [Test]
    public void An_HTML_named_entity_is_the_parsers_one_error_and_the_narrative_is_read_with_it_decoded()
    {
        var parsed = ProfilesTestData.Context.Json.Parse(Patient("""<p>Acme&reg;</p>"""));
        Assert.That(parsed.Issues.Where(i => i.IsError).Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Invalid entity in the XHTML ('&reg;')", "Patient.text.div"),
        }));
        var report = Core.Validate(parsed.Resource!);
        Assert.That(report.Issues, Is.Empty, report.Describe());
    }
}
