using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Search;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Search;

public class SearchParameterRegistryTests
{
    private static readonly Lazy<SearchParameterRegistry> LazyRegistry = new(() => new SearchParameterRegistry(TestData.Context.Registry));
    private static SearchParameterRegistry Registry => LazyRegistry.Value;

    [Test]
    public void Every_SearchParameter_of_the_default_packages_is_read()
    {
        var perPackage = Registry.All.GroupBy(p => p.PackageId).ToDictionary(g => g.Key, g => g.Count());
        TestContext.Out.WriteLine(string.Join(", ", perPackage.Select(kv => $"{kv.Key}: {kv.Value}")));
        Assert.That(perPackage, Is.EquivalentTo(new Dictionary<string, int>
        {
            ["hl7.fhir.r4.core#4.0.1"] = 1400,
            ["hl7.fhir.uv.extensions.r4#5.3.0-ballot-tc1"] = 19,
            ["ans.fhir.fr.annuaire#1.1.0"] = 8,
            ["ans.fhir.fr.pdsm#3.1.1"] = 7,
            ["ihe.iti.mhd#4.2.0"] = 3,
        }));
    }

    [Test]
    public void A_type_has_its_own_parameters_and_those_of_Resource_and_DomainResource()
    {
        var patient = Registry.For("Patient");
        Assert.That(patient.Keys, Is.SupersetOf(new[] { "_id", "_lastUpdated", "_tag", "_profile", "_security", "_source", "_text", "_content", "name", "family", "identifier", "birthdate", "general-practitioner" }));
        Assert.That(patient["name"].Type, Is.EqualTo(SearchParamType.String));
        Assert.That(patient["_text"].Type, Is.EqualTo(SearchParamType.String), "kept as the package says, though it has no expression");
        Assert.That(patient["_text"].Expression, Is.Null);
        Assert.That(patient["_lastUpdated"].Expression, Is.EqualTo("Resource.meta.lastUpdated"));
        Assert.That(patient["general-practitioner"].Targets, Is.EquivalentTo(new[] { "Organization", "Practitioner", "PractitionerRole" }));

        // Bundle is a Resource, not a DomainResource: no _text.
        Assert.That(Registry.For("Bundle").Keys, Does.Contain("_id").And.Not.Contain("_text"));
        Assert.That(Registry.For("HumanName"), Is.Empty, "a data type has no search parameters");
        Assert.That(Registry.For("NoSuchType"), Is.Empty);
    }

    [Test]
    public void The_French_and_IHE_guides_add_their_parameters()
    {
        Assert.That(Registry.Find("Organization", "mailbox-mss")?.PackageId, Is.EqualTo("ans.fhir.fr.annuaire#1.1.0"));
        Assert.That(Registry.Find("PractitionerRole", "mailbox-mss")?.Type, Is.EqualTo(SearchParamType.String));
        Assert.That(Registry.Find("DocumentReference", "period-start")?.PackageId, Is.EqualTo("ans.fhir.fr.pdsm#3.1.1"));
        Assert.That(Registry.Find("List", "designationType")?.PackageId, Is.EqualTo("ihe.iti.mhd#4.2.0"));
        Assert.That(Registry.Find("Patient", "mailbox-mss"), Is.Null);
    }

