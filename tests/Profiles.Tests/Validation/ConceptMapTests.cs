using FhirServer.Profiles.Tests.Support;
using FhirServer.Terminology.Sources;
using static FhirServer.Profiles.Tests.Validation.ValidationTestProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>A ConceptMap's source and target codes against its systems and value sets (ConceptMapCheck).</summary>
public class ConceptMapTests
{
    [Test]
    public void Source_and_target_codes_belong_to_their_systems_and_value_sets()
    {
        var stored = new StoredResources();
        stored.Committed("ValueSet", "women", 1, ProfilesTestData.Parse("""
            {"resourceType":"ValueSet","url":"http://example.org/ValueSet/women","status":"active",
             "compose":{"include":[{"system":"http://hl7.org/fhir/administrative-gender","concept":[{"code":"female"}]}]}}
            """));
        var validator = ProfilesTestData.NewValidator(stored);
        const string map = """
            {"resourceType":"ConceptMap","url":"http://example.org/ConceptMap/m","status":"draft","sourceCanonical":"http://example.org/ValueSet/women","targetCanonical":"http://example.org/ValueSet/women",
             "group":[{"source":"http://hl7.org/fhir/administrative-gender","target":"http://hl7.org/fhir/administrative-gender",
               "element":[{"code":"female","target":[{"code":"female","equivalence":"equal"}]},
                          {"code":"male","target":[{"code":"man","equivalence":"equal"}]}]},
                      {"source":"http://hl7.org/fhir/administrative-gender","target":"http://snomed.info/sct",
                       "element":[{"code":"female","target":[{"code":"248152002","equivalence":"equal"}]}]}]}
            """;
        Assert.That(Validate(validator, map), Is.EqualTo(new[]
        {
            "ConceptMap.group[0].element[1].code: The source code 'male' is not valid in the value set http://example.org/ValueSet/women",
            "ConceptMap.group[0].element[1].target[0].code: The target code 'man' is not valid in the code system http://hl7.org/fhir/administrative-gender",
        }));
    }
}
