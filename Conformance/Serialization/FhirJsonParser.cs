using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// Reads FHIR JSON (R4 §2.6) straight from UTF-8 bytes into an <see cref="ElementNode"/> tree with
/// <see cref="Utf8JsonReader"/>: no intermediate DOM. Every element is typed by the definitions as it is read;
/// anything the definitions do not allow (unknown or duplicate properties, wrong JSON types, empty objects or
/// arrays, nulls, invalid primitive values) is reported with its location and line/column, never dropped silently.
/// Bad input never throws: the result carries the issues.
/// </summary>
public sealed partial class FhirJsonParser
{
    private readonly DefinitionRegistry _registry;
    private readonly PrimitiveRules _primitives;
    private readonly ParserOptions _options;

    public FhirJsonParser(DefinitionRegistry registry, ParserOptions? options = null, PrimitiveRules? primitives = null)
    {
        _registry = registry;
        _options = options ?? ParserOptions.Default;
        _primitives = primitives ?? new PrimitiveRules(registry);
    }

    public ParseResult Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    public ParseResult Parse(Stream stream)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Parse(ms.GetBuffer().AsMemory(0, (int)ms.Length));
    }

    /// <summary>
    /// Parses a buffer the tree may keep referring to: base64 values stay slices of it until read, so the caller must
    /// not reuse or return it to a pool while the tree lives (the span overload copies).
    /// </summary>
    public ParseResult Parse(byte[] utf8) => Parse(utf8.AsMemory());

    public ParseResult Parse(ReadOnlySpan<byte> utf8) => Parse(utf8.ToArray().AsMemory());

    public ParseResult Parse(ReadOnlyMemory<byte> utf8)
    {
        // A UTF-8 BOM is tolerated (RFC 8259 §8.1 lets parsers ignore it). Dropped here, before anything keeps offsets
        // into the buffer (positions, base64 values held as slices of it).
        if (utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..];
        var session = new Session(this, utf8);
        var root = session.Run(utf8.Span);
        session.ReleaseBuffers();
        if (session.Omitted > 0) session.Issues.Add(_options.Omitted(session.Omitted));
        return new ParseResult(root, session.Issues);
    }

    /// <summary>State of one parse: the issues found and the source, for turning byte offsets into line/column.</summary>
    private sealed class Session(FhirJsonParser parser, ReadOnlyMemory<byte> source)
    {
        private readonly ReadOnlyMemory<byte> _source = source;
        private readonly Utf8Source _utf8Source = Utf8Source.JsonTokens(source);
        public readonly List<OutcomeIssue> Issues = [];
        public int Omitted;
        private int _nullPlaceholders;
        private readonly DefinitionRegistry _registry = parser._registry;
        private readonly ParserOptions _options = parser._options;

        public ElementNode? Run(ReadOnlySpan<byte> utf8)
        {
            if (!Utf8.IsValid(utf8))
            {
                var offset = FirstInvalidUtf8(utf8);
                var (line, col) = Position(offset);
                Issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure",
                    $"The content is not valid UTF-8 (invalid byte 0x{utf8[offset]:X2} at offset {offset})", null, line, col));
                return null;
            }
            if (utf8.Trim(" \t\r\n"u8).IsEmpty)
            {
                Issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure", "The content is empty"));
                return null;
            }
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
            {
                MaxDepth = parser._options.MaxDepth,
                CommentHandling = JsonCommentHandling.Disallow,
                AllowTrailingCommas = false,
            });
            try
            {
                if (!reader.Read())
                {
                    Issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure", "The content is empty"));
                    return null;
                }
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Fatal(ref reader, "A FHIR resource in JSON must be a JSON object", null);
                    return null;
                }
                var root = ReadResource(ref reader, null, null);
                if (reader.Read())
                    Fatal(ref reader, "Unexpected content after the end of the resource", null);
                return root;
            }
            catch (JsonException ex)
            {
                var message = ex.Message;
                var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
                if (cut > 0) message = message[..cut];
                if (message.Contains("maximum configured depth", StringComparison.Ordinal))
                    message = $"The content is nested deeper than the limit of {parser._options.MaxDepth} levels";
                Issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure", $"Invalid JSON: {message}", null,
                    (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1));
                return null;
            }
        }

        /// <summary>
        /// Reads a resource object (reader on its StartObject). <paramref name="element"/> is the element holding it
        /// (contained, Bundle.entry.resource…), null at the root.
        /// </summary>
        private ElementNode? ReadResource(ref Utf8JsonReader reader, ElementDefinitionInfo? element, ElementNode? parent)
        {
            var start = reader.TokenStartIndex;
            var resourceType = FindResourceType(reader, out var undecodable);
            if (undecodable is not null)
            {
                Error(start, "structure", $"Invalid JSON string: {undecodable}", ResourceLocation(parent, element));
                reader.Skip();
                return null;
            }
            if (resourceType is null)
            {
                Error(start, "structure", "The resource has no 'resourceType' property", ResourceLocation(parent, element));
                reader.Skip();
                return null;
            }
            var sd = _registry.IsResourceType(resourceType) ? _registry.GetTypeDefinition(resourceType) : null;
            if (sd?.Root is null)
            {
                Error(start, "structure", $"Unknown resource type '{resourceType}'", ResourceLocation(parent, element));
                reader.Skip();
                return null;
            }
            ElementNode node;
            // The registry's string for the type: equal, and shared with the shapes of earlier resources of the type.
            if (sd.Type == resourceType) resourceType = sd.Type;
            node = new ElementNode(element is null
                ? NodeShape.For(resourceType, resourceType, sd.Root, isResource: true)
                : NodeShape.For(element.Name, resourceType, element, isResource: true));
            SetPosition(node, start);
            parent?.Add(node);
            ReadObjectMembers(ref reader, node, PropertyTable.For(sd.Root, _registry), isResource: true, primitiveOnly: false);
            return node;
        }

        // Looks ahead inside the object for "resourceType": it is usually first, but JSON objects are unordered.
        // An escape that is no valid UTF-16 (a lone surrogate) in the type is reported through undecodable.
        private static string? FindResourceType(Utf8JsonReader reader, out string? undecodable)
        {
            undecodable = null;
            var depth = reader.CurrentDepth;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth) return null;
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != depth + 1) continue;
                if (reader.ValueIsEscaped ? TryUnescape(ref reader, out var name, out _) && name.AsSpan().SequenceEqual("resourceType"u8)
                        : reader.ValueTextEquals("resourceType"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String) return null;
                    if (!reader.ValueIsEscaped) return Encoding.UTF8.GetString(reader.ValueSpan);
                    return TryUnescape(ref reader, out var type, out undecodable) ? Encoding.UTF8.GetString(type) : null;
                }
                reader.Read();
                reader.Skip();
            }
            return null;
        }

        // The unescaped UTF-8 of the current string or property name; false (with the reader's message) when an
        // escape is no valid UTF-16, such as a lone surrogate.
        private static bool TryUnescape(ref Utf8JsonReader reader, out byte[] utf8, out string? problem)
        {
            var buffer = new byte[reader.ValueSpan.Length];
            try
            {
                utf8 = buffer.AsSpan(0, reader.CopyString(buffer)).ToArray();
                problem = null;
                return true;
            }
            catch (InvalidOperationException ex)
            {
                utf8 = [];
                problem = ex.Message;
                return false;
            }
        }

        /// <summary>
        /// Reads the members of an object into <paramref name="node"/>. <paramref name="table"/> holds the
        /// allowed children. With <paramref name="primitiveOnly"/> (a <c>_name</c> object) only id and extension are allowed.
        /// </summary>
        private void ReadObjectMembers(ref Utf8JsonReader reader, ElementNode node, PropertyTable table, bool isResource, bool primitiveOnly)
        {
            var objectStart = reader.TokenStartIndex;
            var placeholdersBefore = _nullPlaceholders;
            var seen = new SeenSet();
            var members = 0;
            var children = RentChildBuffer();
            node.BeginChildren(children);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                members++;
                var propertyStart = reader.TokenStartIndex;
                // The name as UTF-8: a slice of the input, or (escaped, rare) its unescaped bytes.
                ReadOnlySpan<byte> name;
                if (!reader.ValueIsEscaped) name = reader.ValueSpan;
                else if (TryUnescape(ref reader, out var unescaped, out var problem)) name = unescaped;
                else
                {
                    Error(propertyStart, "structure", $"Invalid JSON string: {problem}", Where(node));
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                reader.Read();

                if (isResource && name.SequenceEqual("resourceType"u8))
                {
                    if (reader.TokenType != JsonTokenType.String)
                        Error(propertyStart, "structure", "'resourceType' must be a string", Where(node));
                    reader.Skip();
                    continue;
                }

                var property = table.Find(name);
                if (property is null || (primitiveOnly && !property.IsIdOrExtension))
                {
                    var text = Encoding.UTF8.GetString(name);
                    Error(propertyStart, "structure", $"Unrecognized property '{text}'", Where(node, text));
                    node.MarkContentRefused();
                    reader.Skip();
                    continue;
                }
                if (!seen.Add(property.Order, property.Underscore))
                {
                    ReportDuplicate(node, property, Encoding.UTF8.GetString(name), propertyStart);
                    reader.Skip();
                    continue;
                }

                if (property.Underscore && !property.IsPrimitive)
                {
                    Error(propertyStart, "structure", $"'{Encoding.UTF8.GetString(name)}' is only allowed for primitive elements", Where(node));
                    reader.Skip();
                    continue;
                }
                ReadProperty(ref reader, node, property, seen.Has(property.Order, !property.Underscore));
            }
            if (members == 0)
                Error(objectStart, "structure", "Empty objects are not allowed: an element must have a value or children (R4 §2.6.2)", Where(node));
            if (_nullPlaceholders != placeholdersBefore) ReportUnmatchedNulls(node);
            node.EndChildren(children);
            _childBuffersInUse--;
        }

        // One list per nesting level collects the children of the object being read there; the node keeps them as
        // an array of the exact size, so a parent costs one allocation instead of a list that grows. The lists serve
        // the thread's next parse too.
        private readonly List<List<ElementNode>> _childBuffers = TakeChildBuffers();
        private int _childBuffersInUse;

        [ThreadStatic] private static List<List<ElementNode>>? t_childBuffers;

        private static List<List<ElementNode>> TakeChildBuffers()
        {
            var buffers = t_childBuffers ?? [];
            t_childBuffers = null;
            return buffers;
        }

        /// <summary>Hands the child lists to the thread's next parse, empty (a parse cut short leaves nodes in them).</summary>
        public void ReleaseBuffers()
        {
            // A list grown by an object with very many members is not kept, nor are those of very deep nesting.
            _childBuffers.RemoveAll(b => b.Capacity > 1024);
            if (_childBuffers.Count > 64) _childBuffers.RemoveRange(64, _childBuffers.Count - 64);
            foreach (var b in _childBuffers) b.Clear();
            t_childBuffers = _childBuffers;
            if (_unescaped is { Length: <= MaxKeptBuffer }) t_unescaped = _unescaped;
        }

        private List<ElementNode> RentChildBuffer()
        {
            if (_childBuffersInUse == _childBuffers.Count) _childBuffers.Add(new List<ElementNode>(16));
            return _childBuffers[_childBuffersInUse++];
        }

        private void ReportDuplicate(ElementNode node, JsonProperty property, string text, long propertyStart)
        {
            var child = property.Element;
            // The node the first choice property created tells which type came first; no bookkeeping on the hot path.
            string? other = null;
            if (child.IsChoice && !property.Underscore)
                foreach (var c in node.Children)
                    if (ReferenceEquals(c.Definition, child))
                    {
                        other = c.SerializedName;
                        break;
                    }
            var message = other is not null && other != text
                ? $"Only one of the choice types of '{child.Name}[x]' may be present (found '{other}' and '{text}')"
                : $"Duplicate property '{text}'";
            Error(propertyStart, "structure", message, Where(node, text));
        }

        // A null in a primitive array stands for "no value here, see _name"; left alone it says nothing (R4 §2.6.2.1).
        private void ReportUnmatchedNulls(ElementNode node)
        {
            foreach (var c in node.Children)
                if (!c.HasValue && !c.HasChildren && !c.IsResource && FhirJsonWriter.IsPrimitiveNode(c))
                    if (Issues.Count >= _options.MaxIssues) Omitted++;
                    else Issues.Add(new OutcomeIssue(IssueSeverity.Error, "structure",
                        $"null at index {c.Index} of '{c.Name}' has no matching entry in '_{c.Name}'", c.Location, c.Line, c.Column));
        }

        private void ReadProperty(ref Utf8JsonReader reader, ElementNode parent, JsonProperty property, bool otherPartSeen)
        {
            var child = property.Element;
            if (property.IsCollection)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    Error(reader.TokenStartIndex, "structure", $"'{child.Name}' repeats, so its JSON value must be an array", Loc(parent, child));
                    // Read the single value anyway so that nothing is lost.
                    ReadItem(ref reader, parent, property, otherPartSeen ? 0 : -1);
                    return;
                }
                var arrayStart = reader.TokenStartIndex;
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ReadItem(ref reader, parent, property, otherPartSeen ? index : -1);
                    index++;
                }
                if (index == 0)
                {
                    Error(arrayStart, "structure", "Empty arrays are not allowed: omit the property instead (R4 §2.6.2)", Loc(parent, child));
                    parent.MarkContentRefused();
                }
                else if (otherPartSeen && CountSiblings(parent, child) != index)
                    Error(arrayStart, "structure", $"The arrays '{child.Name}' and '_{child.Name}' must have the same length", Loc(parent, child));
                return;
            }
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                Error(reader.TokenStartIndex, "structure", $"'{child.Name}' does not repeat, so its JSON value must not be an array", Loc(parent, child));
                reader.Skip();
                return;
            }
            ReadItem(ref reader, parent, property, otherPartSeen ? 0 : -1);
        }

        /// <summary>
        /// Reads one value. For a primitive, the value part and the <c>_name</c> part meet in one node:
        /// <paramref name="mergeIndex"/> ≥ 0 says the other part already created the node with that index.
        /// </summary>
        private void ReadItem(ref Utf8JsonReader reader, ElementNode parent, JsonProperty property, int mergeIndex)
        {
            var child = property.Element;
            var type = property.Type;
            var start = reader.TokenStartIndex;
            if (reader.TokenType == JsonTokenType.Null)
            {
                // null only aligns the value and _value arrays of a repeating primitive (R4 §2.6.2.1).
                if (!(property.IsCollection && property.IsPrimitive))
                    Error(start, "structure", "null is not allowed here", Loc(parent, child));
                else if (mergeIndex < 0)
                {
                    parent.Add(NewNode(property, start));
                    _nullPlaceholders++;
                }
                else if (FindSibling(parent, child, mergeIndex) is { } existing && !existing.HasValue && !existing.HasChildren)
                    Error(start, "structure", $"Both '{child.Name}' and '_{child.Name}' are null at index {mergeIndex}", Where(existing));
                return;
            }

            ElementNode node;
            if (mergeIndex >= 0 && FindSibling(parent, child, mergeIndex) is { } found) node = found;
            else
            {
                if (property.IsResource)
                {
                    if (ContainedRule.IsNested(parent, child.Name))
                    {
                        Error(start, "structure", ContainedRule.Message, Loc(parent, child));
                        reader.Skip();
                        return;
                    }
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        Error(start, "structure", $"'{child.Name}' must be a JSON object holding a resource", Loc(parent, child));
                        reader.Skip();
                        return;
                    }
                    ReadResource(ref reader, child, parent);
                    return;
                }
                node = parent.Add(NewNode(property, start));
            }

            if (property.Underscore)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    Error(start, "structure", $"'_{child.Name}' must be a JSON object holding id and extension", Where(node));
                    reader.Skip();
                    return;
                }
                var primitiveMembers = property.Members;
                if (primitiveMembers is null) { reader.Skip(); return; }
                ReadObjectMembers(ref reader, node, primitiveMembers, isResource: false, primitiveOnly: true);
                return;
            }
            if (property.IsPrimitive)
            {
                ReadPrimitiveValue(ref reader, node, property);
                return;
            }
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                Error(start, "structure", $"'{child.Name}' is of type {type} and must be a JSON object", Where(node));
                reader.Skip();
                return;
            }
            var members = property.Members;
            if (members is null)
            {
                Error(start, "not-supported", $"No definition is loaded for type '{type}'", Where(node));
                reader.Skip();
                return;
            }
            ReadObjectMembers(ref reader, node, members, isResource: false, primitiveOnly: false);
        }

        private void ReadPrimitiveValue(ref Utf8JsonReader reader, ElementNode node, JsonProperty property)
        {
            var start = reader.TokenStartIndex;
            var type = property.Type;
            var expected = property.Kind;
            string text;
            switch (reader.TokenType)
            {
                case JsonTokenType.String or JsonTokenType.Number when !reader.ValueIsEscaped && !reader.HasValueSequence &&
                    expected == (reader.TokenType == JsonTokenType.Number ? JsonPrimitiveKind.Number : JsonPrimitiveKind.String):
                    ReadUtf8Value(ref reader, node, property);
                    return;
                case JsonTokenType.String when expected == JsonPrimitiveKind.String && !reader.HasValueSequence:
                    ReadEscapedValue(ref reader, node, property);
                    return;
                case JsonTokenType.String:
                    if (!TryReadString(ref reader, property, node, out text)) return;
                    break;
                case JsonTokenType.Number:
                    text = Encoding.UTF8.GetString(reader.ValueSpan);
                    break;
                case JsonTokenType.True:
                    text = "true";
                    break;
                case JsonTokenType.False:
                    text = "false";
                    break;
                default:
                    Error(start, "structure", $"A value of type {type} must be a JSON {Describe(expected)}, not {Describe(reader.TokenType)}", Where(node));
                    reader.Skip();
                    return;
            }
            node.Value = text;
            var actual = reader.TokenType switch
            {
                JsonTokenType.Number => JsonPrimitiveKind.Number,
                JsonTokenType.True or JsonTokenType.False => JsonPrimitiveKind.Boolean,
                _ => JsonPrimitiveKind.String,
            };
            if (actual != expected)
            {
                Error(start, "structure", $"A value of type {type} must be a JSON {Describe(expected)}, not a {Describe(actual)} ('{PrimitiveRules.Shorten(text)}')", Where(node));
                return;
            }
            if (parser._primitives.Check(type, text, _options) is { } problem)
                Error(start, "value", problem, Where(node));
        }

        /// <summary>
        /// A value of the JSON type its FHIR type asks for, with no escapes: the node points into the input instead of
        /// holding a string (most values are never read as strings), and the check runs on the bytes.
        /// </summary>
        private void ReadUtf8Value(ref Utf8JsonReader reader, ElementNode node, JsonProperty property)
        {
            var type = property.Type;
            var start = reader.TokenStartIndex;
            var valueStart = (int)start + (reader.TokenType == JsonTokenType.String ? 1 : 0);
            var utf8 = reader.ValueSpan;
            node.SetUtf8Value(_utf8Source, valueStart, utf8.Length);
            var limit = property.IsBase64 ? _options.MaxBase64Length : _options.MaxStringLength;
            // Bytes bound characters from above: count characters only when the byte length is past the limit.
            if (utf8.Length > limit && Encoding.UTF8.GetCharCount(utf8) is var length && length > limit)
            {
                Error(start, "too-long", $"The value is {length:N0} characters long; the limit for {type} is {limit:N0}", Where(node));
                return;
            }
            var problem = property.IsBase64 ? PrimitiveRules.CheckBase64(utf8) : parser._primitives.CheckUtf8(type, utf8, _options);
            if (problem is not null) Error(start, "value", problem, Where(node));
        }

        /// <summary>
        /// A string with escapes (narratives: <c>\"</c>, <c>\n</c>): the node points at it in the input, as for other
        /// values, and unescapes it when read. The check runs on it unescaped into a buffer the parse reuses.
        /// </summary>
        private void ReadEscapedValue(ref Utf8JsonReader reader, ElementNode node, JsonProperty property)
        {
            var start = reader.TokenStartIndex;
            var escapedLength = reader.ValueSpan.Length;
            // Unescaping only shortens: the escaped length is enough. Huge values get a buffer of their own.
            var buffer = escapedLength <= MaxKeptBuffer ? (_unescaped ??= TakeUnescapeBuffer()) : new byte[escapedLength];
            if (buffer.Length < escapedLength) buffer = _unescaped = new byte[Math.Max(escapedLength, buffer.Length * 2)];
            int length;
            try
            {
                length = reader.CopyString(buffer);
            }
            catch (InvalidOperationException ex)
            {
                Error(start, "structure", $"Invalid JSON string: {ex.Message}", Where(node));
                return;
            }
            node.SetUtf8Value(_escapedSource ??= Utf8Source.JsonEscapedStrings(_source), (int)start + 1, escapedLength);
            if (parser._primitives.CheckUtf8(property.Type, buffer.AsSpan(0, length), _options) is { } problem)
                Error(start, "value", problem, Where(node));
        }

        private const int MaxKeptBuffer = 1 << 20;
        private Utf8Source? _escapedSource;
        private byte[]? _unescaped;

        // The unescape buffer stays with the thread for its next parse; it belongs to this parser only, so what it
        // held is not handed to other code.
        [ThreadStatic] private static byte[]? t_unescaped;

        private static byte[] TakeUnescapeBuffer()
        {
            var buffer = t_unescaped ?? new byte[4096];
            t_unescaped = null;
            return buffer;
        }

        private bool TryReadString(ref Utf8JsonReader reader, JsonProperty property, ElementNode node, out string text)
        {
            var type = property.Type;
            var limit = property.IsBase64 ? _options.MaxBase64Length : _options.MaxStringLength;
            var span = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            // Refuse an over-long string before materializing it: its byte length bounds its character count from above.
            if (span.Length > limit && !reader.ValueIsEscaped && Encoding.UTF8.GetCharCount(span) > limit)
            {
                Error(reader.TokenStartIndex, "too-long",
                    $"The value is {Encoding.UTF8.GetCharCount(span):N0} characters long; the limit for {type} is {limit:N0}", Where(node));
                text = "";
                return false;
            }
            try
            {
                text = reader.GetString()!;
                return true;
            }
            catch (InvalidOperationException ex)
            {
                Error(reader.TokenStartIndex, "structure", $"Invalid JSON string: {ex.Message}", Where(node));
                text = "";
                return false;
            }
        }

        private ElementNode NewNode(JsonProperty property, long start)
        {
            var node = new ElementNode(property.Shape);
            SetPosition(node, start);
            return node;
        }

        private string? Loc(ElementNode parent, ElementDefinitionInfo child) => Where(parent, child.Name);

        // Where a resource that could not be read was: null at the root. Only computed for the message.
        private string? ResourceLocation(ElementNode? parent, ElementDefinitionInfo? element) =>
            parent is null || element is null ? null : Loc(parent, element);

        // The items of the array read first, by index, for the other part's lookups (name after _name or _name after
        // name): built once per array pair. A scan of the parent's children for each item made a `_line` of 50,000
        // extensions beside a `line` of one take 10^10 steps (18 s for a 15 MB body, answered 413 in the end).
        private ElementNode? _siblingsParent;
        private ElementDefinitionInfo? _siblingsChild;
        private ElementNode?[] _siblingsByIndex = [];

        private ElementNode? FindSibling(ElementNode parent, ElementDefinitionInfo child, int index)
        {
            if (!ReferenceEquals(_siblingsParent, parent) || !ReferenceEquals(_siblingsChild, child))
            {
                var byIndex = new List<ElementNode?>();
                foreach (var c in parent.Children)
                {
                    if (!ReferenceEquals(c.Definition, child) || c.Index < 0) continue;
                    while (byIndex.Count <= c.Index) byIndex.Add(null);
                    byIndex[c.Index] ??= c;
                }
                _siblingsByIndex = [.. byIndex];
                _siblingsParent = parent;
                _siblingsChild = child;
            }
            return index < _siblingsByIndex.Length ? _siblingsByIndex[index] : null;
        }

        private static int CountSiblings(ElementNode parent, ElementDefinitionInfo child)
        {
            var n = 0;
            foreach (var c in parent.Children)
                if (ReferenceEquals(c.Definition, child)) n++;
            return n;
        }

        private void SetPosition(ElementNode node, long offset)
        {
            var (line, col) = Position(offset);
            node.Line = line;
            node.Column = col;
        }

        private int _lineCacheOffset;
        private int _lineCacheLine = 1;
        private int _lineCacheStart;

        // Byte offset → 1-based line and column. Parsing moves forward, so scanning resumes from the last answer.
        private (int Line, int Column) Position(long offset)
        {
            var target = (int)Math.Min(offset, _source.Length);
            if (target < _lineCacheOffset) { _lineCacheOffset = 0; _lineCacheLine = 1; _lineCacheStart = 0; }
            var span = _source.Span.Slice(_lineCacheOffset, target - _lineCacheOffset);
            var i = 0;
            while (true)
            {
                var nl = span[i..].IndexOf((byte)'\n');
                if (nl < 0) break;
                i += nl + 1;
                _lineCacheLine++;
                _lineCacheStart = _lineCacheOffset + i;
            }
            _lineCacheOffset = target;
            return (_lineCacheLine, target - _lineCacheStart + 1);
        }

        /// <summary>
        /// The location of an issue at <paramref name="node"/>, or null once the issues are past
        /// <see cref="ParserOptions.MaxIssues"/>: a location counts the node's earlier siblings of its name, so
        /// making one for each of 100,000 faulty repeats would take time quadratic in their number.
        /// </summary>
        private string? Where(ElementNode node, string? child = null) =>
            Issues.Count >= _options.MaxIssues ? null : child is null ? node.Location : node.Location + "." + child;

        private void Error(long offset, string code, string message, string? location)
        {
            if (Issues.Count >= _options.MaxIssues)
            {
                Omitted++;
                return;
            }
            var (line, col) = Position(offset);
            Issues.Add(new OutcomeIssue(IssueSeverity.Error, code, message, location, line, col));
        }

        private void Fatal(ref Utf8JsonReader reader, string message, string? location)
        {
            var (line, col) = Position(reader.TokenStartIndex);
            Issues.Add(new OutcomeIssue(IssueSeverity.Fatal, "structure", message, location, line, col));
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

        private static string Describe(JsonPrimitiveKind kind) => kind switch
        {
            JsonPrimitiveKind.Number => "number",
            JsonPrimitiveKind.Boolean => "boolean (true/false)",
            _ => "string",
        };

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.Null => "null",
            _ => token.ToString(),
        };
    }

    /// <summary>Which children of one object were seen, as value and as <c>_name</c> part; cheap for the usual &lt;64 children.</summary>
    private struct SeenSet
    {
        private ulong _values, _extras;
        private HashSet<int>? _overflow;

        public bool Add(int order, bool underscore)
        {
            if (order < 64)
            {
                ref var bits = ref underscore ? ref _extras : ref _values;
                var mask = 1UL << order;
                if ((bits & mask) != 0) return false;
                bits |= mask;
                return true;
            }
            _overflow ??= [];
            return _overflow.Add(underscore ? ~order : order);
        }

        public readonly bool Has(int order, bool underscore) => order < 64
            ? ((underscore ? _extras : _values) & (1UL << order)) != 0
            : _overflow?.Contains(underscore ? ~order : order) == true;

    }
}
