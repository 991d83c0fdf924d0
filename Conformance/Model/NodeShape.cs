using FhirServer.Conformance.Definitions;

namespace FhirServer.Conformance.Model;

/// <summary>
/// What the nodes of one element with one type have in common: name, type, definition, and whether they are
/// resources. Shared by those nodes (kept on the element definition), so that a node does not carry them itself.
/// </summary>
internal sealed class NodeShape
{
    // Enough for the types a choice element or a resource slot (Bundle.entry.resource) meets in practice; further
    // shapes are made per node, which is correct, only larger.
    private const int MaxShapesPerDefinition = 32;

    internal NodeShape(string name, string type, ElementDefinitionInfo? definition, bool isResource)
    {
        Name = name;
        Type = type;
        Definition = definition;
        IsResource = isResource;
    }

    public string Name { get; }
    public string Type { get; }
    public ElementDefinitionInfo? Definition { get; }
    public bool IsResource { get; }

    /// <summary>The parser refused part of what the source gave these nodes (see <see cref="ElementNode.HasRefusedContent"/>).</summary>
    public bool HasRefusedContent { get; private init; }

    private NodeShape? _refused;

    /// <summary>The same shape, marked as having refused content: made once per shape, so a node carries no extra field.</summary>
    public NodeShape WithRefusedContent() =>
        HasRefusedContent ? this : _refused ??= new NodeShape(Name, Type, Definition, IsResource) { HasRefusedContent = true };

    private bool Matches(string name, string type, bool isResource) =>
        IsResource == isResource && (ReferenceEquals(Type, type) || Type == type) && (ReferenceEquals(Name, name) || Name == name);

    /// <summary>The shared shape for these values: found among the shapes of the definition, or made and added there.</summary>
    public static NodeShape For(string name, string type, ElementDefinitionInfo? definition, bool isResource)
    {
        if (definition is null) return new NodeShape(name, type, null, isResource);
        var shapes = Volatile.Read(ref definition.NodeShapes);
        if (shapes is not null)
            foreach (var s in shapes)
                if (s.Matches(name, type, isResource)) return s;
        var shape = new NodeShape(name, type, definition, isResource);
        // Copy on write: readers never see a half-filled array; two threads adding at once may lose one shape, which
        // is only made again.
        if (shapes is null || shapes.Length < MaxShapesPerDefinition)
            Volatile.Write(ref definition.NodeShapes, shapes is null ? [shape] : [.. shapes, shape]);
        return shape;
    }
}
