using System.Text.Json;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Hosting;

/// <summary>
/// The server's log as an operator reads it: one line per request (method, path, status, duration, bytes; an error's
/// OperationOutcome message), JSON lines with a timestamp, and the missing packages said once at start-up.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
[NonParallelizable]
public class RequestLogTests(string store)
{
    private ProcessStore _store = null!;

    [SetUp]
    public void CreateStore() => _store = new ProcessStore(store, "request-log");

    [TearDown]
    public void DeleteStore() => _store.Dispose();

    private static List<JsonElement> JsonLines(string output, string category) =>
    [
        .. output.Split('\n').Where(l => l.TrimStart().StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("Category", out var c) && c.GetString() == category),
    ];

    [Test]
    public async Task Each_request_is_one_json_line_with_a_timestamp_and_an_errors_message()
    {
        await using var server = await ServerProcess.StartAsync([.. _store.Arguments, "--log-format", "json"]);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var created = await http.PostAsync("/Patient", new StringContent("""{"resourceType":"Patient","gender":"female"}""",
            System.Text.Encoding.UTF8, "application/fhir+json"));
        Assert.That((int)created.StatusCode, Is.EqualTo(201));
        var id = created.Headers.Location!.Segments[2].TrimEnd('/');
        var read = await http.GetAsync($"/Patient/{id}?_pretty=false");
        var body = await read.Content.ReadAsByteArrayAsync();
        var missing = await http.GetAsync("/Patient/no-such-patient");
        Assert.That((int)missing.StatusCode, Is.EqualTo(404));
        Assert.That(await server.WaitForLine("/Patient/no-such-patient", TimeSpan.FromSeconds(30)), Is.True, server.Output);

        var lines = JsonLines(server.Output, "FhirServer.Requests");
        var get = lines.Single(l => l.GetProperty("State").GetProperty("Path").ToString() == $"/Patient/{id}");
        Assert.That(get.GetProperty("LogLevel").GetString(), Is.EqualTo("Information"));
        Assert.That(DateTime.TryParse(get.GetProperty("Timestamp").GetString(), out _), Is.True, get.ToString());
        var state = get.GetProperty("State");
        Assert.That(state.GetProperty("Method").ToString(), Is.EqualTo("GET"));
        Assert.That(state.GetProperty("Status").ToString(), Is.EqualTo("200"));
        Assert.That(state.GetProperty("Bytes").ToString(), Is.EqualTo(body.Length.ToString()));
        Assert.That(double.TryParse(state.GetProperty("DurationMs").ToString(), System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0, Is.True);
        Assert.That(get.GetProperty("Message").GetString(), Does.Not.Contain("_pretty"), "the query string stays out of the log");

        var notFound = lines.Single(l => l.GetProperty("State").GetProperty("Path").ToString() == "/Patient/no-such-patient");
        Assert.That(notFound.GetProperty("State").GetProperty("Status").ToString(), Is.EqualTo("404"));
        Assert.That(notFound.GetProperty("State").GetProperty("Outcome").ToString(), Does.Contain("no-such-patient"));
        Assert.That(lines.Any(l => l.GetProperty("State").GetProperty("Method").ToString() == "POST"
            && l.GetProperty("State").GetProperty("Status").ToString() == "201"), Is.True);

        // The packages the test set's guides depend on but the cache lacks: one warning line, not one per package.
        var packages = JsonLines(server.Output, "FhirServer.Conformance.Context.ConformanceContext").Where(l => l.GetProperty("LogLevel").GetString() == "Warning").ToList();
        Assert.That(packages, Has.Count.LessThanOrEqualTo(1));
        Assert.That(server.Output, Does.Not.Contain("was not found in the package cache"));
    }

    [Test]
    public async Task The_request_log_can_be_switched_off()
    {
        await using var server = await ServerProcess.StartAsync([.. _store.Arguments, "--request-log", "false", "--log-format", "json"]);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        Assert.That((int)(await http.GetAsync("/Patient/no-such-patient")).StatusCode, Is.EqualTo(404));
        Assert.That((await http.GetAsync("/metadata")).IsSuccessStatusCode, Is.True);
        Assert.That(JsonLines(server.Output, "FhirServer.Requests"), Is.Empty);
    }
}
