using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FhirServer.Tests.Smart;

/// <summary>
/// Backend clients registered by their JWKS URL (SMART client-confidential-asymmetric: servers SHALL support a "URL to
/// JWK Set"): the set is fetched from the client, served here on 127.0.0.1 (one URL and one client per test, so that
/// what one test makes the server keep does not reach another), and kept no longer than its Cache-Control allows.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class JwksUriTests(string store) : SmartServerTests(store)
{
    private static readonly string[] Clients = ["cached", "uncached", "rotated", "jku"];
    private HttpListener _jwksHost = null!;
    private string _host = null!;

    /// <summary>What the client's URL serves: its keys and Cache-Control, and how often it was asked.</summary>
    private sealed class Served
    {
        public TestKeys Keys { get; set; } = new();
        public string CacheControl { get; set; } = "max-age=300";
        public int Fetches;
    }

    private readonly ConcurrentDictionary<string, Served> _served = new();

    protected override Dictionary<string, string> Settings()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        _host = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
        probe.Stop();
        _jwksHost = new HttpListener();
        _jwksHost.Prefixes.Add(_host + "/");
        _jwksHost.Start();
        _ = Task.Run(ServeAsync);
        var settings = base.Settings();
        // This listener shares the machine with the server under test: time enough when it is busy.
        settings["Smart:JwksTimeoutSeconds"] = "60";
        var i = 1;
        foreach (var client in Clients.Append("broken"))
        {
            _served[client] = new Served { Keys = new TestKeys(client) };
            settings[$"Smart:Clients:{i}:ClientId"] = client;
            settings[$"Smart:Clients:{i}:Type"] = "asymmetric";
            settings[$"Smart:Clients:{i}:JwksUri"] = $"{_host}/{client}.json";
            settings[$"Smart:Clients:{i}:Scopes:0"] = "system/*.rs";
            i++;
        }
        _served.TryRemove("broken", out _);
        return settings;
    }

    [OneTimeTearDown]
    public void StopJwksHost() => _jwksHost.Close();

    // GET /{client}.json: that client's keys; another name, a body that is no JSON.
    private async Task ServeAsync()
    {
        while (_jwksHost.IsListening)
        {
            HttpListenerContext http;
            try
            {
                http = await _jwksHost.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            var name = http.Request.Url!.AbsolutePath.Trim('/').Replace(".json", "");
            var body = "{ not json";
            if (_served.TryGetValue(name, out var served))
            {
                Interlocked.Increment(ref served.Fetches);
                http.Response.Headers["Cache-Control"] = served.CacheControl;
                body = served.Keys.Jwks();
            }
            http.Response.ContentType = "application/json";
            var bytes = System.Text.Encoding.UTF8.GetBytes(body);
            await http.Response.OutputStream.WriteAsync(bytes);
            http.Response.Close();
        }
    }

    private async Task<HttpResponseMessage> Token(string client, TestKeys? keys = null, string alg = "RS384", string? jku = null) =>
        await RequestToken((keys ?? _served[client].Keys).Assertion(client, TokenEndpoint, alg, jku: jku), "system/Observation.rs");

    private static async Task AssertOk(HttpResponseMessage response, string what = "") =>
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), what + " " + await response.Content.ReadAsStringAsync());

    private static async Task AssertInvalidClient(HttpResponseMessage response, string contains = "")
    {
        Assert.That((int)response.StatusCode, Is.AnyOf(400, 401));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("invalid_client").And.Contain(contains));
    }

    [Test]
    public async Task Keys_are_fetched_from_the_clients_url_and_kept_as_its_cache_control_allows()
    {
        await AssertOk(await Token("cached", alg: "RS384"));
        await AssertOk(await Token("cached", alg: "ES384"));
        Assert.That(_served["cached"].Fetches, Is.EqualTo(1), "max-age=300: fetched once");
    }

    [Test]
    public async Task With_no_store_the_set_is_fetched_for_each_assertion()
    {
        _served["uncached"].CacheControl = "no-store";
        await AssertOk(await Token("uncached"));
        await AssertOk(await Token("uncached"));
        Assert.That(_served["uncached"].Fetches, Is.EqualTo(2));
    }

    [Test]
    public async Task Keys_the_client_no_longer_publishes_sign_nothing()
    {
        var served = _served["rotated"];
        served.CacheControl = "max-age=0";
        var old = served.Keys;
        await AssertOk(await Token("rotated", old));
        served.Keys = new TestKeys("rotated");
        await AssertInvalidClient(await Token("rotated", old));
        await AssertOk(await Token("rotated"), "the new keys sign");
    }

    [Test]
    public async Task A_jku_header_must_be_the_registered_url()
    {
        await AssertInvalidClient(await Token("jku", jku: $"{_host}/elsewhere.json"), "jku");
        await AssertOk(await Token("jku", jku: $"{_host}/jku.json"));
    }

    [Test]
    public async Task An_unreadable_set_refuses_the_client_and_is_logged()
    {
        Log.Warnings.Clear();
        await AssertInvalidClient(await Token("broken", new TestKeys("broken")));
        Assert.That(Log.Warnings, Has.Some.Contains("could not be read"));
    }
}
