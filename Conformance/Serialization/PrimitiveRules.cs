using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Xml;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Conformance.Serialization;

/// <summary>How a primitive type is written in JSON (R4 §2.6.2: boolean → true/false, numeric types → number, the rest → string).</summary>
public enum JsonPrimitiveKind { String, Number, Boolean }

/// <summary>
/// Rules for primitive values shared by the JSON and XML readers and writers: the JSON representation of each
/// primitive type, and the lexical check of a value against the regex its StructureDefinition declares.
/// </summary>
public sealed class PrimitiveRules(DefinitionRegistry registry)
{
    private static readonly System.Buffers.SearchValues<char> ForbiddenControls = System.Buffers.SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\uFFFE\uFFFF");

    private readonly ConcurrentDictionary<string, Regex?> _regexes = new(StringComparer.Ordinal);

    public static JsonPrimitiveKind JsonKind(string type) => type switch
    {
        "boolean" => JsonPrimitiveKind.Boolean,
        "integer" or "decimal" or "positiveInt" or "unsignedInt" or "integer64" => JsonPrimitiveKind.Number,
        _ => JsonPrimitiveKind.String,
    };

    /// <summary>Whether <paramref name="text"/> is a JSON number literal (RFC 8259 §6), so a writer may emit it raw.</summary>
    /// <summary>Whether <paramref name="text"/> is an R4 id (<c>[A-Za-z0-9\-\.]{1,64}</c>): what a resource id can be.</summary>
    public static bool IsId(ReadOnlySpan<char> text) => PrimitiveLexer.TryValidate("id", text, out var valid) && valid;

