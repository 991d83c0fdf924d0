namespace FhirServer.Conformance.Definitions;

/// <summary>
/// What the rest of the server needs to know about one ElementDefinition of a snapshot: its place in the
/// element tree, cardinality, types, choice-ness and representation. Compiled once per StructureDefinition by
/// <see cref="StructureDefinitionCompiler"/>; immutable afterwards.
/// </summary>
public sealed class ElementDefinitionInfo
{
    private readonly List<ElementDefinitionInfo> _children = [];
    private readonly List<ElementDefinitionInfo> _slices = [];
    private Dictionary<string, ElementDefinitionInfo>? _byName;
    private Dictionary<string, (ElementDefinitionInfo Element, TypeRef? Type)>? _byJsonName;
    private Dictionary<string, (ElementDefinitionInfo Element, TypeRef? Type)>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private bool _bySpanReady;
    private ElementDefinitionInfo? _referenced;

    internal ElementDefinitionInfo(StructureDefinitionInfo structure, string id, string path, string? sliceName)
    {
        Structure = structure;
        Id = id;
        Path = path;
        SliceName = sliceName;
        var last = path.LastIndexOf('.');
        var segment = last < 0 ? path : path[(last + 1)..];
        IsChoice = segment.EndsWith("[x]", StringComparison.Ordinal);
        Name = IsChoice ? segment[..^3] : segment;
    }

    public StructureDefinitionInfo Structure { get; }
    public string Id { get; }
    /// <summary>ElementDefinition.path, e.g. <c>Observation.value[x]</c>.</summary>
    public string Path { get; }
    /// <summary>The element's name as it appears in instances, without <c>[x]</c>: <c>value</c>.</summary>
    public string Name { get; }
    public string? SliceName { get; }
    public bool IsChoice { get; }
    public int Min { get; internal set; }
    /// <summary>ElementDefinition.max: a number or <c>*</c>.</summary>
    public string Max { get; internal set; } = "*";
    /// <summary>
    /// Whether instances carry this element as a list (JSON array). Decided by the base definition's max, not the
    /// profile's: a profile that narrows <c>name</c> to 0..1 still has an array in JSON (R4 §2.6.2).
    /// </summary>
    public bool IsCollection { get; internal set; }
    public IReadOnlyList<TypeRef> Types { get; internal set; } = [];
    /// <summary>ElementDefinition.contentReference, e.g. <c>#Questionnaire.item</c>.</summary>
    public string? ContentReference { get; internal set; }
    /// <summary>Carried as an XML attribute (<c>representation = xmlAttr</c>): <c>id</c>, <c>Extension.url</c>, primitive values.</summary>
    public bool IsXmlAttribute { get; internal set; }
    public bool IsModifier { get; internal set; }
    public bool IsSummary { get; internal set; }
    public ElementBinding? Binding { get; internal set; }
    public IReadOnlyList<ElementConstraint> Constraints { get; internal set; } = [];
    /// <summary>Position among its parent's children, in snapshot order: the order writers use.</summary>
    public int Order { get; internal set; }
    public ElementDefinitionInfo? Parent { get; internal set; }
    /// <summary>For a slice, the element it slices.</summary>
    public ElementDefinitionInfo? SlicedElement { get; internal set; }

    /// <summary>The element a contentReference points at, or this element.</summary>
    public ElementDefinitionInfo Target => _referenced ?? this;

    /// <summary>Children defined inline (backbone elements) or through contentReference; empty when the type defines them.</summary>
    public IReadOnlyList<ElementDefinitionInfo> Children => Target._children;
    public bool HasInlineChildren => Target._children.Count > 0;
    public IReadOnlyList<ElementDefinitionInfo> Slices => _slices;

    /// <summary>The single type code, or null for choice elements and untyped roots.</summary>
    public string? TypeCode => Types.Count == 1 ? Types[0].Code : null;

    public ElementDefinitionInfo? GetChild(string name)
    {
        var target = Target;
        if (target._byName is null)
        {
            var map = new Dictionary<string, ElementDefinitionInfo>(target._children.Count, StringComparer.Ordinal);
            foreach (var c in target._children) map.TryAdd(c.Name, c);
            Interlocked.CompareExchange(ref target._byName, map, null);
        }
        return target._byName.GetValueOrDefault(name);
    }

    /// <summary>
    /// Finds a child by the name it has in JSON/XML: plain names, and choice names such as <c>valueQuantity</c>
    /// (returned with the matching type).
    /// </summary>
    public bool TryGetChildByJsonName(string jsonName, out ElementDefinitionInfo child, out TypeRef? choiceType)
    {
        var map = JsonNameMap();
        if (map.TryGetValue(jsonName, out var hit))
        {
            (child, choiceType) = hit;
            return true;
        }
        child = null!;
        choiceType = null;
        return false;
    }

    /// <summary>The same lookup over a span, without allocating a string (the JSON parser's hot path).</summary>
    public bool TryGetChildByJsonName(ReadOnlySpan<char> jsonName, out ElementDefinitionInfo child, out TypeRef? choiceType)
    {
        var target = Target;
        if (!Volatile.Read(ref target._bySpanReady))
        {
            target._bySpan = target.JsonNameMap().GetAlternateLookup<ReadOnlySpan<char>>();
            Volatile.Write(ref target._bySpanReady, true);
        }
        if (target._bySpan.TryGetValue(jsonName, out var hit))
        {
            (child, choiceType) = hit;
            return true;
        }
        child = null!;
        choiceType = null;
        return false;
    }

    /// <summary>Every name a child of this element has in JSON and XML, with the child and, for a choice, the type.</summary>
    internal IReadOnlyDictionary<string, (ElementDefinitionInfo Element, TypeRef? Type)> JsonNames => JsonNameMap();

    /// <summary>Kept here for the JSON parser: what it worked out about this element's properties (see FhirJsonParser).</summary>
    internal object? JsonParserCache;

    /// <summary>The shapes of the nodes of this element (see <see cref="Model.NodeShape"/>), one per type met.</summary>
    internal Model.NodeShape[]? NodeShapes;

    private Dictionary<string, (ElementDefinitionInfo, TypeRef?)> JsonNameMap()
    {
        var target = Target;
        var map = target._byJsonName;
        if (map is not null) return map;
        map = new Dictionary<string, (ElementDefinitionInfo, TypeRef?)>(StringComparer.Ordinal);
        foreach (var c in target._children)
        {
            if (c.IsChoice)
                foreach (var t in c.Types) map.TryAdd(c.Name + t.ChoiceSuffix, (c, t));
            else
                map.TryAdd(c.Name, (c, null));
        }
        Interlocked.CompareExchange(ref target._byJsonName, map, null);
        return target._byJsonName!;
    }

    internal void AddChild(ElementDefinitionInfo child)
    {
        child.Parent = this;
        child.Order = _children.Count;
        _children.Add(child);
    }

    internal void AddSlice(ElementDefinitionInfo slice)
    {
        slice.SlicedElement = this;
        slice.Parent = Parent;
        slice.Order = Order;
        _slices.Add(slice);
    }

    internal void SetReference(ElementDefinitionInfo target) => _referenced = target;

    public override string ToString() => SliceName is null ? Id : $"{Id} (slice {SliceName})";
}
