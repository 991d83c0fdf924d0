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

    private static readonly XmlReaderSettings FragmentSettings = new()
    {
        ConformanceLevel = ConformanceLevel.Fragment,
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
    };

    /// <summary>
    /// Reads the div the reader is on, leaving the reader on the div's end (its EndElement, or the div itself when
    /// empty). Returns the div's source text when its own start tag declares the XHTML default namespace; else
    /// null, and a standalone copy (null only if it could not be made).
    /// </summary>
    public static (string? Source, string? Copy) Read(XmlReader reader, XmlSourceText source, int maxDepth)
    {
        var info = (IXmlLineInfo)reader;
        var start = source.Offset(info.LineNumber, info.LinePosition) - 1;
        var standalone = reader.Prefix.Length == 0 && DeclaresDefaultXhtml(reader) && start >= 0 && source.Text[start] == '<';
        var divDepth = reader.Depth;

        // A div that stands alone is only walked to find its end; one that does not is copied as it is read.
        var copy = standalone ? null : new StringBuilder();
        var writer = copy is null ? null : XmlWriter.Create(copy, CopySettings);
        var copying = writer is not null && TryCopy(writer, reader);
        var end = -1;
        if (reader.IsEmptyElement) end = source.EndOfStartTag(start);
        else
        {
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Depth >= maxDepth)
                    throw new XmlDepthException(info.LineNumber, Math.Max(1, info.LinePosition - 1));
                copying = copying && TryCopy(writer!, reader);
                if (reader.NodeType != XmlNodeType.EndElement || reader.Depth != divDepth) continue;
                // The end tag is "</" Name S? ">" (XML 1.0 §3.1); the reported position is that of Name.
                var close = source.Text.IndexOf('>', source.Offset(info.LineNumber, info.LinePosition));
                end = close < 0 ? -1 : close + 1;
                break;
            }
        }
        if (standalone && end > start) return (source.Text[start..end], null);
        copying = copying && TryClose(writer!);
        return (null, copying ? copy!.ToString() : null);
    }

    /// <summary>
    /// A standalone copy of div source text whose inner elements use prefixes declared outside the div:
    /// <paramref name="scope"/> (the reader, still inside the div's scope) supplies those declarations.
    /// </summary>
    public static string? Normalize(string divText, IXmlNamespaceResolver scope)
    {
        var namespaces = new XmlNamespaceManager(new NameTable());
        foreach (var (prefix, uri) in scope.GetNamespacesInScope(XmlNamespaceScope.ExcludeXml))
            if (prefix.Length > 0) namespaces.AddNamespace(prefix, uri);
        var copy = new StringBuilder();
        try
        {
            using var reader = XmlReader.Create(new StringReader(divText), FragmentSettings, new XmlParserContext(null, namespaces, null, XmlSpace.None));
            using (var writer = XmlWriter.Create(copy, CopySettings))
                while (reader.Read()) CopyNode(writer, reader);
            return copy.ToString();
        }
        catch (Exception ex) when (ex is XmlException or ArgumentException or InvalidOperationException)
        {
            // The text was read once already inside the document; failing here only means no better copy exists.
            return null;
        }
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
