using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>
/// Many OR values of one parameter (<c>collector=v0,v1,…</c>), on each store: up to <c>Server:MaxOrValues</c> they find
/// what they name, whatever the parameter's type; past it the search is refused with 400 naming the limit.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class ManyValuesTests(string store) : ServerTests(store)
{
    private const int Limit = 1_000;
    private readonly string _run = "m" + Guid.NewGuid().ToString("N")[..10];
    private readonly Dictionary<string, string> _ids = [];

    protected override async Task Seed()
    {
        foreach (var (key, practitioner, date) in new[] { ("a", "pa", "1950-01-02"), ("b", "pb", "1960-03-04"), ("c", "pc", "1970-05-06") })
        {
            var json = $$"""{"resourceType":"Patient","identifier":[{"system":"urn:test:{{_run}}","value":"{{key}}"}],"name":[{"family":"{{_run}}{{key}}"}],"birthDate":"{{date}}","generalPractitioner":[{"reference":"Practitioner/{{_run}}{{practitioner}}"}]}""";
            var response = await Client.PostAsync("/Patient", RestTests.Json(json));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
            _ids[key] = response.Headers.Location!.ToString().Split('/')[^3];
        }
    }

    /// <summary><paramref name="count"/> values of which the last ones are <paramref name="wanted"/>, the others names of nothing.</summary>
    private static string Values(int count, Func<int, string> other, params string[] wanted) =>
        string.Join(",", Enumerable.Range(0, count - wanted.Length).Select(other).Concat(wanted));

    private async Task<(HttpStatusCode Status, JsonElement Body)> Search(string parameter, string values)
    {
        // POST [type]/_search: a thousand values are longer than a request line may be.
        var response = await Client.PostAsync("/Patient/_search", new FormUrlEncodedContent([new(parameter, values)]));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.Clone());
    }

    private async Task<List<string>> Matches(string parameter, string values)
    {
        var (status, body) = await Search(parameter, values);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body.ToString());
        return !body.TryGetProperty("entry", out var entries) ? [] :
            [.. entries.EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!)
                .Select(id => _ids.First(kv => kv.Value == id).Key).Order(StringComparer.Ordinal)];
    }

    [Test]
    public async Task A_thousand_values_of_each_kind_find_their_resources()
    {
        Assert.That(await Matches("identifier", Values(Limit, i => $"urn:test:{_run}|x{i}", $"urn:test:{_run}|a", "c")), Is.EqualTo(new[] { "a", "c" }), "token");
        Assert.That(await Matches("family", Values(Limit, i => $"zz{_run}{i}", $"{_run}b")), Is.EqualTo(new[] { "b" }), "string");
        Assert.That(await Matches("general-practitioner", Values(Limit, i => $"{_run}x{i}", $"{_run}pa", $"Practitioner/{_run}pc")),
            Is.EqualTo(new[] { "a", "c" }), "reference");
        Assert.That(await Matches("birthdate", Values(Limit, i => $"18{i % 100:00}-01-01", "1960-03", "1970-05-06")), Is.EqualTo(new[] { "b", "c" }), "date");
    }

    [Test]
    public async Task A_parameter_repeated_up_to_the_limit_finds_and_past_it_is_refused_naming_the_limit()
    {
        var repeated = string.Concat(Enumerable.Repeat($"&family={_run}a", 99));
        using (var found = JsonDocument.Parse(await Client.GetStringAsync($"/Patient?_count=10{repeated}")))
            Assert.That(found.RootElement.GetProperty("entry").GetArrayLength(), Is.EqualTo(1));

        var response = await Client.GetAsync($"/Patient?_count=10{repeated}&family={_run}a");
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
        Assert.That(body, Does.Contain("OperationOutcome").And.Contain("Server:MaxSearchParameters").And.Contain("too-costly"));
    }

    [Test]
    public async Task More_values_than_the_limit_are_refused_naming_it()
    {
        foreach (var parameter in new[] { "identifier", "family", "general-practitioner", "birthdate" })
        {
            var (status, body) = await Search(parameter, Values(Limit + 1, i => $"19{i % 100:00}"));
            Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), parameter);
            Assert.That(body.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
            Assert.That(body.ToString(), Does.Contain("Server:MaxOrValues").And.Contain("1000"), parameter);
        }
    }
}
