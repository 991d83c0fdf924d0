using System.Runtime.CompilerServices;
using System.Text;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Slicing;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Profiles.Validation.Slicing;

/// <summary>
/// The definitions discriminators are read from, as the validator sees them: the <see cref="ProfileSource"/> (added
/// profiles first, then the packages). A definition's ElementDefinitions are parsed into FHIR data once, the first
/// time a slicing asks, and kept with the compiled definition.
/// </summary>
internal sealed class ValidatorSliceDefinitions(ProfileSource source) : ISliceDefinitions
{
    // Definitions come from packages or from the server's profiles: their primitive values are not checked again here.
    private static readonly ParserOptions Options = new() { ValidatePrimitives = false, ValidateXhtml = false };
    private static readonly ConditionalWeakTable<StructureDefinitionInfo, Dictionary<ElementDefinitionInfo, ElementNode>> Parsed = new();

    public DefinitionRegistry Registry => source.Registry;

    public StructureDefinitionInfo? Profile(string canonical) => source.Find(canonical)?.Info;

    public ElementNode? ElementDefinition(ElementDefinitionInfo element) =>
        Parsed.GetValue(element.Structure, Read).GetValueOrDefault(element);

    // The snapshot's elements pair up with the compiled ones by position (see ResolvedDefinition).
    private Dictionary<ElementDefinitionInfo, ElementNode> Read(StructureDefinitionInfo structure)
    {
        var map = new Dictionary<ElementDefinitionInfo, ElementNode>(ReferenceEqualityComparer.Instance);
        var resolved = source.Find(structure.ToString());
        if (resolved is null || resolved.Info.Elements.Count != structure.Elements.Count) return map;
        var parsed = new FhirJsonParser(Registry, Options).Parse(Encoding.UTF8.GetBytes(resolved.Json.GetRawText())).Resource;
        var elements = parsed?.Child("snapshot")?.ChildrenNamed("element").ToList();
        if (elements is null || elements.Count != structure.Elements.Count) return map;
        for (var i = 0; i < elements.Count; i++) map[structure.Elements[i]] = elements[i];
        return map;
    }
}
