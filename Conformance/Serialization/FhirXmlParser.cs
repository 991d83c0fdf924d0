using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Xml;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// Reads FHIR XML (R4 §2.7) into the same <see cref="ElementNode"/> tree <see cref="FhirJsonParser"/> builds from
/// the JSON form of the resource, with a forward-only <see cref="XmlReader"/>: no DOM. Every element is typed by the
/// definitions as it is read; unknown elements and attributes, text content, elements out of definition order,
/// empty elements and invalid primitive values are reported with their location and line/column, never dropped
/// silently. DTDs, entity expansion and external resolution are refused outright. Bad input never throws.
/// </summary>
public sealed class FhirXmlParser
{
    private readonly DefinitionRegistry _registry;
    private readonly PrimitiveRules _primitives;
    private readonly ParserOptions _options;

    public FhirXmlParser(DefinitionRegistry registry, ParserOptions? options = null, PrimitiveRules? primitives = null)
    {
        _registry = registry;
        _options = options ?? ParserOptions.Default;
        _primitives = primitives ?? new PrimitiveRules(registry);
    }

    public ParseResult Parse(string xml)
    {
        // A BOM left in a decoded string is not content; dropping it keeps reader positions and string offsets aligned.
        if (xml.Length > 0 && xml[0] == '\uFEFF') xml = xml[1..];
        return ParseText(xml, declaredEncodingMatters: false);
    }

    public ParseResult Parse(Stream stream)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Parse(ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    public ParseResult Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..];
        else if (utf8.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || utf8.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
            return Fatal("The content is UTF-16; FHIR XML must be encoded in UTF-8 (R4 http.html: UTF-8 for all bodies)", 1, 1);
        if (!Utf8.IsValid(utf8))
        {
            var offset = FirstInvalidUtf8(utf8);
            var (line, col) = BytePosition(utf8, offset);
            return Fatal($"The content is not valid UTF-8 (invalid byte 0x{utf8[offset]:X2} at offset {offset})", line, col);
        }
        return ParseText(Encoding.UTF8.GetString(utf8), declaredEncodingMatters: true);
    }

    private ParseResult ParseText(string xml, bool declaredEncodingMatters)
    {
        var issues = new List<OutcomeIssue>();
        if (string.IsNullOrWhiteSpace(xml))
        {
            issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure", "The content is empty"));
            return new ParseResult(null, issues);
        }
        using var reader = XmlReader.Create(new StringReader(xml), ReaderSettings);
        var source = new XmlSourceText(xml);
        var session = new XmlParseSession(reader, source, _registry, _options, _primitives, issues, declaredEncodingMatters);
        ElementNode? root;
        try
        {
            root = session.Run();
        }
        catch (XmlException ex)
        {
            // The DTD refusal carries no position: point at the DOCTYPE itself.
            var doctype = xml.IndexOf("<!DOCTYPE", StringComparison.Ordinal);
            var refusedDtd = ex.LineNumber == 0 && doctype >= 0;
            var (line, col) = ex.LineNumber > 0 ? (ex.LineNumber, ex.LinePosition) : doctype >= 0 ? source.LineColumn(doctype) : (0, 0);
            // The reader's own words for the refusal tell the client how to turn DTD processing on, which is not theirs to do.
            var message = refusedDtd
                ? "A document type declaration (DTD, <!DOCTYPE …>) is not allowed: FHIR XML has none, and no entity is declared or expanded (R4 §2.7)"
                : $"Invalid XML: {StripPosition(ex.Message)}";
            issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure", message, null, line, col));
            root = null;
        }
        catch (XmlDepthException ex)
        {
            issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure",
                $"The content is nested deeper than the limit of {_options.MaxXmlDepth} levels of XML elements ({_options.MaxDepth} of JSON)", null, ex.Line, ex.Column));
            root = null;
        }
        if (session.Omitted > 0) issues.Add(_options.Omitted(session.Omitted));
        return new ParseResult(root, issues);
    }

    // Security (R4 §2.7 and the security page): no DTD, so no entity can be declared or expanded (XXE, "billion
    // laughs"), no resolver, and no characters from entities. Comments, PIs and whitespace are skipped by the
    // session itself because inside the narrative they are content.
    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        IgnoreComments = false,
        IgnoreProcessingInstructions = false,
        IgnoreWhitespace = false,
        CheckCharacters = true,
        ConformanceLevel = ConformanceLevel.Document,
        CloseInput = true,
    };

    private static ParseResult Fatal(string message, int line, int col) =>
        new(null, [new OutcomeIssue(IssueSeverity.Fatal, "structure", message, null, line, col)]);

    // XmlException messages end with " Line n, position m."; the issue carries those separately.
    private static string StripPosition(string message)
    {
        var cut = message.LastIndexOf(" Line ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        var offset = 0;
        while (offset < utf8.Length)
        {
            if (Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }
        return 0;
    }

    private static (int Line, int Column) BytePosition(ReadOnlySpan<byte> utf8, int offset)
    {
        var before = utf8[..offset];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (line, offset - lineStart + 1);
    }
}
