using static FhirServer.Profiles.Tests.Validation.ValidationTestProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>R5's mustHaveValue and valueAlternatives, as R4 profiles state them through cross-version extensions.</summary>
public class ValuePresenceTests
{
    private const string Absent = """{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}""";

    [Test]
    public void Must_have_value_refuses_an_element_with_only_extensions()
    {
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.active","path":"Patient.active","extension":[
              {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.mustHaveValue","valueBoolean":true}]}
            """);
        Assert.That(Validate(validator, """{"resourceType":"Patient","active":true}""", "p"), Is.Empty);
        Assert.That(Validate(validator, $$$"""{"resourceType":"Patient","_active":{"extension":[{{{Absent}}}]}}""", "p"), Has.Exactly(1).Matches<string>(m =>
            m.StartsWith("Patient.active: The element definition ``Patient.active`` in the profile ") && m.EndsWith(" requires that a value be present in this element")));
    }

    [Test]
    public void Value_alternatives_name_the_extensions_that_may_stand_for_a_missing_value()
    {
        var validator = WithProfile("p", "Patient", """
            {"id":"Patient.active","path":"Patient.active","extension":[
              {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.valueAlternatives","valueCanonical":"http://hl7.org/fhir/StructureDefinition/data-absent-reason"}]}
            """);
        Assert.That(Validate(validator, $$$"""{"resourceType":"Patient","_active":{"extension":[{{{Absent}}}]}}""", "p"), Is.Empty);
        const string nullFlavor = """{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor","valueCode":"MSK"}""";
        Assert.That(Validate(validator, $$$"""{"resourceType":"Patient","_active":{"extension":[{{{nullFlavor}}}]}}""", "p"), Has.Exactly(1).Matches<string>(m =>
            m.StartsWith("Patient.active: The element definition ``Patient.active``") &&
            m.EndsWith("requires that if a value is not present, one of the extensions 'http://hl7.org/fhir/StructureDefinition/data-absent-reason' must be present")));
    }
}
