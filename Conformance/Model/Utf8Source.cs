namespace FhirServer.Conformance.Model;

/// <summary>
/// The UTF-8 input of one parse, shared by the nodes whose values still point into it: a value is decoded to a
/// string only when someone reads it, and a JSON writer copies it as bytes. Most values of a resource that is stored
/// and indexed are never read as .NET strings.
/// </summary>
public sealed class Utf8Source(ReadOnlyMemory<byte> bytes)
{
    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    /// <summary>
    /// The values lie in the input as the contents of JSON strings with escapes (<c>\"</c>, <c>\n</c>, <c>\u00e9</c>):
    /// they are unescaped when read, and are not UTF-8 text as they stand.
    /// </summary>
    internal bool IsJsonEscaped { get; private init; }

    internal static Utf8Source JsonEscaped(ReadOnlyMemory<byte> bytes) => new(bytes) { IsJsonEscaped = true };
}
