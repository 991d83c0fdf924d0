using System.Text;
using System.Xml;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// Writes an <see cref="ElementNode"/> tree as FHIR XML (R4 §2.7): the resource type as root element in the FHIR
/// namespace, elements in definition order, repeating elements as repeated siblings, primitive values in a
/// <c>value</c> attribute with their literal text kept (decimals as written), <c>id</c> and <c>Extension.url</c> as
/// attributes, resources held by an element wrapped in it (<c>&lt;contained&gt;&lt;Patient&gt;</c>), and the narrative
/// div written verbatim: the model carries it as the XHTML text the parsers checked.
/// </summary>
public static class FhirXmlWriter
{
    public static string WriteToString(ElementNode resource, bool pretty = false, bool xmlDeclaration = false) =>
        Encoding.UTF8.GetString(WriteToBytes(resource, pretty, xmlDeclaration));

    public static byte[] WriteToBytes(ElementNode resource, bool pretty = false, bool xmlDeclaration = false)
    {
        using var ms = new MemoryStream();
        Write(ms, resource, pretty, xmlDeclaration);
        return ms.ToArray();
    }

    public static void Write(Stream stream, ElementNode resource, bool pretty = false, bool xmlDeclaration = false)
    {
        using var writer = XmlWriter.Create(stream, Settings(pretty, xmlDeclaration));
        Write(writer, resource);
    }

    /// <summary>Writes the resource as one element into a writer the caller owns.</summary>
    public static void Write(XmlWriter writer, ElementNode resource)
    {
        writer.WriteStartElement(resource.Type, XmlNamespaces.Fhir);
        WriteContent(writer, resource);
        writer.WriteEndElement();
    }

    private static XmlWriterSettings Settings(bool pretty, bool xmlDeclaration) => new()
    {
        // UTF-8 without a byte order mark: FHIR bodies are UTF-8 and the declaration, when written, says so.
        Encoding = new UTF8Encoding(false),
        OmitXmlDeclaration = !xmlDeclaration,
        Indent = pretty,
        IndentChars = "  ",
        NewLineChars = "\n",
        // CR, LF and tab in values become character references: a reader normalizes literal ones in attributes to spaces.
        NewLineHandling = NewLineHandling.Entitize,
        CloseOutput = false,
    };

    private static void WriteContent(XmlWriter writer, ElementNode node)
    {
        var children = FhirJsonWriter.InDefinitionOrder(node.Children);
        // Attributes first: XML puts them on the start tag, id before value (R4 §2.7).
        foreach (var child in children)
            if (IsAttribute(child, node))
                writer.WriteAttributeString(child.Name, XmlText(child.Value!));
        if (node.HasValue && FhirJsonWriter.IsPrimitiveNode(node)) writer.WriteAttributeString("value", XmlText(node.Value!));
        foreach (var child in children)
            if (!IsAttribute(child, node))
                WriteElement(writer, child);
    }

    private static void WriteElement(XmlWriter writer, ElementNode node)
    {
        if (node.IsResource)
        {
            writer.WriteStartElement(node.Name, XmlNamespaces.Fhir);
            Write(writer, node);
            writer.WriteEndElement();
            return;
        }
        if (node.Type == "xhtml")
        {
            // The div is XHTML text in its own namespace (R4 §2.4.1), already checked well-formed by the parser.
            if (node.Value is not null) writer.WriteRaw(node.Value);
            return;
        }
        writer.WriteStartElement(node.SerializedName, XmlNamespaces.Fhir);
        WriteContent(writer, node);
        writer.WriteEndElement();
    }

    /// <summary>
    /// The value with every character XML 1.0 cannot hold (§2.2: C0 controls other than tab, CR and LF, lone
    /// surrogates, U+FFFE and U+FFFF) replaced by U+FFFD. The parsers refuse such characters in FHIR values, but the
    /// messages of an OperationOutcome may quote what a client sent, and an answer must be writable whatever it quotes.
    /// </summary>
    internal static string XmlText(string value)
    {
        if (IndexOfInvalid(value) < 0) return value;
        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
                continue;
            }
            text.Append(XmlConvert.IsXmlChar(c) ? c : '\uFFFD');
        }
        return text.ToString();
    }

    private static int IndexOfInvalid(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) i++;
            else if (!XmlConvert.IsXmlChar(c)) return i;
        }
        return -1;
    }

    // Elements whose definition says xmlAttr: id of elements (not Resource.id) and Extension.url. A node built
    // without definitions falls back on those names.
    private static bool IsAttribute(ElementNode child, ElementNode parent) =>
        !child.IsResource && child.HasValue &&
        (child.Definition?.IsXmlAttribute ?? (!parent.IsResource && (child.Name == "id" || (child.Name == "url" && parent.Type == "Extension"))));
}
