using System.Xml;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// One parse of a FHIR XML document (R4 §2.7): walks the reader once, typing each element by the definitions and
/// building the same tree, with the same names, types, values and definitions, as <see cref="FhirJsonParser"/>.
/// Every read method starts on an element's start tag and returns on its last node (its EndElement, or the element
/// itself when empty), so the caller's next Read moves past it.
/// </summary>
internal sealed class XmlParseSession(
    XmlReader reader,
    XmlSourceText source,
    DefinitionRegistry registry,
    ParserOptions options,
    PrimitiveRules primitives,
    List<OutcomeIssue> issues,
    bool checkDeclaredEncoding)
{
    private readonly IXmlLineInfo _lineInfo = (IXmlLineInfo)reader;

    private enum Kind { Resource, Complex, Primitive }

    /// <summary>The furthest element (in definition order) met so far among one element's children.</summary>
    private readonly record struct OrderState(int Highest, string HighestName);

    public ElementNode? Run()
    {
        while (Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.XmlDeclaration:
                    if (checkDeclaredEncoding) CheckDeclaredEncoding();
                    break;
                case XmlNodeType.Element:
                    var root = ReadResource(null, null);
                    // The epilog may only hold comments, PIs and whitespace; the reader itself refuses anything else.
                    while (Read()) { }
                    return root;
            }
        }
        issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure", "The content has no root element"));
        return null;
    }

    private void CheckDeclaredEncoding()
    {
        var encoding = reader.GetAttribute("encoding");
        if (encoding is null || encoding.Equals("UTF-8", StringComparison.OrdinalIgnoreCase)) return;
        // R4 http.html (Content Types and encodings): "FHIR uses UTF-8 for all request and response bodies".
        Error(Position(), "structure", $"The XML declaration names the encoding '{encoding}'; FHIR XML must be UTF-8, and was read as UTF-8", null);
    }

    /// <summary>Reads a resource element (<c>&lt;Patient xmlns="http://hl7.org/fhir"&gt;</c>); <paramref name="element"/> holds it, null at the root.</summary>
    private ElementNode? ReadResource(ElementDefinitionInfo? element, ElementNode? parent)
    {
        string? Location() => parent is null ? null : Path(parent, element!.Name);
        var start = ElementStart();
        var type = reader.LocalName;
        if (reader.NamespaceURI != XmlNamespaces.Fhir)
        {
            Error(start, "structure",
                $"The element '{reader.Name}' is not in the FHIR namespace: a resource is written <{type} xmlns=\"{XmlNamespaces.Fhir}\"> (R4 §2.7)", Location());
            SkipElement();
            return null;
        }
        var sd = registry.IsResourceType(type) ? registry.GetTypeDefinition(type) : null;
        if (sd?.Root is null)
        {
            Error(start, "structure", $"Unknown resource type '{type}'", Location());
            SkipElement();
            return null;
        }
        var node = element is null ? ElementNode.Resource(type, sd.Root) : new ElementNode(element.Name, type, element, null, isResource: true);
        node.Line = start.Line;
        node.Column = start.Column;
        parent?.Add(node);
        ReadContent(node, sd.Root, Kind.Resource);
        return node;
    }

    private void ReadContent(ElementNode node, ElementDefinitionInfo container, Kind kind)
    {
        var start = ElementStart();
        var members = 0;
        var attributes = ReadAttributes(node, container, kind, ref members);
        var flushed = 0;
        if (!reader.IsEmptyElement) members += ReadChildren(node, container, kind == Kind.Primitive, attributes, ref flushed);
        Flush(node, attributes, ref flushed, int.MaxValue);
        // R4 §2.7: "FHIR elements are never empty": a value attribute, an id, extensions or child elements.
        if (members == 0 && kind != Kind.Resource)
            Error(start, "structure", "Empty elements are not allowed: an element must have a value or children (R4 §2.7)", Where(node));
        // Something was there, but nothing a primitive can hold (R4 §2.7: a value attribute, an id, extensions).
        else if (kind == Kind.Primitive && !node.HasValue && !node.HasChildren)
            Error(start, "structure", "Primitive types must have a value or must have child extensions", Where(node));
    }

    /// <summary>
    /// Reads the attributes: a primitive's <c>value</c>, and the elements defined as XML attributes (<c>id</c>,
    /// <c>Extension.url</c>). These become child nodes, added in definition order among the child elements (see Flush).
    /// </summary>
    private List<ElementNode>? ReadAttributes(ElementNode node, ElementDefinitionInfo container, Kind kind, ref int members)
    {
        if (!reader.MoveToFirstAttribute()) return null;
        List<ElementNode>? attributes = null;
        do
        {
            // Namespace declarations and attributes of other namespaces (xsi:schemaLocation, xml:lang) are not FHIR content.
            if (reader.NamespaceURI.Length > 0) continue;
            members++;
            var name = reader.LocalName;
            var at = Position();
            if (kind == Kind.Primitive && name == "value")
            {
                node.Value = reader.Value;
                CheckPrimitive(node.Type, node.Value, at, node, null);
                continue;
            }
            if (container.TryGetChildByJsonName(name, out var child, out _) && child.IsXmlAttribute && child.Name != "value")
            {
                var type = child.TypeCode ?? "string";
                var attribute = new ElementNode(child.Name, type, child, reader.Value) { Line = at.Line, Column = at.Column };
                CheckPrimitive(type, attribute.Value!, at, node, child.Name);
                attributes ??= [];
                var index = attributes.FindIndex(a => a.Definition!.Order > child.Order);
                attributes.Insert(index < 0 ? attributes.Count : index, attribute);
                continue;
            }
            var message = name == "value"
                ? kind == Kind.Resource
                    ? "A resource has no value attribute"
                    : $"'{node.SerializedName}' is of type {node.Type}, which has no value attribute: its content goes in child elements (R4 §2.7)"
                : $"Unrecognized attribute '{name}'";
            Error(at, "structure", message, Path(node, name));
        } while (reader.MoveToNextAttribute());
        reader.MoveToElement();
        return attributes;
    }

    /// <summary>Reads the content of a non-empty element up to its end tag; returns how many child elements and texts it met.</summary>
    private int ReadChildren(ElementNode node, ElementDefinitionInfo container, bool primitiveOnly, List<ElementNode>? attributes, ref int flushed)
    {
        var members = 0;
        var order = new OrderState(-1, "");
        Dictionary<int, string>? seen = null;
        while (Read())
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.EndElement:
                    return members;
                case XmlNodeType.Element:
                    members++;
                    ReadChild(node, container, primitiveOnly, ref order, ref seen, attributes, ref flushed);
                    break;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                    members++;
                    // Each piece of text is its own mistake (template markers left in a document, a value written as
                    // content): each is reported, with what it says.
                    Error(Position(), "structure",
                        $"Text is not allowed in '{node.SerializedName}': use the value attribute (R4 §2.7) (found '{PrimitiveRules.Shorten(reader.Value.Trim())}')", Where(node));
                    break;
                // Whitespace, comments and processing instructions are insignificant in FHIR content (R4 §2.7).
            }
        }
        return members;
    }

    private void ReadChild(ElementNode parent, ElementDefinitionInfo container, bool primitiveOnly, ref OrderState order,
        ref Dictionary<int, string>? seen, List<ElementNode>? attributes, ref int flushed)
    {
        var start = ElementStart();
        var name = reader.LocalName;
        var ns = reader.NamespaceURI;
        if (ns != XmlNamespaces.Fhir && ns != XmlNamespaces.Xhtml)
        {
            Error(start, "structure", $"Unrecognized element '{reader.Name}' in namespace '{ns}': FHIR elements are in {XmlNamespaces.Fhir} (R4 §2.7)", Path(parent, name));
            RefusedChild(parent, primitiveOnly);
            SkipElement();
            return;
        }
        if (!container.TryGetChildByJsonName(name, out var child, out var choiceType) || (primitiveOnly && child.Name != "extension"))
        {
            Error(start, "structure", $"Unrecognized element '{name}'", Path(parent, name));
            RefusedChild(parent, primitiveOnly);
            SkipElement();
            return;
        }
        var type = choiceType?.Code ?? child.TypeCode ?? "Element";
        if (child.IsXmlAttribute)
        {
            Error(start, "structure", $"'{name}' must be an XML attribute, not an element (R4 §2.7)", Path(parent, name));
            SkipElement();
            return;
        }
        if ((type == "xhtml") != (ns == XmlNamespaces.Xhtml))
        {
            Error(start, "structure", type == "xhtml"
                ? $"The narrative '{name}' must be in the XHTML namespace {XmlNamespaces.Xhtml} (R4 §2.4.1)"
                : $"'{name}' must be in the FHIR namespace {XmlNamespaces.Fhir} (R4 §2.7)", Path(parent, name));
            SkipElement();
            return;
        }
        // R4 §2.7: "Elements must always appear in the order documented". Reported, yet read, so nothing is lost.
        if (child.Order < order.Highest)
            Error(start, "structure",
                $"The element '{name}' is out of order: the definition puts it before '{order.HighestName}' (R4 §2.7: elements appear in the order documented)", Path(parent, name));
        else order = new OrderState(child.Order, name);
        if (!child.IsCollection)
        {
            seen ??= [];
            if (seen.TryGetValue(child.Order, out var other))
            {
                var message = child.IsChoice && other != name
                    ? $"Only one of the choice types of '{child.Name}[x]' may be present (found '{other}' and '{name}')"
                    : $"Duplicate element '{name}': it does not repeat";
                Error(start, "structure", message, Path(parent, name));
                SkipElement();
                return;
            }
            seen[child.Order] = name;
        }
        Flush(parent, attributes, ref flushed, child.Order);

        if (type == "xhtml") ReadNarrative(parent, child, start);
        else if (registry.IsPrimitiveType(type)) ReadTyped(parent, child, type, start, Kind.Primitive);
        else if (IsResourceType(type)) ReadResourceWrapper(parent, child, start);
        else ReadTyped(parent, child, type, start, Kind.Complex);
    }

    // A complex element keeps content the parser refused (reported there); a primitive's only content in XML is its
    // value attribute and its extensions, so any other child element leaves it empty as written.
    private static void RefusedChild(ElementNode parent, bool primitiveOnly)
    {
        if (!primitiveOnly) parent.MarkContentRefused();
    }

    private void ReadTyped(ElementNode parent, ElementDefinitionInfo child, string type, (int Line, int Column) start, Kind kind)
    {
        var node = parent.Add(new ElementNode(child.Name, type, child) { Line = start.Line, Column = start.Column });
        var container = kind == Kind.Complex && child.HasInlineChildren ? child : registry.GetTypeDefinition(type)?.Root;
        if (container is null)
        {
            Error(start, "not-supported", $"No definition is loaded for type '{type}'", Where(node));
            SkipElement();
            return;
        }
        ReadContent(node, container, kind);
    }

    private void ReadNarrative(ElementNode parent, ElementDefinitionInfo child, (int Line, int Column) start)
    {
        var node = parent.Add(new ElementNode(child.Name, "xhtml", child) { Line = start.Line, Column = start.Column });
        var (text, copy) = XmlNarrativeReader.Read(reader, source, options.MaxXmlDepth);
        node.Value = text ?? copy;
        if (node.Value is null)
        {
            Error(start, "structure", "The narrative could not be read as standalone XHTML", Where(node));
            return;
        }
        var problem = primitives.Check("xhtml", node.Value, options);
        // Source text that fails alone while the document read fine uses a prefix declared outside the div.
        if (problem is not null && text is not null &&
            XmlNarrativeReader.Normalize(text, (IXmlNamespaceResolver)reader) is { } normalized &&
            primitives.Check("xhtml", normalized, options) is null)
        {
            node.Value = normalized;
            problem = null;
        }
        if (problem is not null) Error(start, "value", problem, Where(node));
    }

    /// <summary>A resource-typed element wraps the resource: <c>&lt;contained&gt;&lt;Patient&gt;…&lt;/Patient&gt;&lt;/contained&gt;</c> (R4 §2.7).</summary>
    private void ReadResourceWrapper(ElementNode parent, ElementDefinitionInfo child, (int Line, int Column) start)
    {
        if (ContainedRule.IsNested(parent, child.Name))
        {
            Error(start, "structure", ContainedRule.Message, Path(parent, child.Name));
            SkipElement();
            return;
        }
        if (reader.MoveToFirstAttribute())
        {
            do
            {
                if (reader.NamespaceURI.Length == 0)
                    Error(Position(), "structure", $"Unrecognized attribute '{reader.LocalName}'", Path(parent, child.Name) + "." + reader.LocalName);
            } while (reader.MoveToNextAttribute());
            reader.MoveToElement();
        }
        var found = false;
        if (!reader.IsEmptyElement)
        {
            while (Read() && reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    if (!found) ReadResource(child, parent);
                    else
                    {
                        Error(ElementStart(), "structure", $"'{child.Name}' holds one resource only", Path(parent, child.Name));
                        SkipElement();
                    }
                    found = true;
                }
                else if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
                    Error(Position(), "structure", $"Text is not allowed in '{child.Name}': it holds a resource element", Path(parent, child.Name));
            }
        }
        if (!found)
            Error(start, "structure", $"'{child.Name}' must hold a resource element, e.g. <{child.Name}><Patient>…</Patient></{child.Name}> (R4 §2.7)", Path(parent, child.Name));
    }

    private bool IsResourceType(string type) =>
        type is "Resource" or "DomainResource" || (registry.IsResourceType(type) && registry.GetTypeDefinition(type)?.IsAbstract == true);

    /// <summary>Adds the attribute nodes that come before <paramref name="order"/> in the definition.</summary>
    private static void Flush(ElementNode node, List<ElementNode>? attributes, ref int flushed, int order)
    {
        if (attributes is null) return;
        while (flushed < attributes.Count && attributes[flushed].Definition!.Order < order) node.Add(attributes[flushed++]);
    }

    /// <summary>Checks a value of <paramref name="node"/>, or of its attribute <paramref name="attribute"/> (id, url).</summary>
    private void CheckPrimitive(string type, string value, (int Line, int Column) at, ElementNode node, string? attribute)
    {
        if (primitives.Check(type, value, options) is not { } problem) return;
        // Same issue code as the JSON parser for an over-long value.
        var limit = type == "base64Binary" ? options.MaxBase64Length : options.MaxStringLength;
        Error(at, value.Length > limit ? "too-long" : "value", problem, attribute is null ? Where(node) : Path(node, attribute));
    }

    // Locations are built only when an issue needs one: computing them walks up to the root. Past
    // ParserOptions.MaxIssues none is: a location counts the node's earlier siblings of its name, and making one for
    // each of 100,000 faulty repeats would take time quadratic in their number.
    private string? Path(ElementNode parent, string name) => Where(parent) is { } at ? at + "." + name : null;

    private string? Where(ElementNode node) => issues.Count >= options.MaxIssues ? null : node.Location;

    /// <summary>Reads past the element the reader is on, without recursion; its content is not looked at.</summary>
    private void SkipElement()
    {
        if (reader.IsEmptyElement) return;
        var depth = reader.Depth;
        while (Read())
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) return;
    }

    /// <summary>The only way the session moves the reader: an element nested deeper than allowed ends the parse.</summary>
    private bool Read()
    {
        if (!reader.Read()) return false;
        if (reader.NodeType == XmlNodeType.Element && reader.Depth >= options.MaxXmlDepth)
        {
            var (line, column) = ElementStart();
            throw new XmlDepthException(line, column);
        }
        return true;
    }

    private (int Line, int Column) Position() => (_lineInfo.LineNumber, _lineInfo.LinePosition);

    // IXmlLineInfo gives an element's position at its name; the issue points at its '<'.
    private (int Line, int Column) ElementStart() => (_lineInfo.LineNumber, Math.Max(1, _lineInfo.LinePosition - 1));

    /// <summary>Errors not reported, past <see cref="ParserOptions.MaxIssues"/>.</summary>
    public int Omitted { get; private set; }

    private void Error((int Line, int Column) at, string code, string message, string? location)
    {
        if (issues.Count >= options.MaxIssues) Omitted++;
        else issues.Add(new OutcomeIssue(IssueSeverity.Error, code, message, location, at.Line, at.Column));
    }
}
