using System.Collections.Frozen;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>
/// One snapshot element compiled: the checks every matching node must pass, its cardinality, and, when the snapshot
/// lists them, its children and slices. An element without listed children is validated through its type's schema.
/// </summary>
public sealed class ElementSchema
{
    private FrozenDictionary<string, int> _childIndex = FrozenDictionary<string, int>.Empty;

    internal ElementSchema(ProfileSchema profile, ElementDefinitionInfo definition)
    {
        Profile = profile;
        Definition = definition;
        Min = definition.Min;
        Max = definition.Max == "*" ? int.MaxValue : int.TryParse(definition.Max, out var max) ? max : int.MaxValue;
    }

    public ProfileSchema Profile { get; }
    public ElementDefinitionInfo Definition { get; }
    public string Path => Definition.Path;
    /// <summary>The name instances use (<c>value</c> for <c>value[x]</c>).</summary>
    public string Name => Definition.Name;
    public int Min { get; }
    /// <summary>ElementDefinition.max; <see cref="int.MaxValue"/> for <c>*</c>.</summary>
    public int Max { get; }
    public IReadOnlyList<TypeRef> Types => Definition.Types;

    /// <summary>What every node of this element is checked for, aspect by aspect.</summary>
    public IElementCheck[] Checks { get; internal set; } = [];

    /// <summary>Children listed in the snapshot (backbone elements, or a type's elements a profile constrains); empty otherwise.</summary>
    public ElementSchema[] Children { get; private set; } = [];

    /// <summary>The slices of this element, in snapshot order (each a schema of its own, with its own cardinality).</summary>
    public ElementSchema[] Slices { get; internal set; } = [];

    /// <summary>How nodes are sorted into <see cref="Slices"/> (null when the element is not sliced, or the slicing cannot be used).</summary>
    public ISlicing? Slicing { get; internal set; }

    /// <summary>The element this one slices (for a slice).</summary>
    public ElementSchema? SlicedElement { get; internal set; }

    public bool HasChildren => Children.Length > 0;

    /// <summary>
    /// The base schema of the type the last node of this element had (the walker's per-node lookup, kept here): a
    /// schema compiled in an older generation is only reached through schemas of that generation.
    /// </summary>
    internal TypeSchema? LastTypeSchema { get; set; }

    internal sealed record TypeSchema(string Type, ProfileSchema Schema);

    /// <summary>The index of the child <c>value</c> (a primitive type's value, counted from the node's own), or -1.</summary>
    public int ValueIndex { get; private set; } = -1;

    /// <summary>The child named <paramref name="name"/> as instances name it, or -1.</summary>
    public int IndexOfChild(string name) => _childIndex.TryGetValue(name, out var i) ? i : -1;

    internal void SetChildren(ElementSchema[] children)
    {
        Children = children;
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < children.Length; i++) map.TryAdd(children[i].Name, i);
        _childIndex = map.ToFrozenDictionary(StringComparer.Ordinal);
        ValueIndex = IndexOfChild("value");
    }

    public override string ToString() => $"{Profile.Canonical}#{Definition.Id}";
}
