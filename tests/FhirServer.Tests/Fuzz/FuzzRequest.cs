using System.Text;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// One hostile request: an HTTP request sent with <see cref="HttpClient"/>, or, when <see cref="Raw"/> is set, bytes
/// written as they are on a connection of their own (framing that a client library would refuse to send).
/// <see cref="Url"/> is relative to the server's base ("/Patient?name=x").
/// </summary>
public sealed record FuzzRequest(string Category, string Method, string Url, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body = null)
{
    public byte[]? Raw { get; init; }

    /// <summary>The sequence number in the generator's stream (the same for the same seed).</summary>
    public int Number { get; init; }

    public static IReadOnlyList<KeyValuePair<string, string>> NoHeaders { get; } = [];

    public static FuzzRequest Json(string category, string method, string url, string body, params (string Name, string Value)[] headers) =>
        new(category, method, url, [new("Content-Type", "application/fhir+json"), .. headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value))],
            Encoding.UTF8.GetBytes(body));

    public static FuzzRequest Get(string category, string url, params (string Name, string Value)[] headers) =>
        new(category, "GET", url, [.. headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value))]);

    public string Header(string name) => Headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value ?? "";

    public override string ToString() =>
        Raw is not null ? $"#{Number} [{Category}] raw {Raw.Length:N0} bytes: {Printable(Raw, 120)}"
            : $"#{Number} [{Category}] {Method} {Shorten(Url, 160)}{(Body is null ? "" : $" ({Body.Length:N0} bytes)")}";

    internal static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + $"…(+{text.Length - length:N0})";

    internal static string Printable(byte[] bytes, int length) =>
        Shorten(new string(Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, length + 1)).Select(c => c is >= ' ' and < '\x7f' ? c : '.').ToArray()), length);
}
