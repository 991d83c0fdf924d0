using FhirServer.Terminology.Model;

namespace FhirServer.Terminology.Tests;

/// <summary>What the syntax of SNOMED CT identifiers, ECL and LOINC codes tells without the code systems.</summary>
public class CodeSyntaxTests
{
    [TestCase("138875005", true)]
    [TestCase("404684003", true)]
    [TestCase("1142143009", true)]
    [TestCase("32506021000036107", true)]
    [TestCase("1", false)]
    [TestCase("234234", false)]
    [TestCase("138875006", false)]
    [TestCase("2342342123", false)]
    [TestCase("something", false)]
    [TestCase("0138875005", false)]
    public void A_concept_identifier_has_its_check_digit_and_a_concept_partition(string code, bool expected) =>
        Assert.That(SnomedIdentifier.IsConceptId(code), Is.EqualTo(expected));

    [Test]
    public void A_relationship_identifier_is_an_identifier_but_not_a_concept() =>
        Assert.That((SnomedIdentifier.IsIdentifier("2342342123"), SnomedIdentifier.IsConceptId("2342342123")), Is.EqualTo((true, false)));

    [TestCase("<< 404684003")]
    [TestCase("<<404684003 |Clinical finding|")]
    [TestCase("< 19829001 |Disorder of lung| AND < 301867009 |Edema of trunk|")]
    [TestCase("<< 404684003 MINUS << 195967001")]
    [TestCase("^ 700043003 |Example problem list concepts reference set|")]
    [TestCase("< 404684003: 363698007 = << 39057004")]
    [TestCase("< 404684003: { 363698007 = << 39057004, 116676008 = << 415582006 }")]
    [TestCase("< 373873005: [1..3] 127489000 = < 105590001")]
    [TestCase("< 27658006: 1142135004 >= #250")]
    [TestCase("(< 404684003 OR < 71388002) : R 363698007 = *")]
    [TestCase("< 19829001 . 363698007")]
    [TestCase("*")]
    public void Well_formed_expressions_are_read(string ecl) => Assert.That(SnomedEcl.IsWellFormed(ecl), Is.True, ecl);

    [TestCase("234234 << 234234")]
    [TestCase("<< 404684003 AND")]
    [TestCase("(< 404684003")]
    [TestCase("<< 404684003 |Clinical finding")]
    [TestCase("< 404684003: 363698007")]
    [TestCase("<< 12")]
    public void Malformed_expressions_are_refused(string ecl) => Assert.That(SnomedEcl.IsWellFormed(ecl), Is.False, ecl);

    [TestCase("8867-4", true)]
    [TestCase("LA6576-8", true)]
    [TestCase("LP7839-6", true)]
    [TestCase("test", false)]
    [TestCase("8867", false)]
    public void LOINC_codes_have_their_shape(string code, bool expected) => Assert.That(LoincIdentifier.IsCode(code), Is.EqualTo(expected));
}
