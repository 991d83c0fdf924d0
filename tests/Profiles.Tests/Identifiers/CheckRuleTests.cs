using FhirServer.Profiles.Identifiers;

namespace FhirServer.Profiles.Tests.Identifiers;

/// <summary>Each rule on values alone: valid and invalid samples.</summary>
public class CheckRuleTests
{
    [TestCase("1234567890122", 12, Description = "FR Core Patient example's number: its key is 12, not 44")]
    [TestCase("1850520123456", 6)]
    [TestCase("185052A123456", 33, Description = "2A counts as 19: 97 - (1850519123456 mod 97)")]
    [TestCase("185052B123456", 60, Description = "2B counts as 18")]
    public void NIR_key_is_97_minus_the_number_mod_97(string number, int key) =>
        Assert.That(CheckDigits.NirKey(number), Is.EqualTo(key));

    [TestCase("123456789012212")]
    [TestCase("185052A12345633")]
    [TestCase("185052B12345660")]
    [TestCase("269039912345630")]
    public void Valid_NIRs_pass(string nir) => Assert.That(FrenchIdentifierRules.CheckNir(nir), Is.Null);

    [TestCase("123456789012244", "The NIR key is 44, but the key of its number is 12")]
    [TestCase("185052A12345606", "with 2A counted as 19", Description = "a key computed as if 2A were 20 is wrong")]
    [TestCase("185052B12345633", "with 2B counted as 18", Description = "the 2A key on a 2B number")]
    [TestCase("12345678901221", "has 15 characters")]
    [TestCase("523456789012212", "starts with 1, 2, 3, 4, 7 or 8")]
    [TestCase("185052C12345633", "13 digits (2A or 2B")]
    [TestCase("1234567890122AB", "followed by a 2-digit key")]
    public void Invalid_NIRs_say_why(string nir, string expected) =>
        Assert.That(FrenchIdentifierRules.CheckNir(nir), Does.Contain(expected));

    [TestCase("0000000000000000", true)]
    [TestCase("79927398713", true, Description = "the textbook Luhn example")]
    [TestCase("79927398710", false)]
    [TestCase("7992739871a", false)]
    public void Luhn(string digits, bool valid) => Assert.That(CheckDigits.IsLuhnValid(digits), Is.EqualTo(valid));

    [TestCase("10000000009")]
    [TestCase("10101201233")]
    public void Valid_RPPS_numbers_pass(string rpps) => Assert.That(FrenchIdentifierRules.CheckRpps(rpps, "RPPS number"), Is.Null);

    [TestCase("10101201234", "fails its Luhn check")]
    [TestCase("1011848351", "has 11 digits; this one has 10 digits")]
    [TestCase("1010120123A", "11 characters, not all digits")]
    public void Invalid_RPPS_numbers_say_why(string rpps, string expected) =>
        Assert.That(FrenchIdentifierRules.CheckRpps(rpps, "RPPS number"), Does.Contain(expected));

    [TestCase("810101201233", null)]
    [TestCase("810101201234", "RPPS number after the IdNatPS prefix 8 fails its Luhn check")]
    [TestCase("81010120123", "has 11 digits")]
    [TestCase("0123456789", null, Description = "ADELI-based: not to be interpreted")]
    [TestCase("3350005179/12345", null, Description = "a structure's staff id: not to be interpreted")]
    public void IdNatPS_checks_the_RPPS_after_prefix_8(string value, string? expected) =>
        Assert.That(FrenchIdentifierRules.CheckIdNatPs(value), expected is null ? Is.Null : Does.Contain(expected));

    [TestCase("350005179", null)]
    [TestCase("580008803", null)]
    [TestCase("2A0000013", null, Description = "Corsica: form only")]
    [TestCase("754567860", "fails its Luhn check")]
    [TestCase("35000517", "has 9 characters")]
    [TestCase("2C0000013", "has 9 characters")]
    public void FINESS(string value, string? expected) =>
        Assert.That(FrenchIdentifierRules.CheckFiness(value, "FINESS number"), expected is null ? Is.Null : Does.Contain(expected));

    [TestCase("732829320", null)]
    [TestCase("356000000", null, Description = "La Poste's SIREN follows Luhn")]
    [TestCase("732829321", "SIREN number fails its Luhn check")]
    [TestCase("73282932000074", null)]
    [TestCase("35600000000048", null, Description = "La Poste's head office: Luhn")]
    [TestCase("35600000049837", null, Description = "a La Poste establishment: digit sum 45, a multiple of 5, not Luhn")]
    [TestCase("35600000049838", "SIRET number fails its Luhn check")]
    [TestCase("73282932000075", "SIRET number fails its Luhn check", Description = "the digit-sum rule is La Poste's only")]
    [TestCase("73282932100074", "SIREN part of the SIRET number fails its Luhn check")]
    [TestCase("7328293200007", "a SIREN (9 digits) or a SIRET (14 digits)")]
    public void SIREN_and_SIRET_by_length(string value, string? expected) =>
        Assert.That(FrenchIdentifierRules.CheckSirene(value, new Conformance.Model.ElementNode("identifier", "Identifier", null)),
            expected is null ? Is.Null : Does.Contain(expected));

    [TestCase("1350005179", null)]
    [TestCase("2264403106", null)]
    [TestCase("373282932000074", null)]
    [TestCase("410005531586003", null, Description = "RPPS rang: not checked")]
    [TestCase("1754567860", "FINESS number after the IdNatSt prefix 1 fails its Luhn check")]
    [TestCase("2264403107", "SIREN number after the IdNatSt prefix 2 fails")]
    [TestCase("373282932000075", "SIRET number after the IdNatSt prefix 3 fails")]
    public void IdNatSt_checks_the_number_after_its_prefix(string value, string? expected) =>
        Assert.That(FrenchIdentifierRules.CheckIdNatSt(value), expected is null ? Is.Null : Does.Contain(expected));
}
