using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Sends one <see cref="FuzzRequest"/> and judges the answer: a 5xx, an answer slower than the limit, a 4xx whose body
/// is not an OperationOutcome, no answer (connection reset, refused) or none in time are failures.
/// </summary>
public sealed class FuzzSender : IDisposable
{
    private const int ExcerptLength = 600;
    private static readonly HashSet<string> ContentHeaders = new(StringComparer.OrdinalIgnoreCase) { "Content-Type", "Content-Encoding", "Content-Language", "Content-Location" };

    private readonly Uri _baseUri;
    private readonly HttpClient _client;
    private readonly FuzzOptions _options;

    public FuzzSender(string baseUrl, FuzzOptions options)
    {
        _baseUri = new Uri(baseUrl.TrimEnd('/') + "/");
        _options = options;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            MaxConnectionsPerServer = options.Clients * 2,
            AllowAutoRedirect = false,
            UseCookies = false,
        }) { Timeout = options.Timeout };
    }

    public string BaseUrl => _baseUri.AbsoluteUri.TrimEnd('/');

    /// <summary>The absolute URL of a relative one, as the client sends it (escaped where the URL needs it).</summary>
    public Uri Absolute(string url) => new(BaseUrl + (url.StartsWith('/') ? url : "/" + url));

    public async Task<FuzzResult> SendAsync(FuzzRequest request)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var (status, contentType, body) = request.Raw is null ? await SendHttpAsync(request) : await SendRawAsync(request.Raw);
            watch.Stop();
            return Judge(request, status, contentType, body, watch.Elapsed);
        }
        catch (TaskCanceledException)
        {
            return new FuzzResult(request, 0, watch.Elapsed, 0, "", FuzzResult.Timeout);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
        {
            return new FuzzResult(request, 0, watch.Elapsed, 0, $"{e.GetType().Name}: {e.Message} {e.InnerException?.Message}", FuzzResult.Connection);
        }
    }

    private FuzzResult Judge(FuzzRequest request, int status, string? contentType, byte[] body, TimeSpan elapsed)
    {
        var excerpt = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, ExcerptLength * 4));
        excerpt = FuzzRequest.Shorten(excerpt, ExcerptLength);
        string? failure = null;
        // 501 with an OperationOutcome is the server's answer to an operation it does not implement (R4 operations.html).
        if (status >= 500 && !(status == 501 && IsOutcome(contentType, body))) failure = FuzzResult.ServerError;
        else if (status is >= 400 and < 500 && request.Method != "HEAD" && !IsOutcome(contentType, body)) failure = FuzzResult.NoOutcome;
        else if (elapsed > _options.SlowAfter) failure = FuzzResult.Slow;
        return new FuzzResult(request, status, elapsed, body.Length, excerpt, failure);
    }

    /// <summary>An OperationOutcome in FHIR JSON or XML (R4 http.html: errors should come with one).</summary>
    internal static bool IsOutcome(string? contentType, byte[] body)
    {
        if (body.Length == 0 || contentType is null) return false;
        if (contentType.Contains("xml", StringComparison.OrdinalIgnoreCase))
            return Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 512)).Contains("<OperationOutcome", StringComparison.Ordinal);
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                   && json.RootElement.TryGetProperty("resourceType", out var type) && type.ValueEquals("OperationOutcome")
                   && json.RootElement.TryGetProperty("issue", out var issues) && issues.GetArrayLength() > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task<(int, string?, byte[])> SendHttpAsync(FuzzRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), Absolute(request.Url));
        if (request.Body is not null || request.Headers.Any(h => ContentHeaders.Contains(h.Key)))
            message.Content = new ByteArrayContent(request.Body ?? []);
        foreach (var (name, value) in request.Headers)
        {
            if (ContentHeaders.Contains(name)) message.Content!.Headers.TryAddWithoutValidation(name, value);
            else message.Headers.TryAddWithoutValidation(name, value);
        }
        // A body the server may refuse on its Content-Length alone: it answers 413 before reading, where a client that
        // is still sending would see the connection close under it.
        if (request.Body is { Length: > 1024 * 1024 }) message.Headers.ExpectContinue = true;
        if (message.Content is not null && !request.Headers.Any(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
            message.Content.Headers.ContentType = null;
        using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
    }

    /// <summary>Writes the bytes on a connection of their own, closes the sending side, reads the answer to the end.</summary>
    private async Task<(int, string?, byte[])> SendRawAsync(byte[] raw)
    {
        using var timeout = new CancellationTokenSource(_options.Timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_baseUri.Host == "localhost" ? "127.0.0.1" : _baseUri.Host, _baseUri.Port, timeout.Token);
        try
        {
            await socket.SendAsync(raw, SocketFlags.None, timeout.Token);
        }
        catch (SocketException)
        {
            // The server may answer and close before it has read everything (a refused chunk size): read what it said.
        }
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var ended = false;
        try
        {
            // Kestrel takes the end of the client's stream for an abort and drops the answer: the sending side is closed
            // only when nothing came for a while, for a body that promised more than it had.
            var first = socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).AsTask();
            if (await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(2), timeout.Token)) != first)
            {
                socket.Shutdown(SocketShutdown.Send);
                ended = true;
            }
            var read = await first;
            while (read > 0)
            {
                received.Write(buffer, 0, read);
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
        }
        catch (SocketException) when (received.Length > 0)
        {
            // A reset after a complete answer: the answer counts.
        }
        catch (SocketException) when (ended)
        {
            // A body shorter than it said, then the end of the client's stream: a client that went away mid-request,
            // which Kestrel answers by closing the connection. Nothing to judge (status 0, no failure).
            return (0, null, []);
        }
        catch (OperationCanceledException)
        {
            throw new TaskCanceledException();
        }
        if (received.Length == 0 && ended) return (0, null, []);
        return RawResponse.Parse(received.ToArray());
    }

    public void Dispose() => _client.Dispose();
}
