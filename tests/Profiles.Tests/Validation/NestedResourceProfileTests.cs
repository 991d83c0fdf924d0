using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>Profiles a nested resource must meet: the profiles of the element's type, and rules naming Bundle entries.</summary>
public class NestedResourceProfileTests
{
    private static readonly string Named = Profile("pat-named", "Patient", """{"id":"Patient.name","path":"Patient.name","min":1}""");
    private static readonly string Born = Profile("pat-born", "Patient", """{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}""");

    [Test]
    public void A_resource_meets_one_of_the_profiles_of_its_type()
    {
        var parameters = Profile("params-one", "Parameters",
            """{"id":"Parameters.parameter.resource","path":"Parameters.parameter.resource","type":[{"code":"Resource","profile":["{{Base}}pat-named","{{Base}}pat-born"]}]}"""
                .Replace("{{Base}}", Base));
        var validator = Validator(null, Named, Born, parameters);
        string Instance(string patient) => $$$"""
            {"resourceType":"Parameters","meta":{"profile":["{{{Base}}}params-one"]},"parameter":[{"name":"one","resource":{{{patient}}}}]}
            """;
        var born = validator.Validate(Instance("""{"resourceType":"Patient","birthDate":"1970"}"""));
        Assert.That(born.Errors(), Is.Empty, born.Describe());
        var neither = validator.Validate(Instance("""{"resourceType":"Patient"}"""));
        Assert.That(neither.Errors().Select(i => i.Message), Has.Some.StartsWith("The element does not conform to any of the profiles its type allows"),
            neither.Describe());
    }

    [Test]
    public void Bundle_entry_rules_select_entries_by_type_and_position()
    {
        var validator = Validator(ValidatorOptions.Default with { BundleEntryProfiles = [new BundleEntryProfile("Patient:1", Base + "pat-named")] }, Named);
        var report = validator.Validate("""
            {"resourceType":"Bundle","type":"collection","entry":[
             {"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000001","resource":{"resourceType":"Patient"}},
             {"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000002","resource":{"resourceType":"Organization","name":"o"}},
             {"fullUrl":"urn:uuid:00000000-0000-0000-0000-000000000003","resource":{"resourceType":"Patient"}}]}
            """);
        Assert.That(report.Errors().Select(i => (i.Message, i.Expression)), Is.EqualTo(new[]
        {
            ($"Patient.name: minimum required = 1, but only found 0 (from {Base}pat-named)", "Bundle.entry[2].resource"),
        }), report.Describe());
        Assert.That(new BundleEntryProfile("1", "x").Applies(ProfilesTestData.Parse("""
            {"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Patient"}}]}
            """).ChildrenNamed("entry").Last()), Is.True);
    }
}
