using System.Net;
using System.Text.Json;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// Request lines and header sections over the server's limits get 414 / 431 with an OperationOutcome — through Kestrel,
/// in a server process of its own, since Kestrel's own (lower, by default) limits would refuse them before the
/// application with an empty answer, which the in-memory test server does not show. The limits are the host's, not
/// the store's: one store suffices.
/// </summary>
[NonParallelizable]
public class RequestLimitTests
{
    private string _dataDirectory = null!;
    private ServerProcess _server = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "fhirserver-limits-" + Guid.NewGuid().ToString("N"));
        _server = await ServerProcess.StartAsync(["--data", _dataDirectory]);
        _client = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        TempFolder.Delete(_dataDirectory);
    }

    private static async Task<string> Diagnostics(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/fhir+json"), "an OperationOutcome, not Kestrel's empty answer");
        using var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(outcome.RootElement.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        return outcome.RootElement.GetProperty("issue")[0].GetProperty("diagnostics").GetString()!;
    }

    [Test]
    public async Task A_search_url_over_the_limit_is_414_with_an_outcome_that_points_to_post_search()
    {
        // Over Kestrel's default of 8 KB and over the server's 32 KB: the server answers, not Kestrel.
        var ids = string.Join(',', Enumerable.Range(0, 1_000).Select(i => $"patient-{i:D5}-{new string('x', 30)}"));
        Assert.That(ids.Length, Is.InRange(33_000, 100_000));
        var response = await _client.GetAsync("/Patient?_id=" + ids);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestUriTooLong));
        Assert.That(await Diagnostics(response), Does.Contain("POST [type]/_search").And.Contain("32,768"));

        // Under the limit, though over Kestrel's default: searched.
        var some = await _client.GetAsync("/Patient?_id=" + ids[..12_000].TrimEnd(',', 'x'));
        Assert.That(some.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        // The same parameters as a form body are searched.
        var posted = await _client.PostAsync("/Patient/_search", new FormUrlEncodedContent([new("_id", ids)]));
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await posted.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Header_fields_over_the_limits_are_431_with_an_outcome()
    {
        using var large = new HttpRequestMessage(HttpMethod.Get, "/metadata");
        large.Headers.TryAddWithoutValidation("X-Large", new string('a', 40_000));
        var response = await _client.SendAsync(large);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestHeaderFieldsTooLarge));
        Assert.That(await Diagnostics(response), Does.Contain("header fields are").And.Contain("MaxRequestHeaderBytes"));

        using var many = new HttpRequestMessage(HttpMethod.Get, "/metadata");
        for (var i = 0; i < 150; i++) many.Headers.TryAddWithoutValidation($"X-Field-{i}", "1");
        var counted = await _client.SendAsync(many);
        Assert.That(counted.StatusCode, Is.EqualTo(HttpStatusCode.RequestHeaderFieldsTooLarge));
        Assert.That(await Diagnostics(counted), Does.Contain("header fields, over").And.Contain("MaxRequestHeaders"));

        using var fine = new HttpRequestMessage(HttpMethod.Get, "/metadata");
        fine.Headers.TryAddWithoutValidation("X-Token", new string('a', 20_000));
        Assert.That((await _client.SendAsync(fine)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task A_chunked_body_over_the_limit_is_413_with_the_servers_own_outcome()
    {
        // No Content-Length: the limit is met while reading, where Kestrel's backstop (one byte more) trips as well.
        var body = new MemoryStream(new byte[21 * 1024 * 1024]);
        using var content = new StreamContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/fhir+json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Patient") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await _client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await Diagnostics(response), Is.EqualTo("The request body is larger than the limit of 20,971,520 bytes."));
    }

    [Test]
    public async Task A_compressed_body_that_decompresses_over_the_limit_is_413_with_the_servers_own_outcome()
    {
        // 30 MB of zeros is some 30 KB in gzip: Kestrel's limit on what arrives does not see it, the decompressed count does.
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(new byte[30 * 1024 * 1024]);
        using var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/fhir+json");
        content.Headers.ContentEncoding.Add("gzip");
        var response = await _client.PostAsync("/Patient", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await Diagnostics(response), Is.EqualTo("The request body is larger than the limit of 20,971,520 bytes."));
    }

    [Test]
    public async Task A_head_many_times_over_the_limit_is_still_refused_by_kestrel()
    {
        // Beyond the backstop (four times the limit) Kestrel refuses the request itself, without an OperationOutcome.
        var response = await _client.GetAsync("/Patient?name=" + new string('a', 200_000));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestUriTooLong));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.Empty);
    }
}