    [Test]
    public void Core_wins_when_two_packages_define_a_code_on_the_same_base_and_the_diagnostics_say_so()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Registry.Find("List", "source")?.Url, Is.EqualTo("http://hl7.org/fhir/SearchParameter/List-source"));
            Assert.That(Registry.Find("List", "patient")?.Url, Is.EqualTo("http://hl7.org/fhir/SearchParameter/clinical-patient"));
            // Same URL, two versions: R4 core's (no expression) over the extension pack's.
            Assert.That(Registry.Find("Patient", "age")?.Version, Is.EqualTo("4.0.1"));
            // Within core, the parameter published at the package's version over the spec's examples.
            Assert.That(Registry.Find("Patient", "_id")?.Url, Is.EqualTo("http://hl7.org/fhir/SearchParameter/Resource-id"));
            Assert.That(Registry.Find("Condition", "subject")?.Url, Is.EqualTo("http://hl7.org/fhir/SearchParameter/Condition-subject"));
        });
        Assert.That(Registry.Diagnostics, Has.Some.StartsWith("List.source: http://hl7.org/fhir/SearchParameter/List-source|4.0.1 (hl7.fhir.r4.core#4.0.1) is used")
            .And.Some.Contains("PDSm-List-PatientAsSource"));
        Assert.That(Registry.Diagnostics, Has.Some.StartsWith("Resource._id: http://hl7.org/fhir/SearchParameter/Resource-id|4.0.1"));
        Assert.That(Registry.Diagnostics, Has.Some.Contains("valueset-extensions-ValueSet-author|4.0.1 (hl7.fhir.r4.core#4.0.1): no base"));
        foreach (var d in Registry.Diagnostics) TestContext.Out.WriteLine(d);
    }

    [Test]
    public void Composite_components_name_their_parameter_and_its_type()
    {
        var composite = Registry.Find("Observation", "code-value-quantity")!;
        Assert.That(composite.Type, Is.EqualTo(SearchParamType.Composite));
        Assert.That(composite.Components.Select(c => (c.DefinitionUrl, c.Expression, c.Type)), Is.EqualTo(new[]
        {
            ("http://hl7.org/fhir/SearchParameter/clinical-code", "code", (SearchParamType?)SearchParamType.Token),
            ("http://hl7.org/fhir/SearchParameter/Observation-value-quantity", "value.as(Quantity)", SearchParamType.Quantity),
        }));
        Assert.That(Registry.All.Where(p => p.Type == SearchParamType.Composite).SelectMany(p => p.Components), Has.All.Matches<CompositeComponent>(c => c.Type is not null));
    }

    [Test]
    public void Parameters_are_found_by_canonical()
    {
        Assert.That(Registry.FindByUrl("http://hl7.org/fhir/SearchParameter/individual-birthdate")?.Code, Is.EqualTo("birthdate"));
        Assert.That(Registry.FindByUrl("http://hl7.org/fhir/SearchParameter/patient-extensions-Patient-age|5.3.0-ballot-tc1")?.Expression, Is.EqualTo("Patient.birthDate"));
        Assert.That(Registry.FindByUrl("http://hl7.org/fhir/SearchParameter/patient-extensions-Patient-age")?.Version, Is.EqualTo("4.0.1"));
        Assert.That(Registry.FindByUrl("http://example.org/none"), Is.Null);
    }

    [Test]
    public void The_fingerprint_is_stable_and_changes_with_the_parameter_set()
    {
        var definitions = TestData.Context.Registry;
        var again = new SearchParameterRegistry(definitions);
        Assert.That(Registry.Fingerprint, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(again.Fingerprint, Is.EqualTo(Registry.Fingerprint));

        var withoutPdsm = new SearchParameterRegistry(new DefinitionRegistry(definitions.Packages.Where(p => p.Name != "ans.fhir.fr.pdsm")));
        Assert.That(withoutPdsm.All.Count(), Is.EqualTo(Registry.All.Count() - 7));
        Assert.That(withoutPdsm.Fingerprint, Is.Not.EqualTo(Registry.Fingerprint));
        Assert.That(withoutPdsm.Find("List", "source")?.Url, Is.EqualTo("http://hl7.org/fhir/SearchParameter/List-source"));
    }

    [Test]
    public void Nothing_is_read_until_asked()
    {
        var registry = new SearchParameterRegistry(TestData.Context.Registry);
        Assert.That(registry.IsLoaded, Is.False);
        Assert.That(registry.Find("Patient", "name"), Is.Not.Null);
        Assert.That(registry.IsLoaded, Is.True);
    }
}
