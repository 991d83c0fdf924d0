using FhirServer.Conformance.Model;
using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>HTML in primitive values other than the narrative: refused under the security checks; flagged in markdown.</summary>
public class EmbeddedHtmlTests
{
    private const string SecurityMessage = "The string value contains text that looks like embedded HTML tags, which are not allowed for security reasons in this context";

    private static readonly ResourceValidator Core = Validator();
    private static readonly ResourceValidator Secure = Validator(ValidatorOptions.Default with { SecurityChecks = true });

    private static string Patient(string nameText) => $$"""{"resourceType":"Patient","name":[{"text":"{{nameText}}"}]}""";

    private static string Communication(string markdown) =>
        $$"""{"resourceType":"Communication","status":"completed","note":[{"text":"{{markdown}}"}]}""";

    [TestCase("Standard <script>somescript</script>")]
    [TestCase("a <b>bold</b> name")]
    [TestCase("<a href='x'>link</a>")]
    public void Under_the_security_checks_a_string_with_a_tag_is_an_error(string text)
    {
        var report = Secure.Validate(Patient(text));
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[] { (SecurityMessage, "Patient.name[0].text") }), report.Describe());
        Assert.That(Core.Validate(Patient(text)).Errors(), Is.Empty, "without the security checks");
    }

    [TestCase("Standard Name")]
    [TestCase("x < 3 and y > 4")]
    [TestCase("<3 friends")]
    [TestCase("a <b> alone")]
    public void Comparisons_and_a_tag_no_markup_follows_are_not_tags(string text)
    {
        var report = Secure.Validate(Patient(text));
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void Markdown_with_a_raw_tag_is_a_warning_by_default_an_error_or_nothing_as_configured()
    {
        const string markdown = @"<resource type>\\<id>";
        const string message = "The markdown contains content that appears to be an embedded HTML tag starting at '<r'. This will (or SHOULD) be escaped by the presentation layer. The content should be checked to confirm that this is the desired behaviour";
        var byDefault = Core.Validate(Communication(markdown));
        Assert.That(byDefault.Issues.Select(i => (i.Severity, i.Message, i.Expression)), Is.EqualTo(new[] { (IssueSeverity.Warning, message, "Communication.note[0].text") }), byDefault.Describe());

        var strict = Validator(ValidatorOptions.Default with { HtmlInMarkdown = HtmlInMarkdownCheck.Error }).Validate(Communication(markdown));
        Assert.That(strict.Errors().Select(i => i.Message), Is.EqualTo(new[] { message }), strict.Describe());

        var off = Validator(ValidatorOptions.Default with { HtmlInMarkdown = HtmlInMarkdownCheck.None }).Validate(Communication(markdown));
        Assert.That(off.Issues, Is.Empty, off.Describe());
    }

    [TestCase(@"an escaped \\<tag> and a comparison a < b")]
    [TestCase("**bold** and <3")]
    public void Markdown_without_a_raw_tag_passes(string markdown)
    {
        var report = Core.Validate(Communication(markdown));
        Assert.That(report.Issues, Is.Empty, report.Describe());
    }

    [Test]
    public void A_value_without_a_tag_stays_as_utf8_text()
    {
        // A Binary's base64 is megabytes: the check reads the UTF-8 for a '<' rather than making a string of it.
        var data = Convert.ToBase64String(new byte[300_000].Select((_, i) => (byte)(i * 7)).ToArray());
        foreach (var validator in new[] { Core, Secure })
        {
            var binary = ProfilesTestData.Parse($$"""{"resourceType":"Binary","contentType":"application/pdf","data":"{{data}}"}""");
            Assert.That(binary.Child("data")!.TryGetUtf8Value(out _), Is.True, "held as UTF-8 once parsed");
            var report = validator.Validate(binary);
            Assert.That(report.Errors(), Is.Empty, report.Describe());
            Assert.That(binary.Child("data")!.TryGetUtf8Value(out var utf8) && utf8.Length == data.Length, Is.True, "still UTF-8 after validation");
        }
        var tagged = ProfilesTestData.Parse(Patient("a <b>bold</b> name"));
        Assert.That(Secure.Validate(tagged).Errors().Select(i => i.Message), Is.EqualTo(new[] { SecurityMessage }), "a value with a tag is still read");
    }
}
