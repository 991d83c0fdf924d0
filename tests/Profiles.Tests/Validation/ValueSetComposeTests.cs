using FhirServer.Profiles.Tests.Support;
using FhirServer.Profiles.Validation;
using FhirServer.Terminology.Sources;
using static FhirServer.Profiles.Tests.Validation.ValidationTestProfiles;

namespace FhirServer.Profiles.Tests.Validation;

/// <summary>ValueSet.compose codes and filter values against the code systems they name (ValueSetComposeCheck).</summary>
public class ValueSetComposeTests
{
    private const string Sct = "http://snomed.info/sct";

    private static ResourceValidator Validator()
    {
        var stored = new StoredResources();
        stored.Committed("CodeSystem", "props", 1, ProfilesTestData.Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/props","status":"active","content":"complete",
             "property":[{"code":"colour","type":"Coding"}],"concept":[{"code":"a"},{"code":"b"}]}
            """));
        return ProfilesTestData.NewValidator(stored);
    }

    private static List<string> ValidateCompose(string compose) =>
        Validate(Validator(), $$"""{"resourceType":"ValueSet","url":"http://example.org/vs/t","status":"draft","compose":{{compose}}}""");

    [Test]
    public void Listed_concepts_must_be_codes_of_their_system()
    {
        Assert.That(ValidateCompose("""{"include":[{"system":"http://example.org/cs/props","concept":[{"code":"a"}]}]}"""), Is.Empty);
        Assert.That(ValidateCompose("""{"include":[{"system":"http://example.org/cs/props","concept":[{"code":"a"},{"code":"z"}]}]}"""), Is.EqualTo(new[]
        {
            "ValueSet.compose.include[0].concept[1]: The code 'z' is not valid in the system http://example.org/cs/props (Unknown code 'z' in the CodeSystem 'http://example.org/cs/props')",
        }));
        // SNOMED CT is not present: its identifiers' syntax is what can be judged.
        Assert.That(ValidateCompose($$"""{"include":[{"system":"{{Sct}}","concept":[{"code":"404684003"},{"code":"1"}]}]}"""), Is.EqualTo(new[]
        {
            $"ValueSet.compose.include[0].concept[1]: The code '1' is not valid in the system {Sct} (Unknown code '1' in the CodeSystem '{Sct}')",
        }));
    }

    [Test]
    public void Filter_values_suit_their_property()
    {
        const string filters = """
            {"include":[{"system":"http://example.org/cs/props","filter":[
              {"property":"notSelectable","op":"=","value":"1"},
              {"property":"colour","op":"=","value":"b"},
              {"property":"colour","op":"=","value":"http://example.org/cs/props#z"},
              {"property":"colour","op":"=","value":"http://example.org/cs/props#a"},
              {"property":"concept","op":"is-a","value":"y"}]}]}
            """;
        Assert.That(ValidateCompose(filters), Is.EqualTo(new[]
        {
            "ValueSet.compose.include[0].filter[0]: The value for a filter based on property 'notSelectable' must be either 'true' or 'false', not '1'",
            "ValueSet.compose.include[0].filter[1]: The value for a filter based on property 'colour' must be in the format system(|version)#code, not 'b'",
            "ValueSet.compose.include[0].filter[2]: The value for a filter based on property 'colour' is 'http://example.org/cs/props#z' which is not a valid code (Unknown code 'z' in the CodeSystem 'http://example.org/cs/props' version 'null')",
            "ValueSet.compose.include[0].filter[4]: The value for a filter based on property 'concept' must be a valid code from the system 'http://example.org/cs/props', and 'y' is not (Unknown code 'y' in the CodeSystem 'http://example.org/cs/props')",
        }));
    }

    [Test]
    public void SNOMED_CT_filters_are_checked_by_their_syntax()
    {
        Assert.That(ValidateCompose($$"""
            {"include":[{"system":"{{Sct}}","filter":[{"property":"concept","op":"is-a","value":"404684003"},
              {"property":"constraint","op":"=","value":"<< 404684003: 363698007 = << 39057004"},{"property":"1142143009","op":"in","value":"734137005"}]}]}
            """), Is.Empty);
        Assert.That(ValidateCompose($$"""
            {"include":[{"system":"{{Sct}}","filter":[{"property":"concept","op":"is-a","value":"something"},
              {"property":"constraint","op":"=","value":"234234 << 234234"},{"property":"1142143009","op":"not-in","value":"734137005"}]}]}
            """), Is.EqualTo(new[]
        {
            $"ValueSet.compose.include[0].filter[0]: The value for a filter based on property 'concept' must be a valid code from the system '{Sct}', and 'something' is not (Unknown code 'something' in the CodeSystem '{Sct}')",
            "ValueSet.compose.include[0].filter[1]: The value '234234 << 234234' for the filter constraint is invalid: Invalid ECL: '234234 << 234234' - parse error",
            $"ValueSet.compose.include[0].filter[2]: The operation 'not-in' is not allowed for property '1142143009' in system '{Sct}'. Allowed ops: =,in",
        }));
    }
}
