using System.Text;
using System.Xml;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// Reads a narrative <c>div</c> (R4 §2.4.1, type xhtml) into the text the model carries: the same string the JSON
/// form holds, so that JSON → XML → JSON gives the div back unchanged. When the div's own start tag declares the
/// XHTML namespace as default, the value is the div's exact source text (entities, quotes and line ends as written).
/// Otherwise (a prefix such as <c>&lt;h:div&gt;</c>, or a namespace declared on an ancestor) the source text would not
/// stand alone, so the div is re-serialized with <c>xmlns="http://www.w3.org/1999/xhtml"</c> on the div itself.
/// </summary>
internal static class XmlNarrativeReader
{
    private static readonly XmlWriterSettings CopySettings = new()
    {
        ConformanceLevel = ConformanceLevel.Fragment,
        OmitXmlDeclaration = true,
        // Keeps CR, LF and tab in attribute values as character references, so the copy reads back to the same values.
        NewLineHandling = NewLineHandling.Entitize,
        CheckCharacters = true,
    };

    /// <summary>
    /// Reads the div the reader is on, leaving the reader on the div's end (its EndElement, or the div itself when
    /// empty). Returns the div's source text when its start tag makes it stand alone (else null), and a standalone
    /// copy, which the caller falls back to if the source text turns out not to be well-formed alone (an inner
    /// element using a prefix declared outside the div).
    /// </summary>
    public static (string? Source, string? Copy) Read(XmlReader reader, XmlSourceText source, int maxDepth)
    {
        var info = (IXmlLineInfo)reader;
        var start = source.Offset(info.LineNumber, info.LinePosition) - 1;
        var standalone = reader.Prefix.Length == 0 && DeclaresDefaultXhtml(reader);
        var divDepth = reader.Depth;

        var copy = new StringBuilder();
        var writer = XmlWriter.Create(copy, CopySettings);
        var copying = TryCopy(writer, reader);
        var end = -1;
        if (reader.IsEmptyElement) end = source.EndOfStartTag(start);
        else
        {
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth >= maxDepth)
                    throw new XmlDepthException(info.LineNumber, Math.Max(1, info.LinePosition - 1));
                copying = copying && TryCopy(writer, reader);
                if (reader.NodeType != XmlNodeType.EndElement || reader.Depth != divDepth) continue;
                // The end tag is "</" Name S? ">" (XML 1.0 §3.1); the reported position is that of Name.
                var close = source.Text.IndexOf('>', source.Offset(info.LineNumber, info.LinePosition));
                end = close < 0 ? -1 : close + 1;
                break;
            }
        }
        copying = copying && TryClose(writer);
        var text = standalone && start >= 0 && end > start && source.Text[start] == '<' ? source.Text[start..end] : null;
        return (text, copying ? copy.ToString() : null);
    }

    // The reader only yields well-formed, namespace-correct content, so the copy should never fail; if the writer
    // still refuses something, the copy is given up rather than the parse. The reader's own XmlException (bad
    // content, found as values are read) is not caught: it ends the parse.
    private static bool TryCopy(XmlWriter writer, XmlReader reader)
    {
        try
        {
            CopyNode(writer, reader);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            reader.MoveToElement();
            return false;
        }
    }

    private static bool TryClose(XmlWriter writer)
    {
        try
        {
            writer.Dispose();
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Whether the start tag the reader is on declares XHTML as its default namespace itself.</summary>
    private static bool DeclaresDefaultXhtml(XmlReader reader)
    {
        if (!reader.MoveToFirstAttribute()) return false;
        var found = false;
        do
        {
            if (reader.NamespaceURI == XmlNamespaces.Xmlns && reader.Prefix.Length == 0 && reader.LocalName == "xmlns")
                found = reader.Value == XmlNamespaces.Xhtml;
        } while (reader.MoveToNextAttribute());
        reader.MoveToElement();
        return found;
    }

    private static void CopyNode(XmlWriter writer, XmlReader reader)
    {
        switch (reader.NodeType)
        {
            case XmlNodeType.Element:
                WriteStart(writer, reader);
                if (reader.IsEmptyElement) writer.WriteEndElement();
                break;
            case XmlNodeType.EndElement:
                writer.WriteFullEndElement();
                break;
            case XmlNodeType.Text:
                writer.WriteString(reader.Value);
                break;
            case XmlNodeType.CDATA:
                writer.WriteCData(reader.Value);
                break;
            case XmlNodeType.Whitespace:
            case XmlNodeType.SignificantWhitespace:
                writer.WriteWhitespace(reader.Value);
                break;
            case XmlNodeType.Comment:
                writer.WriteComment(reader.Value);
                break;
            case XmlNodeType.ProcessingInstruction:
                writer.WriteProcessingInstruction(reader.Name, reader.Value);
                break;
        }
    }

    // XHTML elements lose their prefix, so the default namespace declared on the div covers them; elements of
    // other namespaces (SVG, MathML) keep theirs. Namespace declarations are left to the writer, which emits
    // exactly those the copy needs.
    private static void WriteStart(XmlWriter writer, XmlReader reader)
    {
        var ns = reader.NamespaceURI;
        writer.WriteStartElement(ns == XmlNamespaces.Xhtml ? "" : reader.Prefix, reader.LocalName, ns);
        if (!reader.MoveToFirstAttribute()) return;
        do
        {
            if (reader.NamespaceURI == XmlNamespaces.Xmlns) continue;
            writer.WriteAttributeString(reader.Prefix, reader.LocalName, reader.NamespaceURI, reader.Value);
        } while (reader.MoveToNextAttribute());
        reader.MoveToElement();
    }
}
