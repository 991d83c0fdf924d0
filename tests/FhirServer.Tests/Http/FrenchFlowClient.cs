using System.Net;
using System.Text;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>The requests and readings of the French flow tests: a status with its JSON body, the ids of a searchset, the links.</summary>
public sealed class FrenchFlowClient(HttpClient client)
{
    public async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string url, string? json = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/fhir+json");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> Get(string url) => Send(HttpMethod.Get, url);

    /// <summary>Creates (POST) a resource and answers its id; fails the test unless 201.</summary>
    public async Task<string> Create(string json)
    {
        var type = JsonDocument.Parse(json).RootElement.GetProperty("resourceType").GetString();
        var (status, body) = await Send(HttpMethod.Post, "/" + type, json);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    /// <summary>Creates or updates (PUT) a resource with its id; fails the test unless 200 or 201.</summary>
    public async Task Put(string json)
    {
        var root = JsonDocument.Parse(json).RootElement;
        var (status, body) = await Send(HttpMethod.Put, $"/{root.GetProperty("resourceType").GetString()}/{root.GetProperty("id").GetString()}", json);
        Assert.That((int)status, Is.EqualTo(200).Or.EqualTo(201), body.ToString());
    }

    /// <summary>The "Type/id" of a searchset's entries of <paramref name="mode"/> (match or include).</summary>
    public async Task<List<string>> Found(string url, string mode = "match")
    {
        var (status, bundle) = await Get(url);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), bundle.ToString());
        return Entries(bundle, mode);
    }

    public static List<string> Entries(JsonElement bundle, string mode = "match") =>
        bundle.TryGetProperty("entry", out var entries)
            ? [.. entries.EnumerateArray().Where(e => e.GetProperty("search").GetProperty("mode").GetString() == mode)
                .Select(e => e.GetProperty("resource")).Select(r => $"{r.GetProperty("resourceType").GetString()}/{r.GetProperty("id").GetString()}")]
            : [];

    public static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray().FirstOrDefault(l => l.GetProperty("relation").GetString() == relation) is { ValueKind: JsonValueKind.Object } l
            ? l.GetProperty("url").GetString() : null;

    /// <summary>The path and query of an absolute link, to send on the test client.</summary>
    public static string Relative(string url) => new Uri(url).PathAndQuery;

    /// <summary>The messages and FHIRPath expressions of an OperationOutcome's issues.</summary>
    public static string Issues(JsonElement outcome) =>
        string.Join("\n", outcome.GetProperty("issue").EnumerateArray().Select(i =>
            i.GetProperty("diagnostics").GetString() + " @ " + (i.TryGetProperty("expression", out var e) ? e[0].GetString() : "")));
}
