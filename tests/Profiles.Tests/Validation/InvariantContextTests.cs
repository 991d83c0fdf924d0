using static FhirServer.Profiles.Tests.Validation.InlineProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>
/// The FHIRPath variables an invariant sees (R4 fhirpath.html §"FHIRPath variables"): on an element that holds a
/// resource (DomainResource.contained, Bundle.entry.resource) %resource is the outer resource the element belongs to.
/// </summary>
public class InvariantContextTests
{
    private static string Constraint(string path, string key, string expression) => $$"""
        {"id":"{{path}}","path":"{{path}}","constraint":[{"key":"{{key}}","severity":"error","human":"context variables",
          "expression":"{{expression}}"}]}
        """;

    [Test]
    public void An_invariant_on_contained_sees_the_container_as_resource_and_root()
    {
        var validator = Validator(null, Profile("inv-contained", "Patient",
            Constraint("Patient.contained", "cont-1",
                "%context.type().name = 'Practitioner' and %resource.type().name = 'Patient' and %rootResource.type().name = 'Patient'")));
        var report = validator.Validate($$"""
            {"resourceType":"Patient","meta":{"profile":["{{Base}}inv-contained"]},
             "contained":[{"resourceType":"Practitioner","id":"pr","name":[{"family":"X"}]}],
             "generalPractitioner":[{"reference":"#pr"}]}
            """);
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }

    [Test]
    public void An_invariant_on_a_bundle_entry_resource_sees_the_bundle_as_resource()
    {
        var validator = Validator(null, Profile("inv-bundle", "Bundle",
            Constraint("Bundle.entry.resource", "bnd-v",
                "%context.type().name = 'Patient' and %resource.type().name = 'Bundle' and %rootResource.type().name = 'Bundle'")));
        var report = validator.Validate($$"""
            {"resourceType":"Bundle","meta":{"profile":["{{Base}}inv-bundle"]},"type":"collection",
             "entry":[{"fullUrl":"http://example.org/fhir/Patient/1","resource":{"resourceType":"Patient","id":"1"} }]}
            """);
        Assert.That(report.Errors(), Is.Empty, report.Describe());
    }
}
