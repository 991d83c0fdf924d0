namespace FhirServer.Conformance.Serialization;

/// <summary>
/// The XML source as the reader sees it, to cut out the exact text of an element (the narrative div) from the
/// line/position pairs <see cref="System.Xml.IXmlLineInfo"/> reports. Those count CR LF, a lone CR and a lone LF
/// each as one line break (XML 1.0 §2.11) and positions in UTF-16 code units, so the line table does the same.
/// </summary>
internal sealed class XmlSourceText(string text)
{
    private int[]? _lineStarts;

    public string Text { get; } = text;

    /// <summary>Offset in <see cref="Text"/> of a 1-based line and position.</summary>
    public int Offset(int line, int position)
    {
        var starts = _lineStarts ??= BuildLineStarts(Text);
        var index = Math.Clamp(line - 1, 0, starts.Length - 1);
        return Math.Clamp(starts[index] + position - 1, 0, Text.Length);
    }

    /// <summary>1-based line and position of an offset: the inverse of <see cref="Offset"/>.</summary>
    public (int Line, int Column) LineColumn(int offset)
    {
        var starts = _lineStarts ??= BuildLineStarts(Text);
        var index = Array.BinarySearch(starts, offset);
        if (index < 0) index = ~index - 1;
        return (index + 1, offset - starts[index] + 1);
    }

    /// <summary>
    /// Offset just after the start tag that begins at <paramref name="tagStart"/> (a <c>&lt;</c>). Quoted attribute
    /// values may hold <c>&gt;</c> (XML 1.0 §2.3 AttValue), so quotes are skipped; -1 if the tag never ends.
    /// </summary>
    public int EndOfStartTag(int tagStart)
    {
        var quote = '\0';
        for (var i = tagStart + 1; i < Text.Length; i++)
        {
            var c = Text[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
            }
            else if (c is '"' or '\'') quote = c;
            else if (c == '>') return i + 1;
        }
        return -1;
    }

    private static int[] BuildLineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                starts.Add(i + 1);
            }
            else if (c == '\n') starts.Add(i + 1);
        }
        return [.. starts];
    }
}
