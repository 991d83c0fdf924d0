using FhirServer.Terminology.Model;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

public class UcumTests
{
    private const string Ucum = "http://unitsofmeasure.org";

    [TestCase("mg")]
    [TestCase("mg/dL")]
    [TestCase("kg/m2")]
    [TestCase("mmol/L")]
    [TestCase("10*3/uL")]
    [TestCase("mm[Hg]")]
    [TestCase("[in_i]")]
    [TestCase("%")]
    [TestCase("/min")]
    [TestCase("Cel")]
    [TestCase("[degF]")]
    [TestCase("mL/min/{1.73_m2}")]
    [TestCase("mg/dL{milligram per deciliter}")]
    public void Valid_units_are_codes_displayed_as_themselves(string code)
    {
        var result = Service().ValidateCodeInCodeSystem(new ValidateCodeRequest([new CodingValue(Ucum, code)]));
        Assert.That(result.Result, Is.True, result.Message);
        Assert.That((result.Display, result.Coding!.Version), Is.EqualTo((code, "2.2")));
    }

    [TestCase("mgg")]
    [TestCase("kilogram")]
    [TestCase("mg dL")]
    [TestCase("m/")]
    [TestCase("kg{unclosed")]
    [TestCase("[lb_xx]")]
    public void Invalid_units_are_unknown_codes(string code)
    {
        var result = Service().ValidateCodeInCodeSystem(new ValidateCodeRequest([new CodingValue(Ucum, code)]));
        Assert.That(result.Result, Is.False);
        Assert.That(result.Message, Does.Contain($"Unknown code '{code}'"));
    }

    [Test]
    public void Lookup_gives_the_code_as_display()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue(Ucum, "mg/dL{milligram per deciliter}")));
        Assert.That((result.Name, result.Version, result.Display), Is.EqualTo(("UCUM", "2.2", "mg/dL{milligram per deciliter}")));
        Assert.Throws<TerminologyException>(() => Service().Lookup(new LookupRequest(new CodingValue(Ucum, "furlongs"))));
    }

    [Test]
    public void A_value_set_of_all_ucum_accepts_any_valid_unit()
    {
        var valueSet = ValueSet("""{"include":[{"system":"http://unitsofmeasure.org"}]}""");
        var service = Service();
        Assert.That(service.ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(Ucum, "kg")]) { ValueSet = valueSet }).Result, Is.True);
        Assert.That(service.ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(Ucum, "kgg")]) { ValueSet = valueSet }).Result, Is.False);
    }
}
