using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Model;

/// <summary>An extension with a primitive value, carried from a definition to an expansion entry or designation.</summary>
public sealed record ElementExtension(string Url, string ValueType, string Value);

/// <summary>
/// The extensions on a code system's concepts (and a value set's listed concepts) that an expansion reports. Some
/// stand for a property of the concept (R5 concept-properties: <c>weight</c> from itemWeight, <c>label</c> from
/// codesystem-label / valueset-label, <c>order</c> from codesystem-conceptOrder / valueset-conceptOrder), returned
/// with the entry as the reference servers return them; some are echoed on the entry (how to render the concept,
/// what the value set says of it) or on a designation (its SNOMED CT description id, its status). Others are not
/// copied: an unknown extension is the definition's own business.
/// </summary>
public static class ConceptExtensions
{
    private const string Base = "http://hl7.org/fhir/StructureDefinition/";
    private const string Properties = "http://hl7.org/fhir/concept-properties#";

    private static readonly Dictionary<string, (string Code, string Type)> AsProperty = new(StringComparer.Ordinal)
    {
        [Base + "itemWeight"] = ("weight", "decimal"),
        [Base + "codesystem-label"] = ("label", "string"),
        [Base + "valueset-label"] = ("label", "string"),
        [Base + "codesystem-conceptOrder"] = ("order", "decimal"),
        [Base + "valueset-conceptOrder"] = ("order", "decimal"),
    };

    private static readonly HashSet<string> EchoedFromCodeSystem = [Base + "rendering-style", Base + "rendering-xhtml"];

    // What a value set says of a concept it lists: also whether it is deprecated there, and its definition there.
    private static readonly HashSet<string> EchoedFromValueSet =
        [.. EchoedFromCodeSystem, Base + "valueset-deprecated", Base + "valueset-concept-definition", CodeSystemIndex.StandardsStatusUrl];

    private static readonly HashSet<string> EchoedOnDesignation = [Base + "coding-sctdescid", CodeSystemIndex.StandardsStatusUrl];

    /// <summary>The URIs of the properties read from extensions (the weight is concept-properties#itemWeight).</summary>
    public static readonly IReadOnlyDictionary<string, string> PropertyUris = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["weight"] = Properties + "itemWeight",
        ["label"] = Properties + "label",
        ["order"] = Properties + "order",
    };

    /// <summary>The properties a concept's extensions stand for.</summary>
    public static IEnumerable<ConceptProperty> PropertiesOf(ElementNode concept) =>
        Primitive(concept).Where(e => AsProperty.ContainsKey(e.Url)).Select(e => new ConceptProperty(AsProperty[e.Url].Code, AsProperty[e.Url].Type, e.Value));

    /// <summary>The extensions echoed on the expansion entry of a concept of a code system, or of one a value set lists.</summary>
    public static IEnumerable<ElementExtension> EchoedOf(ElementNode concept, bool listedByValueSet) =>
        Primitive(concept).Where(e => (listedByValueSet ? EchoedFromValueSet : EchoedFromCodeSystem).Contains(e.Url));

    /// <summary>The extensions echoed on a designation.</summary>
    public static IReadOnlyList<ElementExtension> OfDesignation(ElementNode designation) =>
        [.. Primitive(designation).Where(e => EchoedOnDesignation.Contains(e.Url))];

    private static IEnumerable<ElementExtension> Primitive(ElementNode node) =>
        node.ChildrenNamed("extension").Select(e => (Url: e.Child("url")?.Value, Value: e.Child("value")))
            .Where(e => e.Url is not null && e.Value?.Value is not null)
            .Select(e => new ElementExtension(e.Url!, e.Value!.Type, e.Value.Value!));
}
