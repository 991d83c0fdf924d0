using System.Runtime.InteropServices;
using System.Text;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Conformance.Model;

/// <summary>
/// The one typed tree of a FHIR instance. The JSON and XML parsers build it, FHIRPath, the validator, the search
/// indexer and the writers walk it. A node has a name (<c>given</c>; a choice element keeps its base name,
/// <c>value</c>, and carries the chosen type), a FHIR type, the literal text of a primitive value exactly as
/// written (<c>1.10</c> stays <c>1.10</c>), its children (for primitives: <c>id</c> and <c>extension</c>), and the
/// ElementDefinition it matched. A node that is a resource (the root, a contained resource, a Bundle entry's
/// resource) has its resource type as <see cref="Type"/>.
/// </summary>
public sealed class ElementNode
{
    // A parse creates many nodes, so a node is small (56 bytes): what nodes of one element and type share (name,
    // type, definition) lies in a shape they all point at, and value and children share one slot.
    private NodeShape _shape;
    // Null; the value (a string, or the Utf8Source it still lies in, at _valueStart); the children (an
    // array of the exact size once a parser has read them all, a list while they are being added); or, for a
    // primitive with both a value and children (id, extension), a ValueAndChildren holding the two.
    private object? _data;
    private int _valueStart;
    private int _index = -1;

    public ElementNode(string name, string type, ElementDefinitionInfo? definition, string? value = null, bool isResource = false)
    {
        _shape = NodeShape.For(name, type, definition, isResource);
        _data = value;
    }

    internal ElementNode(NodeShape shape) => _shape = shape;

    /// <summary>A resource root: name and type are the resource type.</summary>
    public static ElementNode Resource(string resourceType, ElementDefinitionInfo? definition) =>
        new(resourceType, resourceType, definition, null, isResource: true);

    public string Name => _shape.Name;
    /// <summary>The FHIR type: <c>string</c>, <c>HumanName</c>, <c>BackboneElement</c>, or the resource type.</summary>
    public string Type => _shape.Type;
    public ElementDefinitionInfo? Definition => _shape.Definition;
    public bool IsResource => _shape.IsResource;

    /// <summary>
    /// The parser refused part of the content the source gave this node (an unknown property or element, an empty
    /// array) and reported it there: the node is not empty as written, so checks that it has content (ele-1) have
    /// nothing to add.
    /// </summary>
    public bool HasRefusedContent => _shape.HasRefusedContent;

    internal void MarkContentRefused() => _shape = _shape.WithRefusedContent();

    private sealed class ValueAndChildren(object value, object children)
    {
        public object Value = value;
        public object Children = children;
    }

    // string or Utf8Source, or null.
    private object? ValueObject => _data switch
    {
        string or Utf8Source => _data,
        ValueAndChildren both => both.Value,
        _ => null,
    };

    // ElementNode[] or List<ElementNode>, or null.
    private object? ChildrenObject => _data switch
    {
        ElementNode[] or List<ElementNode> => _data,
        ValueAndChildren both => both.Children,
        _ => null,
    };

    private void SetValueObject(object? value)
    {
        var children = ChildrenObject;
        if (children is null) _data = value;
        else if (value is null) _data = children;
        else if (_data is ValueAndChildren both) both.Value = value;
        else _data = new ValueAndChildren(value, children);
    }

    private void SetChildrenObject(object? children)
    {
        var value = ValueObject;
        if (value is null) _data = children;
        else if (children is null) _data = value;
        else if (_data is ValueAndChildren both) both.Children = children;
        else _data = new ValueAndChildren(value, children);
    }

    /// <summary>The literal text of a primitive value as written in the source; null for complex nodes and primitives with only extensions.</summary>
    public string? Value
    {
        get
        {
            var value = ValueObject;
            if (value is not Utf8Source source) return (string?)value;
            var utf8 = source.Value(_valueStart);
            var text = source.Kind == Utf8Source.Layout.JsonEscapedString
                ? Unescape(source.Bytes.Span.Slice(_valueStart - 1, utf8.Length + 2))
                : System.Text.Encoding.UTF8.GetString(utf8);
            SetValueObject(text);
            return text;
        }
        set => SetValueObject(value);
    }

    public bool HasValue => ValueObject is not null;

    // A JSON string token, quotes included, that the parser has already unescaped once without error.
    private static string Unescape(ReadOnlySpan<byte> token)
    {
        var reader = new System.Text.Json.Utf8JsonReader(token);
        reader.Read();
        return reader.GetString()!;
    }

    /// <summary>Sets the value as UTF-8 text lying in a parse's input, decoded only when <see cref="Value"/> is read.</summary>
    public void SetUtf8Value(Utf8Source source, int start, int length)
    {
        // A parser's source finds the value's end again from the JSON; for any other, a slice becomes a source of
        // its own, so that the node keeps only where the value starts.
        if (source.Kind == Utf8Source.Layout.Whole && (start != 0 || length != source.Bytes.Length))
        {
            source = new Utf8Source(source.Bytes.Slice(start, length));
            start = 0;
        }
        System.Diagnostics.Debug.Assert(source.Value(start).Length == length, "the value's end is found again");
        _valueStart = start;
        SetValueObject(source);
    }

