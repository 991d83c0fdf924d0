using System.Net.Sockets;
using System.Text;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// Malformed HTTP/1.1 framing, sent as raw bytes to a server process of its own (the in-memory test server and
/// HttpClient never send such requests). What reaches the application is answered with an OperationOutcome; what
/// Kestrel refuses while reading the request head is answered by Kestrel alone, with an empty 400
/// (docs/storage-and-rest.md, "Not done yet"). The framing is the host's, not the store's: one store suffices.
/// </summary>
[NonParallelizable]
public class RawRequestTests
{
    private string _dataDirectory = null!;
    private ServerProcess _server = null!;
    private int _port;

    [OneTimeSetUp]
    public async Task Start()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "fhirserver-raw-" + Guid.NewGuid().ToString("N"));
        _server = await ServerProcess.StartAsync(["--data", _dataDirectory]);
        _port = new Uri(_server.BaseUrl).Port;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _server.DisposeAsync();
        TempFolder.Delete(_dataDirectory);
    }

    /// <summary>Sends <paramref name="request"/> as is on a new connection and reads the answer until the server closes it.</summary>
    private async Task<(int Status, string Headers, string Body)> Send(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var answer = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.CopyToAsync(answer, timeout.Token);
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.That(end, Is.GreaterThan(0), $"no answer to {request}: {text}");
        return (int.Parse(text.Split(' ')[1]), text[..end], text[(end + 4)..]);
    }

    private static string Post(string path, string headers, string body) =>
        $"POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/fhir+json\r\n{headers}\r\n{body}";

    [TestCase("/Patient")]
    [TestCase("/Binary")]
    [TestCase("/")]
    public async Task A_chunk_size_past_64_bits_is_400_with_an_outcome(string path)
    {
        // Kestrel's chunk parser overflows and reports an IOException rather than a bad request.
        var (status, _, body) = await Send(Post(path, "Transfer-Encoding: chunked\r\n", "ffffffffffffffff\r\nabc\r\n0\r\n\r\n"));
        Assert.That(status, Is.EqualTo(400), body);
        Assert.That(body, Does.Contain("OperationOutcome").And.Contain("The request body could not be read: Bad chunk size data."));
        Assert.That(_server.Output, Does.Not.Contain("OverflowException"), "not logged as a server error");
    }

    [Test]
    public async Task A_chunk_size_past_64_bits_in_a_search_form_is_400_with_an_outcome()
    {
        var request = Post("/Patient/_search", "Transfer-Encoding: chunked\r\n", "ffffffffffffffff\r\nabc\r\n0\r\n\r\n")
            .Replace("application/fhir+json", "application/x-www-form-urlencoded");
        var (status, _, body) = await Send(request);
        Assert.That(status, Is.EqualTo(400), body);
        Assert.That(body, Does.Contain("OperationOutcome").And.Contain("Bad chunk size data"));
    }

    [Test]
    public async Task Malformed_chunks_and_a_truncated_body_met_while_reading_are_400_with_an_outcome()
    {
        var (status, _, body) = await Send(Post("/Patient", "Transfer-Encoding: chunked\r\n", "zz\r\nabc\r\n0\r\n\r\n"));
        Assert.That(status, Is.EqualTo(400), body);
        Assert.That(body, Does.Contain("OperationOutcome"));

        var (missing, _, chunkEnd) = await Send(Post("/Patient", "Transfer-Encoding: chunked\r\n", "3\r\nabcXX0\r\n\r\n"));
        Assert.That(missing, Is.EqualTo(400), chunkEnd);
        Assert.That(chunkEnd, Does.Contain("OperationOutcome"));
    }

    [TestCase("GET /Patient HTTP/1.1\r\nHost: x:y:z\r\nConnection: close\r\n\r\n", 400, TestName = "A Host of three parts")]
    [TestCase("GET /Patient HTTP/1.1\r\nConnection: close\r\n\r\n", 400, TestName = "No Host")]
    [TestCase("GET /Patient HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n", 400, TestName = "Two Hosts")]
    [TestCase("GET http://elsewhere/Patient HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 400, TestName = "An absolute target on another host")]
    [TestCase("POST /Patient HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1, 2\r\nConnection: close\r\n\r\n{", 400, TestName = "Two Content-Lengths")]
    [TestCase("POST /Patient HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\nConnection: close\r\n\r\n{", 400, TestName = "A Content-Length that is no number")]
    [TestCase("POST /Patient HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, gzip\r\nConnection: close\r\n\r\n{", 400, TestName = "A transfer coding that does not end in chunked")]
    [TestCase("POST /Patient HTTP/1.0\r\nHost: localhost\r\n\r\n{}", 400, TestName = "An HTTP/1.0 body without a Content-Length")]
    [TestCase("GET /Patient HTTP/1.1\r\nHost: localhost\r\nBad Name: 1\r\nConnection: close\r\n\r\n", 400, TestName = "A space in a header name")]
    [TestCase("G\u0001T /Patient HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 400, TestName = "A control character in the method")]
    [TestCase("GET /Pat%00ient HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 400, TestName = "An encoded NUL in the path")]
    [TestCase("GET /Patient HTTP/2.0\r\nHost: localhost\r\nConnection: close\r\n\r\n", 505, TestName = "HTTP/2 spelt as a request line")]
    [TestCase("GET * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 405, TestName = "A GET of the asterisk")]
    public async Task A_request_head_kestrel_refuses_gets_its_empty_answer(string request, int expected)
    {
        // Refused while Kestrel parses the head, before any of the application runs: nothing of ours can answer it
        // (docs/storage-and-rest.md, "Not done yet").
        var (status, headers, body) = await Send(request);
        Assert.That(status, Is.EqualTo(expected));
        Assert.That(headers, Does.Contain("Content-Length: 0"));
        Assert.That(body, Is.Empty);
    }

    [Test]
    public async Task Unknown_routes_and_methods_are_answered_with_an_outcome()
    {
        foreach (var (request, expected) in new[]
                 {
                     ("GET /no/such/route/here/at/all HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 404),
                     ("TRACE /Patient HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 405),
                     ("BREW /Patient HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 405),
                     ("OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 405),
                 })
        {
            var (status, _, body) = await Send(request);
            Assert.That(status, Is.EqualTo(expected), request);
            Assert.That(body, Does.Contain("OperationOutcome"), request);
            Assert.That(body, Does.Not.Contain(" on ."), request);
        }
    }
}
