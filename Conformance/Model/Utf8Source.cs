using System.Buffers;

namespace FhirServer.Conformance.Model;

/// <summary>
/// The UTF-8 input of one parse, shared by the nodes whose values still point into it: a value is decoded to a
/// string only when someone reads it, and a JSON writer copies it as bytes. Most values of a resource that is stored
/// and indexed are never read as .NET strings.
/// </summary>
public sealed class Utf8Source(ReadOnlyMemory<byte> bytes)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    /// <summary>How a node's value lies in <see cref="Bytes"/>.</summary>
    internal enum Layout
    {
        /// <summary>The value is all of the bytes.</summary>
        Whole,
        /// <summary>
        /// A JSON document: the value is the token at the node's offset, the contents of a string without escapes or
        /// a number. Its end is found again from the JSON, so that a node need not store a length.
        /// </summary>
        JsonToken,
        /// <summary>
        /// A JSON document: the value is the contents of a string with escapes (<c>\"</c>, <c>\n</c>,
        /// <c>\u00e9</c>), unescaped when read; not UTF-8 text as it stands.
        /// </summary>
        JsonEscapedString,
    }

    internal Layout Kind { get; private init; }

    internal static Utf8Source JsonTokens(ReadOnlyMemory<byte> json) => new(json) { Kind = Layout.JsonToken };
    internal static Utf8Source JsonEscapedStrings(ReadOnlyMemory<byte> json) => new(json) { Kind = Layout.JsonEscapedString };

    private static readonly SearchValues<byte> NumberBytes = SearchValues.Create("0123456789+-.eE"u8);

    /// <summary>The value starting at <paramref name="start"/>: escaped as in the JSON for a JsonEscapedString.</summary>
    internal ReadOnlySpan<byte> Value(int start)
    {
        var all = Bytes.Span;
        if (Kind == Layout.Whole) return all;
        var rest = all[start..];
        if (Kind == Layout.JsonEscapedString)
        {
            // The closing quote is the first one not escaped: skip each backslash with the byte it escapes.
            var i = 0;
            while (true)
            {
                i += rest[i..].IndexOfAny((byte)'"', (byte)'\\');
                if (rest[i] == '"') return rest[..i];
                i += 2;
            }
        }
        // The contents of a string follow its opening quote; a number follows ':', ',', '[' or white space.
        if (start > 0 && all[start - 1] == '"') return rest[..rest.IndexOf((byte)'"')];
        var end = rest.IndexOfAnyExcept(NumberBytes);
        return end < 0 ? rest : rest[..end];
    }
}