    public void SetUtf8Value(ReadOnlyMemory<byte> utf8) => SetUtf8Value(new Utf8Source(utf8), 0, utf8.Length);

    /// <summary>The value as UTF-8 when it is still held that way (writers copy it without decoding).</summary>
    public bool TryGetUtf8Value(out ReadOnlySpan<byte> utf8)
    {
        if (ValueObject is Utf8Source source && source.Kind != Utf8Source.Layout.JsonEscapedString)
        {
            utf8 = source.Value(_valueStart);
            return true;
        }
        utf8 = default;
        return false;
    }

    public ElementNode? Parent { get; private set; }

    /// <summary>Position among the siblings of the same name (0-based). Computed on first use: parsing never needs it.</summary>
    public int Index
    {
        get
        {
            if (_index >= 0) return _index;
            var index = 0;
            if (Parent is { } parent)
            {
                var name = Name;
                foreach (var s in parent.ChildSpan)
                {
                    if (ReferenceEquals(s, this)) break;
                    if (s.Name == name) index++;
                }
            }
            return _index = index;
        }
    }
    /// <summary>Where the node starts in the source text (1-based; 0 when unknown).</summary>
    public int Line { get; set; }
    public int Column { get; set; }

    public IReadOnlyList<ElementNode> Children => ChildrenObject switch
    {
        ElementNode[] array => array,
        List<ElementNode> list => list,
        _ => [],
    };

    public bool HasChildren => ChildrenObject switch
    {
        ElementNode[] => true,
        List<ElementNode> list => list.Count > 0,
        _ => false,
    };

    private ReadOnlySpan<ElementNode> ChildSpan => ChildrenObject switch
    {
        ElementNode[] array => array,
        List<ElementNode> list => CollectionsMarshal.AsSpan(list),
        _ => default,
    };
    public bool IsChoice => Definition?.IsChoice == true;
    public bool IsCollection => Definition?.IsCollection == true;

    /// <summary>The name the element has in JSON and XML: <c>valueQuantity</c> for a choice, else <see cref="Name"/>.</summary>
    public string SerializedName => IsChoice && !IsResource ? Name + char.ToUpperInvariant(Type[0]) + Type[1..] : Name;

    public ElementNode Add(ElementNode child)
    {
        var children = ChildrenObject;
        if (children is not List<ElementNode> list)
        {
            list = children is ElementNode[] array ? new List<ElementNode>(array) : [];
            SetChildrenObject(list);
        }
        child.Parent = this;
        child._index = -1;
        list.Add(child);
        return child;
    }

    /// <summary>
    /// For a parser: children added from now on go to <paramref name="buffer"/> (an empty list the parser reuses)
    /// until <see cref="EndChildren"/> keeps them as an array of the exact size.
    /// </summary>
    internal void BeginChildren(List<ElementNode> buffer)
    {
        foreach (var c in ChildSpan) buffer.Add(c);
        SetChildrenObject(buffer);
    }

    internal void EndChildren(List<ElementNode> buffer)
    {
        if (ReferenceEquals(ChildrenObject, buffer)) SetChildrenObject(buffer.Count == 0 ? null : buffer.ToArray());
        buffer.Clear();
    }

    public IEnumerable<ElementNode> ChildrenNamed(string name)
    {
        var children = Children;
        for (var i = 0; i < children.Count; i++)
            if (children[i].Name == name) yield return children[i];
    }

    public ElementNode? Child(string name)
    {
        foreach (var c in ChildSpan)
            if (c.Name == name) return c;
        return null;
    }

    /// <summary>The nearest node, this one included, that is a resource.</summary>
    public ElementNode? ResourceNode
    {
        get
        {
            for (var n = this; n is not null; n = n.Parent)
                if (n.IsResource) return n;
            return null;
        }
    }

    public IEnumerable<ElementNode> Descendants()
    {
        if (!HasChildren) yield break;
        var stack = new Stack<ElementNode>();
        PushChildren(stack, this);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            yield return n;
            PushChildren(stack, n);
        }
    }

    private static void PushChildren(Stack<ElementNode> stack, ElementNode node)
    {
        var children = node.ChildSpan;
        for (var i = children.Length - 1; i >= 0; i--) stack.Push(children[i]);
    }

    /// <summary>
    /// The FHIRPath location, in the form the HL7 validator reports: <c>Patient.name[0].given[1]</c>,
    /// <c>Observation.value.ofType(Quantity)</c>, <c>Bundle.entry[2].resource.id</c>. Computed on demand.
    /// </summary>
    public string Location
    {
        get
        {
            var sb = new StringBuilder();
            AppendLocation(sb);
            return sb.ToString();
        }
    }

    internal void AppendLocation(StringBuilder sb)
    {
        if (Parent is null)
        {
            sb.Append(Name);
            return;
        }
        Parent.AppendLocation(sb);
        sb.Append('.').Append(Name);
        if (IsChoice) sb.Append(".ofType(").Append(Type).Append(')');
        if (IsCollection) sb.Append('[').Append(Index).Append(']');
    }

    public override string ToString() => !HasValue ? $"{Location} : {Type}" : $"{Location} : {Type} = {Value}";
}
