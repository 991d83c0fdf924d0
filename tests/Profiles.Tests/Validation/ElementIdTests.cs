using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Element ids are unique within a resource (R4 element.html, Element.id); each nested resource is a scope of its own.</summary>
public class ElementIdTests
{
    [Test]
    public void The_second_element_with_an_id_already_used_in_the_resource_is_an_error()
    {
        var report = Validator().Validate("""
            {"resourceType":"Bundle","type":"collection","entry":[
             {"id":"e1","fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000001","resource":{"resourceType":"Patient","id":"e1",
              "identifier":[{"id":"x","value":"1"}],"name":[{"id":"x","family":"F"}],"maritalStatus":{"coding":[{"id":"e1","code":"M"}]},
              "_birthDate":{"id":"y"},"birthDate":"1970"}},
             {"id":"e1","fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000002","resource":{"resourceType":"Patient",
              "name":[{"id":"x","family":"G"}],"contained":[{"resourceType":"Organization","id":"o","name":"o","telecom":[{"id":"x","system":"phone","value":"1"}]}],
              "managingOrganization":{"reference":"#o"}}}]}
            """);
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EquivalentTo(new[]
        {
            ("Duplicate id value 'x'", "Bundle.entry[0].resource.name[0]"),
            ("Duplicate id value 'e1'", "Bundle.entry[1]"),
        }), report.Describe());
    }

    [Test]
    public void An_ElementDefinition_id_names_the_element_it_defines_and_may_repeat_between_snapshot_and_differential()
    {
        var definition = Profile("pat-ids", "Patient", """{"id":"Patient.name","path":"Patient.name","min":1}""")
            .Replace("\"differential\"", "\"snapshot\":{\"element\":[{\"id\":\"Patient.name\",\"path\":\"Patient.name\",\"min\":1,\"max\":\"*\"}]},\"differential\"");
        var report = Validator().Validate(definition);
        Assert.That(report.Errors().Select(i => i.Message), Has.None.StartsWith("Duplicate id value"), report.Describe());
    }
}
