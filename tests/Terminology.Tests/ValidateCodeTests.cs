using FhirServer.Terminology.Model;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

public class ValidateCodeTests
{
    private const string System = "http://example.org/cs/animals";

    private static ValidateCodeResult InSystem(CodingValue coding, string content = "complete") =>
        Service().ValidateCodeInCodeSystem(new ValidateCodeRequest([coding]) { TxResources = [Animals(content: content)] });

    [Test]
    public void Known_code_is_valid_with_its_display()
    {
        var result = InSystem(new CodingValue(System, "dog"));
        Assert.That(result.Result, Is.True);
        Assert.That(result.Display, Is.EqualTo("Dog"));
    }

    [Test]
    public void Wrong_display_is_invalid_with_a_message()
    {
        var result = InSystem(new CodingValue(System, "dog", "Wolf"));
        Assert.That(result.Result, Is.False);
        Assert.That(result.Message, Does.Contain("Wrong Display Name 'Wolf'").And.Contain("'Dog'"));
    }

    [TestCase(false, false, "display")]
    [TestCase(true, false, "Coding.display")]
    [TestCase(false, true, "CodeableConcept.coding[0].display")]
    public void Issues_point_where_the_code_came_from(bool isCoding, bool isCodeableConcept, string expression)
    {
        var result = Service().ValidateCodeInCodeSystem(new ValidateCodeRequest([new CodingValue(System, "dog", "Wolf")])
            { IsCoding = isCoding, IsCodeableConcept = isCodeableConcept, TxResources = [Animals()] });
        var issue = result.Issues.Single();
        Assert.That((issue.Expression, issue.Detail), Is.EqualTo((expression, "invalid-display")));
    }

    [Test]
    public void A_designation_is_an_accepted_display()
    {
        Assert.That(InSystem(new CodingValue(System, "dog", "Chien")).Result, Is.True);
    }

    [Test]
    public void Case_insensitive_system_accepts_other_case_with_information()
    {
        var result = InSystem(new CodingValue(System, "DOG"));
        Assert.That(result.Result, Is.True);
        Assert.That(result.Issues.Single().Severity, Is.EqualTo("information"));
    }

    [Test]
    public void Unknown_code_is_invalid_but_only_a_warning_in_a_fragment()
    {
        Assert.That(InSystem(new CodingValue(System, "unicorn")).Result, Is.False);
        Assert.That(InSystem(new CodingValue(System, "unicorn"), "fragment").Result, Is.True);
    }

    [Test]
    public void Unknown_system_and_unknown_version_name_the_known_versions()
    {
        var result = InSystem(new CodingValue(System, "dog", Version: "9.9"));
        Assert.That(result.Result, Is.False);
        Assert.That(result.Message, Does.Contain("Valid versions: 1.0"));
    }

    [Test]
    public void Inactive_concept_is_valid_with_a_warning()
    {
        var result = InSystem(new CodingValue(System, "fish"));
        Assert.That(result.Result, Is.True);
        Assert.That(result.Inactive, Is.True);
        Assert.That(result.Issues.Single().Severity, Is.EqualTo("warning"));
    }

    [Test]
    public void Value_set_membership()
    {
        var mammals = ValueSet("""{"include":[{"system":"http://example.org/cs/animals","filter":[{"property":"concept","op":"is-a","value":"mammal"}]}],"exclude":[{"system":"http://example.org/cs/animals","concept":[{"code":"cat"}]}]}""");
        ValidateCodeResult Check(string code) => Service().ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(System, code)]) { ValueSet = mammals, TxResources = [Animals()] });
        Assert.That(Check("dog").Result, Is.True);
        Assert.That(Check("cat").Result, Is.False);
        Assert.That(Check("bird").Message, Does.Contain("was not found in the value set"));
        Assert.That(Check("unicorn").Message, Does.Contain("Unknown code 'unicorn'"));
    }

    [Test]
    public void Codeable_concept_is_valid_when_one_coding_is()
    {
        var vs = ValueSet("""{"include":[{"system":"http://example.org/cs/animals","concept":[{"code":"bird"}]}]}""");
        var result = Service().ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(System, "dog"), new CodingValue(System, "bird")])
            { ValueSet = vs, TxResources = [Animals()], IsCodeableConcept = true });
        Assert.That(result.Result, Is.True);
        Assert.That(result.Coding!.Code, Is.EqualTo("bird"));
    }

    [Test]
    public void Package_value_set_membership()
    {
        var result = Service().ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue("http://hl7.org/fhir/administrative-gender", "female")])
            { ValueSetUrl = "http://hl7.org/fhir/ValueSet/administrative-gender" });
        Assert.That(result.Result, Is.True);
    }
}
