using System.Net;
using System.Text.Json;
using FhirServer.Http;
using Microsoft.Extensions.DependencyInjection;
using static FhirServer.Tests.Http.LimitRequests;

namespace FhirServer.Tests.Http;

/// <summary>
/// A body of megabytes goes through the pooled buffers (Http.BufferPool) unchanged: read into blocks and parsed from
/// one buffer, stored, and answered whole in a read, a searchset, a history Bundle and a batch's answer built in
/// blocks, in JSON and XML; and once the requests are over, the pool holds none of it in use and at most
/// Server:BufferPoolBytes free. On each store.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class LargeBodyTests(string store) : ServerTests(store, new() { ["Server:BufferPoolBytes"] = PoolBytes.ToString() })
{
    private const long PoolBytes = 4L * 1024 * 1024;
    private readonly string _id = "large-" + Guid.NewGuid().ToString("N")[..12];
    private string _data = "";

    protected override async Task Seed()
    {
        // 6 MB of content: 8 MB of base64, many blocks of the pool, past a contiguous buffer's first size.
        var content = new byte[6 * 1024 * 1024 + 11];
        new Random(20261207).NextBytes(content);
        _data = Convert.ToBase64String(content);
        var (status, body) = await Send(Client, HttpMethod.Put, $"/Binary/{_id}",
            $$"""{"resourceType":"Binary","id":"{{_id}}","contentType":"application/octet-stream","data":"{{_data}}"}""");
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ValueKind == JsonValueKind.Object ? body.GetProperty("resourceType").GetString() : "no body");
        Assert.That(body.GetProperty("data").GetString(), Is.EqualTo(_data), "the answer of the create");
    }

    private static IEnumerable<JsonElement> Resources(JsonElement bundle) =>
        bundle.GetProperty("entry").EnumerateArray().Where(e => e.TryGetProperty("resource", out _)).Select(e => e.GetProperty("resource"));

    [Test]
    public async Task A_large_resource_round_trips_through_reads_searches_history_and_batches()
    {
        var (status, read) = await Send(Client, HttpMethod.Get, $"/Binary/{_id}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(read.GetProperty("data").GetString(), Is.EqualTo(_data), "read");

        (status, var searchset) = await Send(Client, HttpMethod.Get, $"/Binary?_id={_id}");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Resources(searchset).Single().GetProperty("data").GetString(), Is.EqualTo(_data), "searchset");

        (status, var history) = await Send(Client, HttpMethod.Get, $"/Binary/{_id}/_history");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(Resources(history).Single().GetProperty("data").GetString(), Is.EqualTo(_data), "history");

        (status, var batch) = await Send(Client, HttpMethod.Post, "/", $$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"GET","url":"Binary?_id={{{_id}}}"}},
              {"request":{"method":"GET","url":"Binary/{{{_id}}}"}},
              {"request":{"method":"GET","url":"Binary/{{{_id}}}/_history"}}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var answers = Resources(batch).ToList();
        Assert.That(answers, Has.Count.EqualTo(3));
        Assert.That(Resources(answers[0]).Single().GetProperty("data").GetString(), Is.EqualTo(_data), "batch search");
        Assert.That(answers[1].GetProperty("data").GetString(), Is.EqualTo(_data), "batch read");
        Assert.That(Resources(answers[2]).Single().GetProperty("data").GetString(), Is.EqualTo(_data), "batch history");
    }

    [Test]
    public async Task A_large_searchset_is_answered_in_xml_and_pretty_json()
    {
        foreach (var format in new[] { "xml", "json&_pretty=true" })
        {
            using var response = await Client.GetAsync($"/Binary?_id={_id}&_format={format}");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), format);
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(text, Does.Contain(_data), format);
        }
    }

    [Test]
    public async Task Once_the_requests_are_over_the_pool_holds_nothing_in_use_and_at_most_its_bound_free()
    {
        // Four large requests at once: reads, searches and batches of the 8 MB resource, and a large create.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            var (status, _) = i switch
            {
                0 => await Send(Client, HttpMethod.Get, $"/Binary?_id={_id}"),
                1 => await Send(Client, HttpMethod.Post, "/", $$$"""{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Binary?_id={{{_id}}}"}}]}"""),
                2 => await Send(Client, HttpMethod.Get, $"/Binary/{_id}/_history"),
                _ => await Send(Client, HttpMethod.Post, "/Binary", $$"""{"resourceType":"Binary","contentType":"text/plain","data":"{{_data}}"}"""),
            };
            Assert.That(status, Is.EqualTo(i == 3 ? HttpStatusCode.Created : HttpStatusCode.OK));
        }));
        var pool = Factory.Services.GetRequiredService<BufferPool>();
        // A request's buffers go back once its response is complete, which the client may see first.
        for (var wait = 0; pool.InUseBytes > 0 && wait < 100; wait++) await Task.Delay(50);
        Assert.That(pool.InUseBytes, Is.Zero);
        Assert.That(pool.FreeBytes, Is.GreaterThan(0).And.LessThanOrEqualTo(PoolBytes));
    }
}
