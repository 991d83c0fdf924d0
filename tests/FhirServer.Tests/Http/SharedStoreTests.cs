using System.Net;
using System.Text;
using System.Text.Json;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Http;

/// <summary>
/// Two server processes on one store (the same SQLite file, the same PostgreSQL database), as behind a load balancer.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
[NonParallelizable]
public class SharedStoreTests(string store)
{
    private ProcessStore _store = null!;
    private ServerProcess _first = null!;
    private ServerProcess _second = null!;

    [OneTimeSetUp]
    public async Task StartServers()
    {
        _store = new ProcessStore(store, "shared");
        _first = await ServerProcess.StartAsync(_store.Arguments);
        _second = await ServerProcess.StartAsync(_store.Arguments);
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        _store.Dispose();
    }

    [Test]
    public async Task Conditional_creates_sent_to_both_processes_create_once()
    {
        using var first = new HttpClient { BaseAddress = new Uri(_first.BaseUrl) };
        using var second = new HttpClient { BaseAddress = new Uri(_second.BaseUrl) };
        var run = Guid.NewGuid().ToString("N");
        // Several practitioners, each sent by 16 clients at once, half to each process, as REST creates and as transactions.
        var keys = Enumerable.Range(0, 6).Select(i => (System: $"urn:test:shared-{run}", Value: $"81000000000{i}")).ToList();
        var sends = keys.SelectMany(k => Enumerable.Range(0, 16).Select(i => Send(i % 2 == 0 ? first : second, k.System, k.Value, transaction: i % 4 >= 2)));
        var answers = await Task.WhenAll(sends);
        Assert.That(answers, Is.All.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.OK), string.Join(", ", answers));
        foreach (var (system, value) in keys)
        {
            using var found = JsonDocument.Parse(await first.GetStringAsync($"/Practitioner?identifier={Uri.EscapeDataString(system + "|" + value)}"));
            var count = found.RootElement.TryGetProperty("entry", out var entries) ? entries.GetArrayLength() : 0;
            Assert.That(count, Is.EqualTo(1), $"one practitioner {value}, however the creates interleaved between the processes");
        }
        Assert.That(answers.Count(a => a == HttpStatusCode.Created), Is.EqualTo(keys.Count), "one create per practitioner, the others found it");
    }

    [Test]
    public async Task Updates_of_one_resource_sent_to_both_processes_get_distinct_consecutive_versions()
    {
        using var first = new HttpClient { BaseAddress = new Uri(_first.BaseUrl) };
        using var second = new HttpClient { BaseAddress = new Uri(_second.BaseUrl) };
        var id = "shared-" + Guid.NewGuid().ToString("N")[..12];
        async Task<int> Put(HttpClient client, int i)
        {
            var body = $$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"V{{i}}"}]}""";
            using var response = await client.PutAsync($"/Patient/{id}", new StringContent(body, Encoding.UTF8, "application/fhir+json"));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK).Or.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return int.Parse(doc.RootElement.GetProperty("meta").GetProperty("versionId").GetString()!);
        }
        var versions = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Put(i % 2 == 0 ? first : second, i)));
        Assert.That(versions.Order(), Is.EqualTo(Enumerable.Range(1, 40)), "version numbers come from the database, not from either process");
        using var history = JsonDocument.Parse(await second.GetStringAsync($"/Patient/{id}/_history?_count=100"));
        Assert.That(history.RootElement.GetProperty("entry").GetArrayLength(), Is.EqualTo(40));
    }

    [Test]
    public async Task Creates_of_one_INS_sent_to_both_processes_make_one_patient()
    {
        using var first = new HttpClient { BaseAddress = new Uri(_first.BaseUrl) };
        using var second = new HttpClient { BaseAddress = new Uri(_second.BaseUrl) };
        var nir = French.InsIdentities.NewNir();
        // Different names, so that no conditional create could be what keeps them apart: only the INS's unique key.
        async Task<HttpStatusCode> Post(int i)
        {
            using var response = await (i % 2 == 0 ? first : second).PostAsync("/Patient",
                new StringContent(French.InsIdentities.Patient(nir, "P" + i), Encoding.UTF8, "application/fhir+json"));
            if (response.StatusCode == HttpStatusCode.Conflict)
                Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("already has the identifier"));
            return response.StatusCode;
        }
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(Post));
        Assert.That(answers.Count(a => a == HttpStatusCode.Created), Is.EqualTo(1), string.Join(", ", answers));
        Assert.That(answers.Count(a => a == HttpStatusCode.Conflict), Is.EqualTo(23), string.Join(", ", answers));
        using var found = JsonDocument.Parse(await second.GetStringAsync($"/Patient?identifier={Uri.EscapeDataString(French.InsIdentities.InsNir + "|" + nir)}"));
        Assert.That(found.RootElement.GetProperty("entry").GetArrayLength(), Is.EqualTo(1));
    }

    private static async Task<HttpStatusCode> Send(HttpClient client, string system, string value, bool transaction)
    {
        var body = $$"""{"resourceType":"Practitioner","identifier":[{"system":"{{system}}","value":"{{value}}"}],"name":[{"family":"Martin"}]}""";
        var criteria = $"identifier={Uri.EscapeDataString(system + "|" + value)}";
        if (!transaction)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/Practitioner") { Content = new StringContent(body, Encoding.UTF8, "application/fhir+json") };
            request.Headers.Add("If-None-Exist", criteria);
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }
        var bundle = $$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{{{body}}},"request":{"method":"POST","url":"Practitioner","ifNoneExist":"{{{criteria}}}"}}]}""";
        using var answer = await client.PostAsync("/", new StringContent(bundle, Encoding.UTF8, "application/fhir+json"));
        if (answer.StatusCode != HttpStatusCode.OK) return answer.StatusCode;
        using var doc = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        var status = doc.RootElement.GetProperty("entry")[0].GetProperty("response").GetProperty("status").GetString()!;
        return (HttpStatusCode)int.Parse(status.Split(' ')[0]);
    }
}
