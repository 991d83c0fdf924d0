using System.Text;

namespace FhirServer.Tests.Fuzz;

/// <summary>Reads an HTTP/1.1 response from its bytes: status, Content-Type and the body (de-chunked when chunked).</summary>
internal static class RawResponse
{
    public static (int Status, string? ContentType, byte[] Body) Parse(byte[] bytes)
    {
        var end = IndexOf(bytes, "\r\n\r\n"u8, 0);
        if (end < 0) throw new IOException($"No complete HTTP response ({bytes.Length} bytes received).");
        var head = Encoding.Latin1.GetString(bytes, 0, end).Split("\r\n");
        var statusLine = head[0].Split(' ', 3);
        if (statusLine.Length < 2 || !int.TryParse(statusLine[1], out var status)) throw new IOException($"Not an HTTP status line: {head[0]}");
        string? Header(string name) => head.Skip(1).Where(h => h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(h => h[(name.Length + 1)..].Trim()).FirstOrDefault();
        var body = bytes[(end + 4)..];
        if (Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true) body = Dechunk(body);
        return (status, Header("Content-Type"), body);
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var output = new MemoryStream();
        var at = 0;
        while (at < body.Length)
        {
            var line = IndexOf(body, "\r\n"u8, at);
            if (line < 0) break;
            var sizeText = Encoding.Latin1.GetString(body, at, line - at).Split(';')[0];
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0) break;
            output.Write(body, line + 2, Math.Min(size, body.Length - line - 2));
            at = line + 2 + size + 2;
        }
        return output.ToArray();
    }

    private static int IndexOf(byte[] bytes, ReadOnlySpan<byte> value, int start)
    {
        var i = bytes.AsSpan(start).IndexOf(value);
        return i < 0 ? -1 : start + i;
    }
}
