using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;
using static FhirServer.Terminology.Tests.Support.TestTerminology;

namespace FhirServer.Terminology.Tests;

public class SupplementTests
{
    private const string Gender = "http://hl7.org/fhir/administrative-gender";
    private const string FrenchGender = "http://example.org/cs/gender-fr";

    /// <summary>A French language pack for administrative-gender (a package code system): displays and a property.</summary>
    private static ElementNode French() => Parse($$"""
        {"resourceType":"CodeSystem","url":"{{FrenchGender}}","version":"1","language":"fr","status":"active","content":"supplement",
         "supplements":"{{Gender}}","property":[{"code":"rank","type":"integer"}],
         "concept":[{"code":"female","display":"Féminin","property":[{"code":"rank","valueInteger":2}]},
                    {"code":"male","designation":[{"language":"fr","value":"Masculin"}]},
                    {"code":"not-a-gender","display":"Ignoré: un supplément n'ajoute pas de code"}]}
        """);

    private static ElementNode GenderValueSet(bool withSupplement)
    {
        var extension = withSupplement
            ? $$"""
              "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/valueset-supplement","valueCanonical":"{{FrenchGender}}|1"}],
              """
            : "";
        return Parse("""{"resourceType":"ValueSet","url":"http://example.org/vs/gender","status":"active",""" + extension +
            $$"""
            "compose":{"include":[{"system":"{{Gender}}"}]}
            """ + "}");
    }

    [Test]
    public void UseSupplement_adds_designations_and_properties_to_lookup()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue(Gender, "female")) { TxResources = [French()], UseSupplements = [FrenchGender] });
        Assert.That(result.Designations.Select(d => (d.Language, d.Value)), Does.Contain(("fr", "Féminin")));
        Assert.That(result.Properties.Where(p => p.Code == "rank").Select(p => p.Value), Is.EqualTo(new[] { "2" }));
        var french = Service().Lookup(new LookupRequest(new CodingValue(Gender, "male"), DisplayLanguage: "fr") { TxResources = [French()], UseSupplements = [FrenchGender] });
        Assert.That(french.Display, Is.EqualTo("Masculin"));
    }

    [Test]
    public void A_supplement_not_asked_for_is_not_applied_and_the_shared_index_is_left_alone()
    {
        var service = Service();
        service.Lookup(new LookupRequest(new CodingValue(Gender, "female")) { TxResources = [French()], UseSupplements = [FrenchGender] });
        var plain = service.Lookup(new LookupRequest(new CodingValue(Gender, "female")) { TxResources = [French()] });
        Assert.That(plain.Designations.Select(d => d.Value), Has.None.EqualTo("Féminin"));
        var check = service.ValidateCodeInCodeSystem(new ValidateCodeRequest([new CodingValue(Gender, "female", "Féminin")]) { TxResources = [French()] });
        Assert.That(check.Result, Is.False, "the French display is valid only with the supplement");
    }

    [Test]
    public void The_value_set_extension_brings_the_supplement_to_validate_code_and_expand()
    {
        var service = Service();
        var valid = service.ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(Gender, "female", "Féminin")])
            { ValueSet = GenderValueSet(withSupplement: true), TxResources = [French()] });
        Assert.That(valid.Result, Is.True, valid.Message);
        var without = service.ValidateCodeInValueSet(new ValidateCodeRequest([new CodingValue(Gender, "female", "Féminin")])
            { ValueSet = GenderValueSet(withSupplement: false), TxResources = [French()] });
        Assert.That(without.Result, Is.False);

        var expansion = service.Expand(new ExpandRequest { ValueSet = GenderValueSet(withSupplement: true), DisplayLanguage = "fr", TxResources = [French()] });
        Assert.That(expansion.Contains.Select(c => c.Display), Does.Contain("Féminin").And.Contain("Masculin"));
        Assert.That(expansion.Contains.Select(c => c.Code), Has.None.EqualTo("not-a-gender"));
    }

    [Test]
    public void An_expansion_names_the_supplements_it_used()
    {
        var expansion = Service().Expand(new ExpandRequest { ValueSet = GenderValueSet(withSupplement: true), TxResources = [French()] });
        Assert.That(expansion.Parameters.Where(p => p.Name == "used-supplement").Select(p => p.Value), Is.EqualTo(new[] { FrenchGender + "|1" }));
        var plain = Service().Expand(new ExpandRequest { ValueSet = GenderValueSet(withSupplement: false), TxResources = [French()] });
        Assert.That(plain.Parameters.Select(p => p.Name), Has.None.EqualTo("used-supplement"));
    }

    [Test]
    public void Supplements_of_the_packages_apply_when_asked_for()
    {
        var result = Service().Lookup(new LookupRequest(new CodingValue("http://hl7.org/fhir/CodeSystem/example", "chol-mass"))
            { UseSupplements = ["http://hl7.org/fhir/CodeSystem/example-supplement"] });
        Assert.That(result.Properties.Where(p => p.Code == "legacy").Select(p => p.Value), Is.EqualTo(new[] { "true" }));
    }

    [Test]
    public void An_unknown_supplement_is_an_error()
    {
        var e = Assert.Throws<TerminologyException>(() => Service().Lookup(new LookupRequest(new CodingValue(Gender, "female")) { UseSupplements = ["http://example.org/cs/none"] }));
        Assert.That((e!.IssueCode, e.Message), Is.EqualTo(("not-found", "Required supplement not found: http://example.org/cs/none")));
        e = Assert.Throws<TerminologyException>(() => Service().Expand(new ExpandRequest
        {
            ValueSet = Parse("""{"resourceType":"ValueSet","status":"active","extension":[{"url":"http://hl7.org/fhir/StructureDefinition/valueset-supplement","valueCanonical":"http://example.org/cs/none"}],"compose":{"include":[{"system":"http://hl7.org/fhir/administrative-gender"}]}}"""),
        }));
        Assert.That(e!.IssueCode, Is.EqualTo("not-found"));
    }

    [Test]
    public void A_supplement_is_not_a_code_system()
    {
        var result = Service().ValidateCodeInCodeSystem(new ValidateCodeRequest([new CodingValue(FrenchGender, "female")]) { TxResources = [French()] });
        Assert.That(result.Result, Is.False);
        Assert.That(result.Message, Is.EqualTo($"CodeSystem {FrenchGender}|1 is a supplement, so can't be used as a value in Coding.system"));
        var e = Assert.Throws<TerminologyException>(() => Service().Lookup(new LookupRequest(new CodingValue(FrenchGender, "female")) { TxResources = [French()] }));
        Assert.That(e!.IssueCode, Is.EqualTo("not-found"));
    }
}
