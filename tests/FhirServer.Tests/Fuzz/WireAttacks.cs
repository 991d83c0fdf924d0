using System.IO.Compression;
using System.Text;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Attacks below the resource: Content-Encoding with invalid data, wrong media types and charsets, junk in the
/// conditional and preference headers, and raw HTTP/1.1 framing that a client library would not send.
/// </summary>
public sealed class WireAttacks(Random random)
{
    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/octet-stream", "application/fhir+json; charset=iso-8859-1", "application/fhir+json; charset=utf-16",
        "application/fhir+json; charset=", "application/fhir+json;fhirVersion=3.0", "application/fhir+json;fhirVersion=", "application/fhir+json;;;;",
        "application/fhir+xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ";", "application/", "*/*",
        "application/json-patch+json", "application/fhir+json; q=0", "APPLICATION/FHIR+JSON", "application/fhir+json, application/fhir+xml",
        "application/fhir+json; charset=\"utf-8", new string('a', 5_000) + "/json",
    ];

    private static readonly string[] IfMatch =
        ["*", "W/\"abc\"", "\"1\", \"2\"", "W/", "\"", "W/\"99999999999999999999\"", "W/\"-1\"", "W/\"0\"", "1", "W/\"1\"junk", ",", "W/\"\"", new string('"', 500)];

    private static readonly string[] IfNoneExist =
        ["", "=", "name:=x", "_id=a&_id=b", "identifier=%ZZ", "unknown=1", "_has:Observation:patient:code=1", "?", "&&&", "name=" + new string('x', 20_000),
         "_id=" + string.Join(",", Enumerable.Range(0, 300)), "_sort=name", "_count=0", "identifier=a|b|c", "birthdate=gt9999"];

    private static readonly string[] Prefer =
        ["return=", "return=minimal;return=representation", "handling=strict", "handling=lenient", "respond-async", "return=OperationOutcome",
         "return=minimal, respond-async", "=;=;=", "return=\"representation\"", new string(';', 1_000), "wait=-1", "wait=99999999999"];

    private static readonly string[] Accept =
        ["*/*;q=foo", "application/fhir+json;fhirVersion=3.0", "application/fhir+xml", "text/html", "application/xml;q=0.5, application/json;q=0.6",
         "foo", "application/fhir+json; charset=utf-16", "text/*", "application/fhir+json;q=0", "*/*;q=0", ",,,,", "application/fhir+ndjson",
         "application/fhir+json;fhirVersion=4.0;fhirVersion=5.0", new string(',', 2_000), "image/png", "application/fhir+turtle"];

    private static readonly string[] InvalidHeaderNames = ["If-Match", "If-None-Exist", "If-None-Match", "If-Modified-Since", "Prefer", "Accept", "Accept-Encoding", "Accept-Charset", "X-HTTP-Method-Override", "Authorization", "Origin", "Cookie"];

    public string ContentType() => ContentTypes[random.Next(ContentTypes.Length)];

    /// <summary>One to three junk headers for any request.</summary>
    public IEnumerable<KeyValuePair<string, string>> JunkHeaders()
    {
        for (var i = 0; i < 1 + random.Next(3); i++)
        {
            var name = InvalidHeaderNames[random.Next(InvalidHeaderNames.Length)];
            var value = name switch
            {
                "If-Match" or "If-None-Match" => IfMatch[random.Next(IfMatch.Length)],
                "If-None-Exist" => IfNoneExist[random.Next(IfNoneExist.Length)],
                "Prefer" => Prefer[random.Next(Prefer.Length)],
                "Accept" => Accept[random.Next(Accept.Length)],
                "Accept-Encoding" => new[] { "br", "gzip;q=0", "identity;q=0", "*;q=0", "compress", "zstd" }[random.Next(6)],
                "If-Modified-Since" => new[] { "yesterday", "Mon, 99 Foo 2020 99:99:99 GMT", "0", "Sat, 01 Jan 10000 00:00:00 GMT" }[random.Next(4)],
                "X-HTTP-Method-Override" => new[] { "DELETE", "PATCH", "TRACE" }[random.Next(3)],
                "Authorization" => new[] { "Bearer ", "Bearer x.y.z", "Basic !!!", "Negotiate " + new string('A', 3_000) }[random.Next(4)],
                _ => new[] { "null", "http://evil.example", "a=b; " + new string('c', 3_000) }[random.Next(3)],
            };
            yield return new(name, value);
        }
    }

    /// <summary>A body with a Content-Encoding it does not have; returns the encoding name and the bytes.</summary>
    public (string Encoding, byte[] Body) BadlyEncoded(byte[] body, bool brotli)
    {
        var encoding = brotli ? "br" : random.Next(2) == 0 ? "gzip" : "deflate";
        var compressed = Compress(body, encoding);
        var bytes = random.Next(5) switch
        {
            0 => body,                                                                     // not compressed at all
            1 => compressed[..random.Next(compressed.Length)],                             // truncated
            2 => Flip(compressed),                                                         // corrupted
            3 => RandomBytes(1 + random.Next(4_096)),                                      // noise
            _ => [.. compressed, .. RandomBytes(1 + random.Next(64))],                     // trailing garbage
        };
        if (!brotli && random.Next(6) == 0) encoding = new[] { "gzip, gzip", "gzip, deflate", "compress", "x-gzip", "identity, gzip", "GZIP" }[random.Next(6)];
        return (encoding, bytes);
    }

    private byte[] Flip(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        for (var i = 0; i < 1 + random.Next(6) && copy.Length > 0; i++) copy[random.Next(copy.Length)] ^= (byte)(1 + random.Next(255));
        return copy;
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public static byte[] Compress(byte[] body, string encoding)
    {
        using var buffer = new MemoryStream();
        using (Stream stream = encoding switch
               {
                   "br" => new BrotliStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
                   "deflate" => new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
                   _ => new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
               })
            stream.Write(body);
        return buffer.ToArray();
    }

    /// <summary>A raw HTTP/1.1 request with broken framing (chunk sizes, lengths, request lines, header syntax).</summary>
    public byte[] BrokenFraming(string path, byte[] body)
    {
        const string head = "Host: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/fhir+json\r\n";
        var post = $"POST {path} HTTP/1.1\r\n{head}";
        string text = random.Next(15) switch
        {
            0 => post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            1 => post + "Transfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n",
            2 => post + "Transfer-Encoding: chunked\r\n\r\n5\r\nab",
            3 => post + $"Transfer-Encoding: chunked\r\n\r\n3;{new string('x', 10_000)}\r\nabc\r\n0\r\n\r\n",
            4 => post + $"Content-Length: {body.Length}\r\nTransfer-Encoding: chunked\r\n\r\n{body.Length:x}\r\n{Encoding.UTF8.GetString(body)}\r\n0\r\n\r\n",
            5 => post + "Content-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{",
            6 => post + $"Content-Length: {body.Length + 100}\r\n\r\n{Encoding.UTF8.GetString(body)}",
            7 => post + "Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            8 => $"GET {path}%ZZ HTTP/1.1\r\n{head}\r\n",
            9 => $"GET http://127.0.0.1{path} HTTP/1.1\r\n{head}\r\n",
            10 => $"get {path} HTTP/1.1\r\n{head}\r\n",
            11 => $"GET {path} HTTP/1.1\r\n{head}X-Folded: a\r\n b\r\nNoColon\r\n\r\n",
            12 => $"GET {path} HTTP/9.9\r\n{head}\r\n",
            13 => $"DELETE {path}/%00 HTTP/1.1\r\n{head}\r\n",
            _ => post + "Transfer-Encoding: chunked\r\n\r\n" + $"{body.Length:x}\r\n{Encoding.UTF8.GetString(body)}\r\n0\r\nX-Trailer: {new string('t', 100)}\r\n\r\n",
        };
        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>A chunked body whose chunk size overflows a 64-bit or 32-bit length.</summary>
    public byte[] OverflowingChunk(string path)
    {
        var size = new[] { "ffffffffffffffff", "7fffffffffffffff", "10000000000000000", "ffffffff", "80000000", "0000000000000000000000001" }[random.Next(6)];
        return Encoding.UTF8.GetBytes($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/fhir+json\r\n" +
                                      $"Transfer-Encoding: chunked\r\n\r\n{size}\r\n{{\"resourceType\":\"Patient\"}}\r\n0\r\n\r\n");
    }
}
