using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.SlicingTests;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// Extensions (R4 extensibility.html §2.5.0.1, defining-extensions.html): where a definition's context allows it,
/// modifier or not in the place it is used, sliced by url.
/// </summary>
public class ExtensionTests
{
    private const string Base = "http://example.org/fhir/StructureDefinition/";

    private static string Extension(string name, string contexts, string root = """{"id":"Extension","path":"Extension"}""", string invariants = "") =>
        $$$"""
        {"resourceType":"StructureDefinition","url":"{{{Base}}}{{{name}}}","name":"{{{name}}}","status":"active","kind":"complex-type",
         "abstract":false,"context":[{{{contexts}}}]{{{invariants}}},"type":"Extension","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Extension",
         "derivation":"constraint","differential":{"element":[{{{root}}},
           {"id":"Extension.url","path":"Extension.url","fixedUri":"{{{Base}}}{{{name}}}"},
           {"id":"Extension.value[x]","path":"Extension.value[x]","type":[{"code":"boolean"}]}]}}
        """;

    private static string Use(string name) => $$$"""{"url":"{{{Base}}}{{{name}}}","valueBoolean":true}""";

    [Test]
    public void Element_context_names_a_resource_or_a_path()
    {
        var validator = With(
            Extension("on-patient", """{"type":"element","expression":"Patient"}"""),
            Extension("on-line", """{"type":"element","expression":"Address.line"}"""));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{{{Use("on-patient")}}}],"address":[{"_line":[{"extension":[{{{Use("on-line")}}}]}]}]}"""), Is.Empty);
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","address":[{"extension":[{{{Use("on-patient")}}}]}]}"""), Is.EqualTo(new[]
        {
            $"Patient.address[0]: The extension {Base}on-patient is not allowed to be used at this point (this element is [Address, Patient.address]; allowed for this version = e:Patient)",
        }));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Organization","name":"x","extension":[{{{Use("on-line")}}}]}"""), Is.EqualTo(new[]
        {
            $"Organization: The extension {Base}on-line is not allowed to be used at this point (this element is [Organization]; allowed for this version = e:Address.line)",
        }));
    }

    [Test]
    public void Base_types_and_element_allow_what_derives_from_them()
    {
        var validator = With(
            Extension("on-domain", """{"type":"element","expression":"DomainResource"}"""),
            Extension("anywhere", """{"type":"element","expression":"Element"}"""));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{{{Use("on-domain")}}}],"name":[{"extension":[{{{Use("anywhere")}}}]}]}"""), Is.Empty);
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","name":[{"extension":[{{{Use("on-domain")}}}]}]}"""), Has.Count.EqualTo(1));
    }

    [Test]
    public void Fhirpath_and_extension_contexts()
    {
        var validator = With(
            Extension("home", """{"type":"fhirpath","expression":"Patient.address.where(use = 'home')"}"""),
            Extension("inner", $$$"""{"type":"extension","expression":"{{{Base}}}outer"}"""));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","address":[{"use":"home","extension":[{{{Use("home")}}}]}]}"""), Is.Empty);
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","address":[{"use":"work","extension":[{{{Use("home")}}}]}]}"""),
            Is.EqualTo(new[] { $"Patient.address[0]: The extension {Base}home is not allowed to be used at this point (this element is [Address, Patient.address]; allowed for this version = p:Patient.address.where(use = 'home'))" }));
        // Inside an extension of the url the context names (not a known one: its own content is not checked).
        var nested = Errors(validator, $$$"""{"resourceType":"Patient","extension":[{"url":"{{{Base}}}outer","extension":[{{{Use("inner")}}}]}]}""");
        Assert.That(nested, Is.Empty);
        // Or on that extension's value.
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{"url":"{{{Base}}}outer","valueBoolean":true,"_valueBoolean":{"extension":[{{{Use("inner")}}}]}}]}"""), Is.Empty);
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{{{Use("inner")}}}]}"""), Has.One.Contains("allowed for this version = x:" + Base + "outer"));
    }

    [Test]
    public void Context_invariant()
    {
        var validator = With(Extension("inactive", """{"type":"element","expression":"Patient"}""", invariants: ""","contextInvariant":["active.exists().not()"]"""));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{{{Use("inactive")}}}]}"""), Is.Empty);
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","active":true,"extension":[{{{Use("inactive")}}}]}"""),
            Is.EqualTo(new[] { $"Patient: The extension {Base}inactive is not allowed to be used at this point (based on context invariant 'active.exists().not()')" }));
    }

    [Test]
    public void Modifier_extensions_only_in_modifierExtension_and_the_others_only_in_extension()
    {
        var validator = With(
            Extension("modifier", """{"type":"element","expression":"Patient"}""", """{"id":"Extension","path":"Extension","isModifier":true,"isModifierReason":"It reverses the meaning"}"""),
            Extension("plain", """{"type":"element","expression":"Patient"}"""));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","modifierExtension":[{{{Use("modifier")}}}],"extension":[{{{Use("plain")}}}]}"""), Is.Empty);
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{{{Use("modifier")}}}],"modifierExtension":[{{{Use("plain")}}}]}"""), Is.EquivalentTo(new[]
        {
            $"Patient.extension[0]: The Extension '{Base}modifier' must not be used as an extension (it's a modifierExtension)",
            $"Patient.modifierExtension[0]: The Extension '{Base}plain' must not be used as a modifierExtension (it's a regular extension)",
        }));
    }

    [Test]
    public void An_unknown_modifier_extension_is_an_error_where_it_is()
    {
        var errors = Errors(ProfilesTestData.NewValidator(),
            """{"resourceType":"Patient","name":[{"family":"Durand"}],"contact":[{"modifierExtension":[{"url":"http://example.org/unknown","valueBoolean":true}],"name":{"family":"Martin"}}]}""");
        Assert.That(errors, Is.EqualTo(new[]
        {
            "Patient.contact[0].modifierExtension[0]: The modifier extension 'http://example.org/unknown' is unknown: the element it modifies cannot be understood without it.",
        }));
    }

    [Test]
    public void An_unknown_extension_is_a_warning_by_default_and_an_error_outside_the_allowed_domains_otherwise()
    {
        static string Patient(string url) => $$$"""{"resourceType":"Patient","extension":[{"url":"{{{url}}}","valueBoolean":true}]}""";
        Assert.That(Errors(ProfilesTestData.NewValidator(), Patient("https://guide.example.com/StructureDefinition/flag")), Is.Empty);

        var strict = ProfilesTestData.NewValidator(new ValidatorOptions { AnyExtensionsAllowed = false, AllowedExtensionDomains = ["https://fhir.nhs.uk/"] });
        Assert.That(Errors(strict, Patient("https://guide.example.com/StructureDefinition/flag")), Is.EqualTo(new[]
        {
            "Patient.extension[0]: The extension https://guide.example.com/StructureDefinition/flag could not be found so is not allowed here",
        }));
        // An allowed domain, the FHIR tooling's and DICOM's extensions, and the example domains while examples are allowed.
        Assert.That(Errors(strict, Patient("https://fhir.nhs.uk/StructureDefinition/Extension-flag")), Is.Empty);
        Assert.That(Errors(strict, Patient("http://hl7.org/fhir/tools/StructureDefinition/flag")), Is.Empty);
        Assert.That(Errors(strict, Patient("http://nema.org/fhir/flag")), Is.Empty);
        Assert.That(Errors(strict, Patient("http://example.org/fhir/StructureDefinition/flag")), Is.Empty);
        Assert.That(strict.Validate(ProfilesTestData.Parse(Patient("http://nema.org/fhir/flag"))).Issues.Select(i => i.Message),
            Has.One.EqualTo("The extension 'http://nema.org/fhir/flag' is unknown, so its content is not checked."));
    }

    [Test]
    public void An_extension_url_names_no_version()
    {
        var validator = With(Extension("on-patient", """{"type":"element","expression":"Patient"}""").Replace("\"status\"", "\"version\":\"1.0.0\",\"status\""));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{{{Use("on-patient")}}}]}"""), Is.Empty);
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{"url":"{{{Base}}}on-patient|0.9","valueBoolean":true}]}"""), Has.One.EqualTo(
            "Patient.extension[0]: The extension URL must not contain a version. The extension was validated against version 1.0.0 of the extension"));
    }

    [Test]
    public void Example_urls_are_errors_where_examples_are_not_allowed()
    {
        const string patient = """{"resourceType":"Patient","extension":[{"url":"http://example.org/fhir/StructureDefinition/flag","valueBoolean":true}],"photo":[{"url":"http://images.acme.com/1.png"}]}""";
        Assert.That(Errors(ProfilesTestData.NewValidator(new ValidatorOptions { AnyExtensionsAllowed = false }), patient), Is.Empty);
        Assert.That(Errors(ProfilesTestData.NewValidator(new ValidatorOptions { AnyExtensionsAllowed = false, AllowExampleUrls = false }), patient), Is.EquivalentTo(new[]
        {
            "Patient.extension[0]: The extension http://example.org/fhir/StructureDefinition/flag could not be found so is not allowed here",
            "Patient.extension[0].url: Example URLs are not allowed in this context (http://example.org/fhir/StructureDefinition/flag)",
            "Patient.photo[0].url: Example URLs are not allowed in this context (http://images.acme.com/1.png)",
        }));
    }

    [Test]
    public void An_extension_is_named_by_an_absolute_url_its_parts_by_relative_ones()
    {
        var validator = ProfilesTestData.NewValidator();
        Assert.That(Errors(validator, """{"resourceType":"Patient","extension":[{"url":"something","valueString":"x"}]}"""),
            Is.EqualTo(new[] { "Patient.extension[0]: Extension.url must be an absolute URL" }));
        Assert.That(Errors(validator, """{"resourceType":"Patient","extension":[{"valueString":"x"}]}"""), Does.Contain(
            "Patient.extension[0]: Extension.url is required in order to identify, use and validate the extension"));
        // The parts of a complex extension (R4 patient-nationality: code, period) are named by relative urls.
        Assert.That(Errors(validator, """
            {"resourceType":"Patient","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-nationality",
              "extension":[{"url":"code","valueCodeableConcept":{"text":"French"}}]}]}
            """), Is.Empty);
    }

    [Test]
    public void Extension_slices_are_told_apart_by_the_url_of_their_definition()
    {
        var profile = Profile("flagged", "Patient",
            """{"id":"Patient.extension","path":"Patient.extension","slicing":{"discriminator":[{"type":"value","path":"url"}],"rules":"open"}}""",
            $$$"""{"id":"Patient.extension:flag","path":"Patient.extension","sliceName":"flag","min":1,"max":"1","type":[{"code":"Extension","profile":["{{{Base}}}on-patient"]}]}""");
        var validator = With(Extension("on-patient", """{"type":"element","expression":"Patient"}"""),
            Extension("other", """{"type":"element","expression":"Patient"}"""), profile);
        string Patient(string extensions) => $$$"""{"resourceType":"Patient","meta":{"profile":["{{{Base}}}flagged"]},"extension":[{{{extensions}}}]}""";
        Assert.That(Errors(validator, Patient(Use("other") + "," + Use("on-patient"))), Is.Empty);
        Assert.That(Errors(validator, Patient(Use("other"))), Is.EqualTo(new[]
        {
            $"Patient: Slice 'Patient.extension:flag': a matching slice is required, but not found (from {Base}flagged). Note that other slices are allowed in addition to this required slice",
        }));
        Assert.That(Errors(validator, Patient(Use("on-patient") + "," + Use("on-patient"))), Is.EqualTo(new[]
        {
            $"Patient: Patient.extension:flag: max allowed = 1, but found 2 (from {Base}flagged)",
        }));
    }

    [Test]
    public void Fr_core_extensions_in_and_out_of_their_context()
    {
        const string insee = """{"url":"https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code","valueCoding":{"system":"https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM","code":"75056"}}""";
        var validator = ProfilesTestData.NewValidator();
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","address":[{"extension":[{{{insee}}}],"city":"Paris"}]}"""), Has.None.Contains("not allowed to be used"));
        Assert.That(Errors(validator, $$$"""{"resourceType":"Patient","extension":[{{{insee}}}]}"""), Has.One.EqualTo(
            "Patient: The extension https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code is not allowed to be used at this point (this element is [Patient]; allowed for this version = e:Address)"));
    }

    [Test]
    public void Contexts_follow_content_references_and_every_loaded_version()
    {
        var validator = ProfilesTestData.NewValidator();
        // questionnaire-itemControl's contexts are Questionnaire.item and .item.item: Questionnaire.item.item.item is the same element.
        const string control = """{"url":"http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl","valueCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/questionnaire-item-control","code":"list"}]}}""";
        Assert.That(Errors(validator, $$$"""{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group","item":[{"linkId":"1.1","type":"group","item":[{"linkId":"1.1.1","type":"choice","extension":[{{{control}}}]}]}]}]}"""),
            Has.None.Contains("not allowed to be used"));
        // R4 core puts cqf-qualityOfEvidence on Attachment, the extensions pack on PlanDefinition.action: either is allowed.
        const string evidence = """{"url":"http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence","valueCodeableConcept":{"text":"high"}}""";
        Assert.That(Errors(validator, $$$"""{"resourceType":"PlanDefinition","status":"draft","action":[{"extension":[{{{evidence}}}],"documentation":[{"type":"documentation","document":{"extension":[{{{evidence}}}],"url":"http://example.org"}}]}]}"""),
            Has.None.Contains("not allowed to be used"));
    }
}
