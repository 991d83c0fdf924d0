using System.Buffers.Text;
using System.Security.Cryptography;

namespace FhirServer.Storage;

/// <summary>
/// A Binary's data kept apart from its JSON. A document of the DMP (IHE MHD ITI-65 / ITI-68) is a Binary of up to the
/// request limit; inside the JSON body it would be base64 (a third larger), decoded for every raw read and carried in
/// every copy of the body. So the store keeps the decoded bytes in <c>binary_content</c>, keyed by the version's
/// <c>seq</c>, and the body without its <c>data</c> member; the version's <c>content</c> column is their size (and
/// says there is content to put back). Binary.data is the last element of Binary (R4 binary.html), and our writer
/// writes elements in their definition's order, so putting it back is appending <c>,"data":"…"</c> before the
/// closing brace: the body served is the body that was written, byte for byte when the client's base64 was canonical.
/// </summary>
public static class BinaryBodies
{
    private static readonly byte[] DataMember = ",\"data\":\""u8.ToArray();

    /// <summary>The length of the body with data of <paramref name="dataLength"/> bytes put back.</summary>
    public static long JsonLength(long bodyLength, long dataLength) => bodyLength + DataMember.Length + Base64Length(dataLength) + 1;

    public static long Base64Length(long bytes) => (bytes + 2) / 3 * 4;

    /// <summary>The body with <paramref name="data"/> put back as its base64 <c>data</c> member.</summary>
    public static byte[] Splice(byte[] body, ReadOnlySpan<byte> data)
    {
        var close = LastBrace(body);
        var json = new byte[JsonLength(body.Length, data.Length)];
        body.AsSpan(0, close).CopyTo(json);
        var at = close;
        DataMember.CopyTo(json.AsSpan(at));
        at += DataMember.Length;
        Base64.EncodeToUtf8(data, json.AsSpan(at), out _, out var written);
        at += written;
        json[at++] = (byte)'"';
        body.AsSpan(close).CopyTo(json.AsSpan(at));
        return json;
    }

    /// <summary>
    /// Writes the body with the data put back to <paramref name="output"/>, the data streamed from <paramref name="copyData"/>
    /// through a base64 encoder: the document is never held whole, neither as bytes nor as base64.
    /// </summary>
    public static async Task WriteAsync(Stream output, byte[] body, Func<Stream, Task> copyData, CancellationToken ct)
    {
        var close = LastBrace(body);
        await output.WriteAsync(body.AsMemory(0, close), ct);
        await output.WriteAsync(DataMember, ct);
        await using (var base64 = new CryptoStream(output, new ToBase64Transform(), CryptoStreamMode.Write, leaveOpen: true))
        {
            await copyData(base64);
            await base64.FlushFinalBlockAsync(ct);
        }
        await output.WriteAsync("\""u8.ToArray(), ct);
        await output.WriteAsync(body.AsMemory(close), ct);
    }

    private static int LastBrace(byte[] body)
    {
        var close = Array.LastIndexOf(body, (byte)'}');
        if (close < 1) throw new InvalidOperationException("A stored Binary body is not a JSON object.");
        return close;
    }
}