    public static bool IsJsonNumber(ReadOnlySpan<char> text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-') i++;
        if (i >= text.Length) return false;
        if (text[i] == '0') i++;
        else if (char.IsAsciiDigit(text[i])) while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        else return false;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) return false;
        }
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            if (i < text.Length && (text[i] == '+' || text[i] == '-')) i++;
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start) return false;
        }
        return i == text.Length;
    }

    /// <summary>Checks a primitive value; returns an error message, or null when the value is valid for its type.</summary>
    public string? Check(string type, string value, ParserOptions options) => Check(type, value.AsSpan(), options);

    /// <summary>The same check on the value's characters, wherever they are held.</summary>
    internal string? Check(string type, ReadOnlySpan<char> value, ParserOptions options) =>
        type == "xhtml" ? CheckXhtmlValue(value, options) : CheckValue(type, value, options);

    /// <summary>
    /// The same check on a value the JSON parser still holds as UTF-8: ASCII values (nearly all) are checked without
    /// decoding, the others are decoded into a reused buffer, not a string.
    /// </summary>
    public string? CheckUtf8(string type, ReadOnlySpan<byte> utf8, ParserOptions options)
    {
        if (type != "xhtml" && utf8.Length <= 256)
        {
            // Widening stops at the first non-ASCII byte, which sends the value down the decoding path.
            Span<char> chars = stackalloc char[256];
            if (System.Text.Ascii.ToUtf16(utf8, chars, out var written) == System.Buffers.OperationStatus.Done)
                return CheckValue(type, chars[..written], options);
        }
        // Bytes bound characters from above: only a value longer than the limit in bytes needs counting first, and
        // one longer in characters is refused with the message the check gives, without decoding it.
        var limit = type == "base64Binary" ? options.MaxBase64Length : options.MaxStringLength;
        var length = utf8.Length;
        if (length > limit && (length = System.Text.Encoding.UTF8.GetCharCount(utf8)) > limit) return TooLong(type, length, limit);
        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var count = System.Text.Encoding.UTF8.GetChars(utf8, buffer);
            return Check(type, buffer.AsSpan(0, count), options);
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static string TooLong(string type, int length, int limit) =>
        $"The value is {length:N0} characters long; the limit for {type} is {limit:N0}";

    private string? CheckValue(string type, ReadOnlySpan<char> value, ParserOptions options)
    {
        var limit = type == "base64Binary" ? options.MaxBase64Length : options.MaxStringLength;
        if (value.Length > limit)
            return TooLong(type, value.Length, limit);
        if (value.Length == 0)
            return "Empty values are not allowed: omit the element instead (R4 §2.6.2)";
        // JSON and XML are equivalent representations of a resource, and XML 1.0 (§2.2) cannot carry control
        // characters other than tab, CR and LF: such a value could not be written as FHIR XML.
        var control = value.IndexOfAny(ForbiddenControls);
        if (control >= 0)
            return $"The value contains the control character U+{(int)value[control]:X4} at position {control + 1}; only tab, CR and LF are allowed";
        switch (type)
        {
            case "string":
            case "markdown":
                // Regex [ \r\n\t\S]+ : whitespace-only is allowed; form feed and vertical tab are refused above.
                return null;
            case "base64Binary":
                return CheckBase64(value);
        }
        if (!options.ValidatePrimitives) return null;
        // The hand-written lexers give the regex's verdict at a fraction of its cost; the regex covers the rest.
        if (!PrimitiveLexer.TryValidate(type, value, out var valid))
        {
            // TryGetValue first: GetOrAdd with a method group would allocate a delegate on every value.
            if (!_regexes.TryGetValue(type, out var regex)) regex = _regexes.GetOrAdd(type, CreateRegex(type));
            valid = regex is null || regex.IsMatch(value);
        }
        return valid ? OutOfRange(type, value) : $"The value '{Shorten(value.ToString())}' is not a valid {type}";
    }

    /// <summary>
    /// What the regexes let through and the datatype definitions (R4 datatypes.html) do not: integers past 32 bits
    /// ("a signed integer in the range −2,147,483,648..2,147,483,647"), and days the month does not have (a date "SHALL
    /// be valid": the regex allows 2021-02-30). Only called on lexically valid values.
    /// </summary>
    internal static string? OutOfRange(string type, ReadOnlySpan<char> value)
    {
        switch (type)
        {
            case "integer" or "unsignedInt" or "positiveInt":
                return int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
                    ? null
                    : $"The value '{Shorten(value.ToString())}' is outside the range of {type} (32 bits: at most 2,147,483,647)";
            case "date" or "dateTime" or "instant" when value.Length >= 10:
                var (year, month, day) = (Number(value[..4]), Number(value[5..7]), Number(value[8..10]));
                return day <= DateTime.DaysInMonth(year, month) ? null : $"The value '{Shorten(value.ToString())}' is not a valid {type}: day {day} is past the end of the month";
            default:
                return null;
        }
    }

    private static int Number(ReadOnlySpan<char> digits) => int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);

    private static string? CheckXhtmlValue(ReadOnlySpan<char> value, ParserOptions options)
    {
        if (value.Length > options.MaxStringLength)
            return TooLong("xhtml", value.Length, options.MaxStringLength);
        if (value.Length == 0)
            return "Empty values are not allowed: omit the element instead (R4 §2.6.2)";
        var control = value.IndexOfAny(ForbiddenControls);
        if (control >= 0)
            return $"The value contains the control character U+{(int)value[control]:X4} at position {control + 1}; only tab, CR and LF are allowed";
        return options.ValidateXhtml ? XhtmlChecker.Check(value) : null;
    }

    private Regex? CreateRegex(string type)
    {
        var pattern = registry.GetTypeDefinition(type)?.ValueRegex;
        if (pattern is null) return null;
        // The spec's regexes use XML-Schema/Java semantics where \s, \d are ASCII-only: ECMAScript mode gives that in .NET.
        try
        {
            return new Regex($"^(?:{pattern})$(?![\\s\\S])", RegexOptions.ECMAScript | RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException)
        {
            return new Regex($"\\A(?:{pattern})\\z", RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
    }

    /// <summary>The check of a base64Binary value still held as UTF-8 (see <see cref="Model.ElementNode.SetUtf8Value"/>).</summary>
    public static string? CheckBase64(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0) return "Empty values are not allowed: omit the element instead (R4 §2.6.2)";
        return System.Buffers.Text.Base64.IsValid(utf8) ? null : "The value is not valid base64";
    }

    // Whitespace is tolerated (R4 base64Binary regex); the rest must be the base64 alphabet with correct padding.
    // Base64.IsValid is vectorized: Binary and Attachment data are the longest values a server reads.
    private static string? CheckBase64(ReadOnlySpan<char> value) =>
        System.Buffers.Text.Base64.IsValid(value) ? null : "The value is not valid base64";

    /// <summary>R4 §2.4.1 (Narrative): the div is an XHTML fragment, well-formed, in the XHTML namespace, with no DTD or entities.</summary>
    public static string? CheckXhtml(string value)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            MaxCharactersFromEntities = 0,
        };
        try
        {
            using var reader = XmlReader.Create(new StringReader(value), settings);
            reader.MoveToContent();
            if (reader.LocalName != "div" || reader.NamespaceURI != "http://www.w3.org/1999/xhtml")
                return "The narrative must be a <div> element in the XHTML namespace (http://www.w3.org/1999/xhtml)";
            while (reader.Read()) { }
            return null;
        }
        catch (XmlException ex)
        {
            // Refused all the same, but said as what it is when HTML's named entities are the only fault.
            if (XhtmlEntities.Replace(value, out var entity) is { } decoded && CheckXhtml(decoded) is null)
                return $"Invalid entity in the XHTML ('{entity}')";
            return $"The narrative is not well-formed XHTML: {ex.Message}";
        }
    }

    internal static string Shorten(string value) => value.Length <= 60 ? value : value[..57] + "...";
}
