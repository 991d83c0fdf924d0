using System.Buffers.Text;
using FhirServer.Conformance.Model;

namespace FhirServer.Rest;

/// <summary>
/// Where a Binary's data leaves the resource tree on its way to the store (<see cref="Storage.BinaryBodies"/>): every
/// write passes here, whether the content came raw (<c>PUT Binary/1</c> of a PDF), as base64 in a JSON or XML Binary,
/// in a transaction Bundle, or out of a patch.
/// </summary>
public static class BinaryData
{
    /// <summary>
    /// The tree to write as the body and the bytes to store apart: <paramref name="raw"/> when the content came raw
    /// (the tree has no data then), else the decoded <c>Binary.data</c>. A value that is not plain base64 of the
    /// decoder's alphabet, or a data element with an id or extensions (which would need it in the body), stays in the body.
    /// </summary>
    public static (ElementNode Resource, ReadOnlyMemory<byte>? Content) Detach(ElementNode stamped, ReadOnlyMemory<byte>? raw)
    {
        if (stamped.Type != "Binary" || !stamped.IsResource) return (stamped, null);
        if (raw is not null) return (stamped, raw);
        var data = stamped.Child("data");
        if (data is null || data.HasChildren || !data.HasValue || Decode(data) is not { } bytes) return (stamped, null);
        // A new root around the other children, as ResourceNodes.Stamp builds one.
        var root = ElementNode.Resource(stamped.Type, stamped.Definition);
        foreach (var child in stamped.Children.ToList())
            if (!ReferenceEquals(child, data)) root.Add(child);
        return (root, bytes);
    }

    private static byte[]? Decode(ElementNode data)
    {
        if (data.TryGetUtf8Value(out var utf8))
        {
            // Sized for the padding, so that a document is decoded once into an array of its own size (sized for the
            // largest length, one padded value in three was copied again, a megabyte for a 1 MB PDF); whitespace,
            // which the decoder skips, leaves it a little larger.
            var padding = utf8.EndsWith("=="u8) ? 2 : utf8.EndsWith("="u8) ? 1 : 0;
            var bytes = new byte[Math.Max(0, Base64.GetMaxDecodedFromUtf8Length(utf8.Length) - padding)];
            if (Base64.DecodeFromUtf8(utf8, bytes, out _, out var written) == System.Buffers.OperationStatus.Done)
                return written == bytes.Length ? bytes : bytes.AsSpan(0, written).ToArray();
        }
        try
        {
            return Convert.FromBase64String(data.Value!);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
