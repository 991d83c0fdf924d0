using FhirServer.Conformance.Model;
using FhirServer.Profiles.Identifiers;
using FhirServer.Profiles.Tests.Support;

namespace FhirServer.Profiles.Tests.Identifiers;

/// <summary>The registry on parsed resources: which identifiers it checks, where it reports, how severe.</summary>
public class IdentifierRuleRegistryTests
{
    private static ElementNode Patient(string nir, string system = FrenchIdentifierRules.InsNir) => ProfilesTestData.Parse($$"""
        {"resourceType":"Patient","identifier":[
          {"system":"urn:oid:1.2.250.1.71.1.2.2","value":"IPP-1"},
          {"use":"official","system":"{{system}}","value":"{{nir}}"}]}
        """);

    [Test]
    public void FR_Core_Patient_example_INS_NIR_is_refused_with_its_location()
    {
        var issues = IdentifierRuleRegistry.CreateDefault().Check(Patient("123456789012244"));

        Assert.That(issues, Has.Count.EqualTo(1));
        var issue = issues[0];
        Assert.That(issue.Severity, Is.EqualTo(IssueSeverity.Error));
        Assert.That(issue.Code, Is.EqualTo("value"));
        Assert.That(issue.Expression, Is.EqualTo("Patient.identifier[1].value"));
        Assert.That(issue.Message, Is.EqualTo("NIR rule: The NIR key is 44, but the key of its number is 12 (97 − number mod 97)."));
        Assert.That(issue.Line, Is.GreaterThan(0), "the JSON position is kept");
    }

    [TestCase(FrenchIdentifierRules.InsNir)]
    [TestCase(FrenchIdentifierRules.InsNirTest)]
    [TestCase(FrenchIdentifierRules.InsNirDemo)]
    [TestCase(FrenchIdentifierRules.NssNir)]
    public void Every_NIR_system_is_checked(string system)
    {
        var registry = IdentifierRuleRegistry.CreateDefault();
        Assert.That(registry.Check(Patient("123456789012212", system)), Is.Empty);
        Assert.That(registry.Check(Patient("123456789012213", system)), Has.Count.EqualTo(1));
    }

    [Test]
    public void Unknown_systems_and_identifiers_without_value_are_left_alone()
    {
        var patient = ProfilesTestData.Parse("""
            {"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.3","value":"x"},{"system":"urn:oid:1.2.250.1.213.1.4.8"}]}
            """);
        Assert.That(IdentifierRuleRegistry.CreateDefault().Check(patient), Is.Empty);
    }

    [Test]
    public void Severity_is_configurable_per_rule_and_rules_can_be_switched_off()
    {
        var warn = new IdentifierRuleOptions { Severities = { ["nir"] = IssueSeverity.Warning } };
        Assert.That(IdentifierRuleRegistry.CreateDefault(warn).Check(Patient("123456789012244"))[0].Severity, Is.EqualTo(IssueSeverity.Warning));

        var off = new IdentifierRuleOptions { Disabled = { "NIR" } };
        Assert.That(IdentifierRuleRegistry.CreateDefault(off).Check(Patient("123456789012244")), Is.Empty);
        Assert.That(IdentifierRuleRegistry.CreateDefault(off).RulesFor(FrenchIdentifierRules.InsNir), Is.Empty);
    }

    [Test]
    public void Contained_resources_bundle_entries_and_references_are_checked()
    {
        var bundle = ProfilesTestData.Parse("""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"123456789012244"}]}},
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                "contained":[{"resourceType":"Practitioner","id":"p","identifier":[{"system":"https://rpps.esante.gouv.fr","value":"10101201234"}]}],
                "subject":{"type":"Patient","identifier":{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"123456789012244"}}}}]}
            """);
        var locations = IdentifierRuleRegistry.CreateDefault().Check(bundle).Select(i => i.Expression);
        Assert.That(locations, Is.EquivalentTo(new[]
        {
            "Bundle.entry[0].resource.identifier[0].value",
            "Bundle.entry[1].resource.contained[0].identifier[0].value",
            "Bundle.entry[1].resource.subject.identifier.value",
        }));
    }

    [Test]
    public void RPPS_system_in_a_PractitionerRole_names_a_situation_d_exercice_and_is_not_checked()
    {
        var role = ProfilesTestData.Parse("""
            {"resourceType":"PractitionerRole","identifier":[{"system":"https://rpps.esante.gouv.fr","value":"1011848351"}],
             "practitioner":{"type":"Practitioner","identifier":{"system":"https://rpps.esante.gouv.fr","value":"1011848351"}}}
            """);
        var issues = IdentifierRuleRegistry.CreateDefault().Check(role);
        Assert.That(issues.Select(i => i.Expression), Is.EqualTo(new[] { "PractitionerRole.practitioner.identifier.value" }),
            "a reference typed Practitioner carries an RPPS number");
    }

    [Test]
    public void SIREN_typed_identifier_with_a_SIRET_value_is_reported()
    {
        var org = ProfilesTestData.Parse("""
            {"resourceType":"Organization","identifier":[{"type":{"coding":[{"system":"https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203","code":"SIREN"}]},
              "system":"https://sirene.fr","value":"73282932000074"}]}
            """);
        var issues = IdentifierRuleRegistry.CreateDefault().Check(org);
        Assert.That(issues.Single().Message, Does.Contain("type is SIREN (9 digits), but its value has 14 digits (a SIRET's length"));
    }
}
