namespace FhirServer.Conformance.Serialization;

/// <summary>
/// Raised inside the XML parser when the input nests deeper than <see cref="ParserOptions.MaxXmlDepth"/>; caught at the
/// top and turned into a fatal issue, so that a hostile document ends the parse before any deep recursion.
/// </summary>
internal sealed class XmlDepthException(int line, int column) : Exception("The XML content is nested too deeply")
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}
