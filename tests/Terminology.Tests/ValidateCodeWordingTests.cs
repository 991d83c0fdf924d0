using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;
using static FhirServer.Terminology.Tests.Support.AnimalValidation;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

/// <summary>
/// $validate-code as the reference terminology servers answer it: which texts are displays, what is checked of a
/// concept outside the value set, the wording of an unknown system and of a request without a code.
/// </summary>
public class ValidateCodeWordingTests
{
    [Test]
    public void A_concept_outside_the_value_set_still_has_its_display_checked()
    {
        var result = InValueSet(Coding(AnimalsSystem, "bird", "Wrong") with { LenientDisplay = true }, Mammals);
        Assert.That(result.Result, Is.False);
        Assert.That(result.Issues.Select(i => (i.Severity, i.MessageId)), Is.EqualTo(new[]
        {
            ("error", (string?)TxMessages.NotInValueSet),
            ("warning", TxMessages.WrongDisplay),
        }));
    }

    [Test]
    public void A_designation_for_a_special_purpose_is_not_a_display()
    {
        var cs = Parse("""
            {"resourceType":"CodeSystem","url":"http://example.org/cs/uses","status":"active","content":"complete","language":"en",
             "concept":[{"code":"a","display":"Alpha","designation":[
               {"use":{"system":"http://example.org/cs/designation-uses","code":"abbreviation"},"value":"A."},
               {"use":{"system":"http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra","code":"preferredForLanguage"},"language":"de","value":"Alfa"},
               {"value":"First letter"}]}]}
            """);
        ValidateCodeResult Check(string display) => Service().ValidateCodeInCodeSystem(
            new ValidateCodeRequest([new CodingValue("http://example.org/cs/uses", "a", display)]) { IsCoding = true, TxResources = [cs] });

        Assert.That(Check("First letter").Result, Is.True, "a designation without a use is a display");
        Assert.That(Check("Alfa").Result, Is.True, "a designation preferred for a language is a display");
        var abbreviation = Check("A.");
        Assert.That(abbreviation.Result, Is.False);
        Assert.That(abbreviation.Message, Is.EqualTo(
            "Wrong Display Name 'A.' for http://example.org/cs/uses#a. Valid display is one of 3 choices: 'Alpha' (en) or 'Alfa' (de) or 'First letter' (for the language(s) '--')"));
    }

    [Test]
    public void An_unknown_system_outside_the_value_set_is_named_as_the_reference_servers_name_it()
    {
        var outside = InValueSet(Coding("http://example.org/cs/nowhere", "dog"), Mammals);
        Assert.That(outside.Issues[1].Text, Is.EqualTo(
            "A definition for CodeSystem http://example.org/cs/nowhere could not be found, so the code cannot be validated"));
        Assert.That(outside.Issues[1].MessageId, Is.EqualTo(TxMessages.UnknownCodeSystem));

        var relative = InValueSet(Coding("nowhere", "dog"), Mammals);
        Assert.That(relative.Issues.Single(i => i.MessageId == TxMessages.UnknownCodeSystem).Text, Is.EqualTo(
            "A definition for CodeSystem 'nowhere' could not be found, so the code cannot be validated"));

        var included = InValueSet(Coding("http://example.org/cs/nowhere", "dog"), """{"include":[{"system":"http://example.org/cs/nowhere"}]}""");
        Assert.That(included.Issues.Single(i => i.MessageId == TxMessages.UnknownCodeSystem).Text, Is.EqualTo(
            "A definition for CodeSystem 'http://example.org/cs/nowhere' could not be found, so the code cannot be validated"));
    }

    [Test]
    public void A_request_without_a_code_is_refused_in_the_reference_wording()
    {
        var e = Assert.Throws<TerminologyException>(() => InValueSet(new ValidateCodeRequest([new CodingValue(AnimalsSystem, null)]) { IsCoding = true }, Mammals));
        Assert.That((e!.IssueCode, e.Message, e.MessageId, e.Expression), Is.EqualTo(("invalid", TxMessages.NoCodeToValidate, (string?)null, (string?)null)));
    }
}
