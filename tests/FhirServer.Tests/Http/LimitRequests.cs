using System.Net;
using System.Text;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>Requests and answers shared by the tests of the server's nesting limits.</summary>
internal static class LimitRequests
{
    // The answers hold resources as deep as the server accepts.
    private static readonly JsonDocumentOptions Deep = new() { MaxDepth = 1024 };

    /// <summary><paramref name="times"/> openings, the inner text, and as many closings.</summary>
    public static string Nested(string open, string inner, string close, int times) =>
        string.Concat(Enumerable.Repeat(open, times)) + inner + string.Concat(Enumerable.Repeat(close, times));

    /// <summary>A FHIRPath Patch (R4 fhirpatch.html) of one operation.</summary>
    public static string FhirPathPatch(string type, string path, string? valueString = null) =>
        JsonSerializer.Serialize(new
        {
            resourceType = "Parameters",
            parameter = new[]
            {
                new
                {
                    name = "operation",
                    part = new object[] { new { name = "type", valueCode = type }, new { name = "path", valueString = path } }
                        .Concat(valueString is null ? [] : [new { name = "value", valueString }]).ToArray(),
                },
            },
        });

    public static async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient client, HttpMethod method, string url, string? body = null,
        string mediaType = "application/fhir+json")
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, mediaType);
        request.Headers.Accept.ParseAdd("application/fhir+json");
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text, Deep).RootElement.Clone() : default;
        return (response.StatusCode, json);
    }

    /// <summary>The diagnostics of an OperationOutcome (asserting it is one).</summary>
    public static string Diagnostics(JsonElement outcome)
    {
        Assert.That(outcome.ValueKind == JsonValueKind.Object && outcome.GetProperty("resourceType").GetString() == "OperationOutcome", Is.True, outcome.ToString());
        return string.Join(" | ", outcome.GetProperty("issue").EnumerateArray().Select(i => i.GetProperty("diagnostics").GetString()));
    }

    /// <summary>Asserts a 400 with an OperationOutcome, and returns its diagnostics.</summary>
    public static string BadRequest((HttpStatusCode Status, JsonElement Body) answer)
    {
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.BadRequest), answer.Body.ToString());
        return Diagnostics(answer.Body);
    }

    /// <summary>Creates a resource and returns its id.</summary>
    public static async Task<string> Create(HttpClient client, string json, string mediaType = "application/fhir+json")
    {
        var type = mediaType.Contains("xml") ? json[1..json.IndexOfAny([' ', '>'])] : JsonDocument.Parse(json, Deep).RootElement.GetProperty("resourceType").GetString()!;
        using var response = await client.PostAsync("/" + type, new StringContent(json, Encoding.UTF8, mediaType));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return response.Headers.Location!.ToString().Split('/')[^3];
    }
}
