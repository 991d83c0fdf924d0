using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>What a validation accepts beyond the definitions: example URLs and experimental content (ValidatorOptions).</summary>
public class ContentPolicyTests
{
    // An attachment's url in a Bundle entry, an extension's valueUri (a choice among others), and a string that only
    // looks like a URL.
    private const string Observation = """
        {"resourceType":"Bundle","type":"collection","entry":[
         {"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000001","resource":{"resourceType":"DocumentReference","status":"current",
          "content":[{"attachment":{"contentType":"text/plain","url":"http://repository.example.org/fhir/DocumentReference/example"}}]}},
         {"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000002","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
          "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/workflow-instantiatesUri","valueUri":"urn:oid:2.999.1"}],
          "valueString":"http://example.org/is/only/text"}}]}
        """;

    [Test]
    public void Example_urls_are_accepted_by_default_and_refused_when_examples_are_not_allowed()
    {
        Assert.That(Validator().Validate(Observation).Errors(), Is.Empty);
        var report = Validator(ValidatorOptions.Default with { AllowExampleUrls = false }).Validate(Observation);
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EquivalentTo(new[]
        {
            ("Example URLs are not allowed in this context (http://repository.example.org/fhir/DocumentReference/example)", "Bundle.entry[0].resource.content[0].attachment.url"),
            ("Example URLs are not allowed in this context (urn:oid:2.999.1)", "Bundle.entry[1].resource.extension[0].value.ofType(uri)"),
        }), report.Describe());
    }

    [Test]
    public void Experimental_resources_are_accepted_by_default_and_refused_when_experimental_content_is_not_allowed()
    {
        const string valueSet = """{"resourceType":"ValueSet","url":"http://somewhere.test/vs","status":"draft","experimental":true}""";
        Assert.That(Validator().Validate(valueSet).Errors(), Is.Empty);
        var report = Validator(ValidatorOptions.Default with { AllowExperimentalContent = false }).Validate(valueSet);
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ("Experimental content is not allowed in this context", "ValueSet"),
        }), report.Describe());
    }
}
