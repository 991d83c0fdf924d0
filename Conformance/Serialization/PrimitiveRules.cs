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
    private readonly ConcurrentDictionary<string, Regex?> _regexes = new(StringComparer.Ordinal);

    public static JsonPrimitiveKind JsonKind(string type) => type switch
    {
        "boolean" => JsonPrimitiveKind.Boolean,
        "integer" or "decimal" or "positiveInt" or "unsignedInt" or "integer64" => JsonPrimitiveKind.Number,
        _ => JsonPrimitiveKind.String,
    };

    /// <summary>Whether <paramref name="text"/> is a JSON number literal (RFC 8259 §6), so a writer may emit it raw.</summary>
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
    public string? Check(string type, string value, ParserOptions options)
    {
        var limit = type == "base64Binary" ? options.MaxBase64Length : options.MaxStringLength;
        if (value.Length > limit)
            return $"The value is {value.Length:N0} characters long; the limit for {type} is {limit:N0}";
        if (value.Length == 0)
            return "Empty values are not allowed: omit the element instead (R4 §2.6.2)";
        switch (type)
        {
            case "string":
            case "markdown":
                // Regex [ \r\n\t\S]+ : any character but form feed and vertical tab; whitespace-only is allowed.
                return value.AsSpan().IndexOfAny('\f', '\v') >= 0 ? $"The {type} contains a form feed or vertical tab" : null;
            case "xhtml":
                return options.ValidateXhtml ? XhtmlChecker.Check(value) : null;
            case "base64Binary":
                return CheckBase64(value);
        }
        if (!options.ValidatePrimitives) return null;
        // The hand-written lexers give the regex's verdict at a fraction of its cost; the regex covers the rest.
        if (!PrimitiveLexer.TryValidate(type, value, out var valid))
        {
            var regex = _regexes.GetOrAdd(type, CreateRegex);
            valid = regex is null || regex.IsMatch(value);
        }
        return valid ? null : $"The value '{Shorten(value)}' is not a valid {type}";
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

    private static string? CheckBase64(string value)
    {
        // Whitespace is tolerated (R4 base64Binary regex); the rest must be the base64 alphabet with correct padding.
        var count = 0;
        var padding = 0;
        foreach (var c in value)
        {
            if (c is ' ' or '\r' or '\n' or '\t') continue;
            if (c == '=') { padding++; count++; continue; }
            if (padding > 0 || !(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
                return "The value is not valid base64";
            count++;
        }
        return count % 4 != 0 || padding > 2 ? "The value is not valid base64 (length is not a multiple of 4)" : null;
    }

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
            return $"The narrative is not well-formed XHTML: {ex.Message}";
        }
    }

    internal static string Shorten(string value) => value.Length <= 60 ? value : value[..57] + "...";
}
