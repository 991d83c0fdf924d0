using System.Collections.Concurrent;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>
/// A StructureDefinition as FHIR data, for elementDefinition() and slice(): the compiled definitions
/// (<see cref="StructureDefinitionInfo"/>) keep what parsing and navigation need, not fixed and pattern values,
/// slicing discriminators or the texts, so the resource is read again from its package, parsed into an
/// <see cref="ElementNode"/> tree, and its snapshot elements are matched to the compiled ones. Made the first time
/// one of those functions asks for the definition, then kept on it with the slice rules found so far: an
/// expression that uses neither costs nothing.
/// </summary>
internal sealed class DefinitionNodes
{
    // Definitions come from the packages: their narrative and primitive values are not the instance's to check.
    private static readonly ParserOptions Options = new() { ValidatePrimitives = false, ValidateXhtml = false };

    private readonly Lazy<Dictionary<ElementDefinitionInfo, ElementNode>> _elements;

    private DefinitionNodes(StructureDefinitionInfo structure, DefinitionRegistry registry)
    {
        Structure = structure;
        Registry = registry;
        _elements = new Lazy<Dictionary<ElementDefinitionInfo, ElementNode>>(Read);
    }

    public StructureDefinitionInfo Structure { get; }
    public DefinitionRegistry Registry { get; }

    /// <summary>The rules of the slices asked for so far, by the name they were asked with.</summary>
    public ConcurrentDictionary<string, SliceRule> Slices { get; } = new(StringComparer.Ordinal);

    public static DefinitionNodes Of(StructureDefinitionInfo structure, DefinitionRegistry registry)
    {
        if (Volatile.Read(ref structure.FhirPathCache) is DefinitionNodes known) return known;
        Interlocked.CompareExchange(ref structure.FhirPathCache, new DefinitionNodes(structure, registry), null);
        return (DefinitionNodes)structure.FhirPathCache!;
    }

    /// <summary>The ElementDefinition of a snapshot element, as an ElementNode of type ElementDefinition; null when the resource cannot be read.</summary>
    public static ElementNode? Find(ElementDefinitionInfo element, DefinitionRegistry registry) =>
        Of(element.Structure, registry).Element(element);

    public ElementNode? Element(ElementDefinitionInfo element) => _elements.Value.GetValueOrDefault(element);

    // The compiler makes one ElementDefinitionInfo per snapshot element, in snapshot order, so the two lists pair up
    // by position (element ids cannot be used: old snapshots lack them and the compiler makes them up).
    private Dictionary<ElementDefinitionInfo, ElementNode> Read()
    {
        var map = new Dictionary<ElementDefinitionInfo, ElementNode>(ReferenceEqualityComparer.Instance);
        if (Structure.Entry is not { } entry) return map;
        var resource = new FhirJsonParser(Registry, Options).Parse(Registry.ReadBytes(entry)).Resource;
        var elements = resource?.Child("snapshot")?.ChildrenNamed("element").ToList();
        var compiled = Structure.Elements;
        if (elements is null || elements.Count != compiled.Count) return map;
        for (var i = 0; i < elements.Count; i++) map[compiled[i]] = elements[i];
        return map;
    }
}
