using System.Net;
using FhirServer.Tests.Support;
using static FhirServer.Tests.Http.LimitRequests;

namespace FhirServer.Tests.Http;

/// <summary>
/// FHIRPath Patch paths nested past <c>Server:FhirPathMaxDepth</c>: the requests that used to exhaust the stack and
/// end the process (10,000 parentheses; <c>where(name.where(…</c> 7,000 deep) are a 400, and the server answers on.
/// In a server process of its own, so that a failure shows as that process ending rather than the test run's; with
/// the length limit raised so that the depth limit is the one met.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
[NonParallelizable]
public class FhirPathPatchLimitTests(string store)
{
    private const int MaxDepth = 200;
    private ProcessStore _store = null!;
    private ServerProcess _server = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _store = new ProcessStore(store, "fhirpath-limits");
        _server = await ServerProcess.StartAsync([.. _store.Arguments, "--Server:FhirPathMaxLength", "1000000"]);
        _client = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        _store.Dispose();
    }

    private async Task AssertStillServing()
    {
        Assert.That(_server.Process.HasExited, Is.False, _server.Output);
        using var metadata = await _client.GetAsync("/metadata");
        Assert.That(metadata.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Ten_thousand_parentheses_are_a_400_and_the_server_answers_on()
    {
        var body = FhirPathPatch("delete", Nested("(", "Patient.name", ")", 10_000));
        var diagnostics = BadRequest(await Send(_client, HttpMethod.Patch, "/Patient/anything", body));
        Assert.That(diagnostics, Does.Contain($"limit of {MaxDepth} levels").And.Contain("Server:FhirPathMaxDepth"));
        Assert.That(diagnostics, Has.Length.LessThan(500), "the path is not repeated back");
        await AssertStillServing();
    }

    [Test]
    public async Task Criteria_nested_7000_deep_are_a_400_and_the_server_answers_on()
    {
        var body = FhirPathPatch("delete", "Patient" + Nested(".where(name", ".exists()", ")", 7_000));
        Assert.That(BadRequest(await Send(_client, HttpMethod.Patch, "/Patient/anything", body)), Does.Contain("Server:FhirPathMaxDepth"));
        await AssertStillServing();
    }

    [Test]
    public async Task A_path_at_the_depth_limit_is_applied_and_one_level_deeper_is_refused()
    {
        var id = await Create(_client, """{"resourceType":"Patient","name":[{"family":"Deep"}],"gender":"other"}""");
        // Patient.name.where(where(…where(true)…)): the outer call, then k calls nested in its criteria, then true: k + 2 levels.
        string Path(int levels) => "Patient.name.where(" + Nested("where(", "true", ")", levels - 2) + ")";

        var deeper = BadRequest(await Send(_client, HttpMethod.Patch, $"/Patient/{id}", FhirPathPatch("delete", Path(MaxDepth + 1))));
        Assert.That(deeper, Does.Contain("Server:FhirPathMaxDepth"));

        var (status, patched) = await Send(_client, HttpMethod.Patch, $"/Patient/{id}", FhirPathPatch("delete", Path(MaxDepth)));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), patched.ToString());
        Assert.That(patched.TryGetProperty("name", out _), Is.False, "the name the path selects is deleted");
        await AssertStillServing();
    }

    [Test]
    public async Task In_a_transaction_a_path_too_deep_refuses_the_transaction()
    {
        var patch = FhirPathPatch("delete", Nested("(", "Patient.name", ")", 10_000));
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:9b1c0a5e-0000-4000-8000-000000000001","resource":{{{patch}}},"request":{"method":"PATCH","url":"Patient/anything"}}]}
            """;
        Assert.That(BadRequest(await Send(_client, HttpMethod.Post, "/", bundle)), Does.Contain("Server:FhirPathMaxDepth"));
        await AssertStillServing();
    }

    [Test]
    public async Task A_path_over_the_length_limit_is_a_400_that_names_it()
    {
        var body = FhirPathPatch("delete", "'" + new string('a', 1_000_000) + "'");
        var diagnostics = BadRequest(await Send(_client, HttpMethod.Patch, "/Patient/anything", body));
        Assert.That(diagnostics, Does.Contain("1,000,002 characters long, over the limit of 1,000,000").And.Contain("Server:FhirPathMaxLength"));
        Assert.That(diagnostics, Has.Length.LessThan(500));
        await AssertStillServing();
    }
}
