using System.Globalization;
using System.Text;

namespace FhirServer.Samples;

/// <summary>
/// A minimal, valid PDF 1.4 (ISO 32000-1 §7.5: header, objects, cross-reference table, trailer) of one A4 page of
/// text lines in Helvetica, WinAnsiEncoding so that French accents show. No dates or random ids inside: the same
/// lines give the same bytes.
/// </summary>
internal static class PdfDocument
{
    /// <param name="minimumBytes">
    /// Past the text, a stream object no page uses, of pseudo-random bytes (seeded from the title and lines, so still
    /// the same bytes for the same lines) making the file at least this large: the size of a scanned report, and as
    /// incompressible, for the document benchmarks. 0: none.
    /// </param>
    public static byte[] Create(string title, IReadOnlyList<string> lines, int minimumBytes = 0)
    {
        var content = new StringBuilder("BT /F1 16 Tf 56 780 Td 22 TL (").Append(Escape(title)).Append(") Tj /F1 11 Tf T* T*");
        foreach (var line in lines) content.Append(" (").Append(Escape(line)).Append(") Tj T*");
        content.Append(" ET");
        var stream = Latin1(content.ToString());

        var objects = new List<byte[]>
        {
            Latin1("<< /Type /Catalog /Pages 2 0 R >>"),
            Latin1("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
            Latin1("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"),
            Latin1("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
            Latin1($"<< /Length {stream.Length} >>\nstream\n").Concat(stream).Concat(Latin1("\nendstream")).ToArray(),
            Latin1($"<< /Title ({Escape(title)}) /Producer (FhirServer samples) >>"),
        };
        // The objects alone: the file's header, object lines and cross-reference table make it a little larger.
        var written = objects.Sum(o => o.Length);
        if (minimumBytes > written)
        {
            var filler = new byte[minimumBytes - written];
            new Random(StableHash(title, lines)).NextBytes(filler);
            objects.Add(Latin1($"<< /Length {filler.Length} >>\nstream\n").Concat(filler).Concat(Latin1("\nendstream")).ToArray());
        }

        using var pdf = new MemoryStream();
        // The binary comment line tells transfer tools the file is binary (§7.5.2).
        Write(pdf, "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Position);
            Write(pdf, $"{i + 1} 0 obj\n");
            pdf.Write(objects[i]);
            Write(pdf, "\nendobj\n");
        }
        var xref = pdf.Position;
        // Each cross-reference entry is exactly 20 bytes, its end of line included (§7.5.4).
        var table = new StringBuilder($"xref\n0 {objects.Count + 1}\n0000000000 65535 f\r\n");
        foreach (var offset in offsets) table.Append(offset.ToString("D10", CultureInfo.InvariantCulture)).Append(" 00000 n\r\n");
        table.Append($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        Write(pdf, table.ToString());
        return pdf.ToArray();
    }

    // FNV-1a over the text: string.GetHashCode differs from process to process.
    private static int StableHash(string title, IReadOnlyList<string> lines)
    {
        var hash = 2166136261u;
        foreach (var text in lines.Prepend(title))
            foreach (var c in text) hash = (hash ^ c) * 16777619u;
        return (int)(hash & int.MaxValue);
    }

    private static void Write(Stream stream, string text) => stream.Write(Latin1(text));

    // WinAnsiEncoding is Latin-1 for the letters French needs, except œ and typographic quotes: spelled out first.
    private static byte[] Latin1(string text) =>
        Encoding.Latin1.GetBytes(text.Replace("œ", "oe").Replace("Œ", "OE").Replace('’', '\'').Replace('–', '-'));

    // String literals (§7.3.4.2): backslash and parentheses escaped.
    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("(", "\\(").Replace(")", "\\)");
}
