using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Definitions;

public class DefinitionRegistryTests
{
    private static DefinitionRegistry Registry => TestData.Context.Registry;

    [Test]
    public void Canonicals_resolve_by_url_by_url_and_version_and_to_the_latest()
    {
        var patient = Registry.Resolve("http://hl7.org/fhir/StructureDefinition/Patient");
        Assert.That(patient, Is.Not.Null);
        Assert.That(patient!.Version, Is.EqualTo("4.0.1"));
        Assert.That(Registry.Resolve("http://hl7.org/fhir/StructureDefinition/Patient|4.0.1"), Is.EqualTo(patient));
        Assert.That(Registry.Resolve("http://hl7.org/fhir/StructureDefinition/Patient|4.0"), Is.EqualTo(patient));
        Assert.That(Registry.Resolve("http://hl7.org/fhir/StructureDefinition/Patient|3.0.2"), Is.Null);
        Assert.That(Registry.Resolve("http://example.org/nothing"), Is.Null);

        // The same CodeSystem URL is published by R4 core and by HL7 terminology: without a version, the highest wins.
        var versions = Registry.AllVersions("http://terminology.hl7.org/CodeSystem/v2-0203");
        Assert.That(versions, Is.Not.Empty);
        Assert.That(Registry.Resolve("http://terminology.hl7.org/CodeSystem/v2-0203"), Is.EqualTo(versions[0]));
        Assert.That(versions.Select(v => v.Version), Is.Ordered.Descending.Using((IComparer<string>)FhirServer.Conformance.Packages.SemanticVersionComparer.Instance));
    }

    [Test]
    public void Resources_are_listed_by_type()
    {
        var searchParameters = Registry.ListByResourceType("SearchParameter");
        Assert.That(searchParameters.Count, Is.GreaterThan(1300));
        Assert.That(Registry.ListByResourceType("StructureDefinition").Select(e => e.Url),
            Has.Member("https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins"));
        Assert.That(Registry.ListByResourceType("NoSuchType"), Is.Empty);
    }

    [Test]
    public void Element_information_for_base_types()
    {
        var given = Registry.GetElement("Patient.name.given")!;
        Assert.That(given.Path, Is.EqualTo("HumanName.given"));
        Assert.That(given.IsCollection);
        Assert.That(given.TypeCode, Is.EqualTo("string"));
        Assert.That(Registry.IsPrimitiveType(given.TypeCode!));

        var birthDate = Registry.GetElement("Patient.birthDate")!;
        Assert.That((birthDate.Min, birthDate.Max, birthDate.IsCollection), Is.EqualTo((0, "1", false)));

        var contact = Registry.GetElement("Patient.contact")!;
        Assert.That(contact.TypeCode, Is.EqualTo("BackboneElement"));
        Assert.That(contact.HasInlineChildren);
        Assert.That(contact.Children.Select(c => c.Name), Does.Contain("relationship"));

        var value = Registry.ResolvePath(null, "Observation.valueQuantity")!;
        Assert.That(value.Element.IsChoice);
        Assert.That(value.Element.Path, Is.EqualTo("Observation.value[x]"));
        Assert.That(value.ChoiceType, Is.EqualTo("Quantity"));
        Assert.That(value.Element.Types.Select(t => t.Code), Does.Contain("CodeableConcept").And.Contain("dateTime"));
        Assert.That(Registry.GetElement("Observation.valueQuantity.unit")!.Path, Is.EqualTo("Quantity.unit"));
        Assert.That(Registry.GetElement("Observation.value[x]"), Is.SameAs(value.Element));

        var subject = Registry.GetElement("Observation.subject")!;
        Assert.That(subject.Types[0].TargetProfiles, Does.Contain("http://hl7.org/fhir/StructureDefinition/Patient"));
        Assert.That(Registry.GetElement("Patient.nonsense"), Is.Null);
    }

    [Test]
    public void Content_references_give_the_referenced_children()
    {
        var nested = Registry.GetElement("Questionnaire.item.item")!;
        Assert.That(nested.ContentReference, Is.EqualTo("#Questionnaire.item"));
        Assert.That(nested.Target.Path, Is.EqualTo("Questionnaire.item"));
        Assert.That(nested.Children.Select(c => c.Name), Does.Contain("linkId").And.Contain("item"));
        Assert.That(Registry.GetElement("Questionnaire.item.item.item.linkId")!.Path, Is.EqualTo("Questionnaire.item.linkId"));
    }

    [Test]
    public void Element_information_for_profiles_with_slices_and_type_profiles()
    {
        const string ins = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins";
        var sd = Registry.GetStructureDefinition(ins)!;
        Assert.That(sd.IsProfile);
        Assert.That(sd.Type, Is.EqualTo("Patient"));
        var identifier = Registry.GetElement(ins, "Patient.identifier")!;
        Assert.That(identifier.Structure, Is.SameAs(sd));
        Assert.That(identifier.Slices.Select(s => s.SliceName), Is.Not.Empty);
        foreach (var slice in identifier.Slices)
        {
            Assert.That(slice.SlicedElement, Is.SameAs(identifier));
            Assert.That(slice.Path, Is.EqualTo("Patient.identifier"));
        }
        // A path the profile does not constrain falls back to the base type.
        Assert.That(Registry.GetElement(ins, "Patient.name.given")!.Path, Is.EqualTo("HumanName.given"));
        Assert.That(Registry.GetElement(ins, "Observation.status"), Is.Null);
    }

    [Test]
    public void Primitive_types_carry_their_regex_and_system_types_map_to_fhir_types()
    {
        Assert.That(Registry.GetTypeDefinition("date")!.ValueRegex, Does.StartWith("([0-9]"));
        Assert.That(Registry.GetElement("Extension.url")!.TypeCode, Is.EqualTo("uri"));
        Assert.That(Registry.GetElement("Extension.url")!.IsXmlAttribute);
        Assert.That(Registry.GetElement("Patient.name.id")!.TypeCode, Is.EqualTo("string"));
        Assert.That(Registry.IsResourceType("Patient") && !Registry.IsResourceType("HumanName"));
        Assert.That(Registry.IsPrimitiveType("decimal") && !Registry.IsPrimitiveType("Quantity"));
    }
}
