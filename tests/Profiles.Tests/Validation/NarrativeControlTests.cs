using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Profiles that ask for language sections or source attribution in the narrative (narrative-language-control, narrative-source-control).</summary>
public class NarrativeControlTests
{
    private static string TextProfile(string name, string extension, string code) =>
        Profile(name, "Patient", $$"""{"id":"Patient.text","path":"Patient.text","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/{{extension}}","valueCode":"{{code}}"}]}""");

    private static readonly ResourceValidator Validator = InlineProfiles.Validator(null,
        TextProfile("lang-yes", "narrative-language-control", "_yes"),
        TextProfile("lang-no", "narrative-language-control", "_no"),
        TextProfile("lang-resource", "narrative-language-control", "_resource"),
        TextProfile("lang-fr", "narrative-language-control", "fr"),
        TextProfile("source-error", "narrative-source-control", "error"),
        TextProfile("source-warning", "narrative-source-control", "warning"));

    private static string Patient(string profile, string div, string language = "en") => $$$"""
        {"resourceType":"Patient","meta":{"profile":["{{{Base}}}{{{profile}}}"]},"language":"{{{language}}}",
         "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">{{{div}}}</div>"}}
        """;

    private const string TwoSections = """<div xml:lang=\"pt\" lang=\"pt\">Texto</div><div xml:lang=\"de\" lang=\"de\">Text</div>""";

    private static string[] Errors(string json) => [.. Validator.Validate(json).Errors().Select(i => $"{i.Expression}: {i.Message}")];

    [Test]
    public void Language_sections_required_prohibited_or_for_a_language()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Errors(Patient("lang-yes", "no sections")), Is.EqualTo(new[]
            {
                $"Patient.text: The xhtml has no language sections, but language sections are required in this context by the profile StructureDefinition[{Base}lang-yes]",
            }));
            Assert.That(Errors(Patient("lang-yes", TwoSections)), Is.Empty);
            Assert.That(Errors(Patient("lang-no", TwoSections)), Is.EqualTo(new[]
            {
                $"Patient.text: The xhtml has some language sections (de, pt), but language sections are prohibited in this context by the profile StructureDefinition[{Base}lang-no]",
            }));
            Assert.That(Errors(Patient("lang-no", "no sections")), Is.Empty);
            Assert.That(Errors(Patient("lang-resource", TwoSections)), Is.EqualTo(new[]
            {
                $"Patient.text: The profile StructureDefinition[{Base}lang-resource] requires a section in the narrative for the resource language (en), but it was not found (found de, pt)",
            }));
            Assert.That(Errors(Patient("lang-resource", TwoSections, language: "de")), Is.Empty);
            Assert.That(Errors(Patient("lang-fr", TwoSections)), Has.Length.EqualTo(1).And.Some.Contains("for the language fr"));
        });
    }

    [Test]
    public void Text_without_a_source_class_is_reported_with_the_profiles_severity()
    {
        const string div = """Text without container<h1 class=\"boilerplate\">A heading</h1><p>More text   without a source</p><p class=\"generated\">x</p><div><p class=\"original other\">y</p></div>""";
        var report = Validator.Validate(Patient("source-error", div));
        Assert.That(report.Errors().Select(i => i.Message[..50]), Is.EqualTo(new[]
        {
            "The xhtml node at 'Text without container' does no",
            "The xhtml node at 'More text without a source' doe",
        }), report.Describe());
        var warned = Validator.Validate(Patient("source-warning", div));
        Assert.That(warned.Issues.Count(i => i.Severity == IssueSeverity.Warning && i.Message.StartsWith("The xhtml node at")), Is.EqualTo(2), warned.Describe());
        Assert.That(warned.Errors(), Is.Empty, warned.Describe());
    }
}
