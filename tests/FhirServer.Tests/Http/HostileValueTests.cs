using System.Net;
using System.Text;
using System.Text.Json;
using static FhirServer.Tests.Http.LimitRequests;

namespace FhirServer.Tests.Http;

/// <summary>
/// Values a store or a format cannot hold, answered alike on both stores with a 4xx and an OperationOutcome:
/// characters XML 1.0 forbids quoted in an error written as XML, U+0000 in search values and cursors.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class HostileValueTests(string store) : ServerTests(store)
{
    [Test]
    public async Task An_error_quoting_a_control_character_is_written_as_xml()
    {
        // The parser refuses the value and its message quotes it; the answer is XML, which cannot hold U+0014.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Patient")
        {
            Content = new StringContent("<Patient xmlns=\"http://hl7.org/fhir\"><gender value=\"ma\u0014le\"/></Patient>", Encoding.UTF8, "application/fhir+xml"),
        };
        request.Headers.Accept.ParseAdd("application/fhir+xml");
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.InRange(400, 499), body);
        Assert.That(body, Does.Contain("<OperationOutcome").And.Contain("\uFFFD"));
        Assert.DoesNotThrow(() => System.Xml.Linq.XDocument.Parse(body));
    }

    [Test]
    public async Task A_search_value_holding_nul_is_refused()
    {
        Assert.That(BadRequest(await Send(Client, HttpMethod.Get, "/Patient?name=a%00b")), Does.Contain("U+0000"));
        Assert.That(BadRequest(await Send(Client, HttpMethod.Get, "/Patient?identifier=a%00b")), Does.Contain("U+0000"));
        Assert.That(BadRequest(await Send(Client, HttpMethod.Get, "/Patient?_id=a%00b")), Does.Contain("U+0000"));
    }

    [Test]
    public async Task A_cursor_holding_nul_is_refused()
    {
        // Forged cursors of every length whose keys hold U+0000: the one of the right shape reaches the query.
        for (var keys = 1; keys <= 4; keys++)
        {
            var forged = Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new object?[] { "n" }.Concat(Enumerable.Repeat<object?>("a\0b", keys)).ToArray()))
                .TrimEnd('=').Replace('+', '-').Replace('/', '_');
            foreach (var url in new[] { "/Patient?_count=1&_cursor=", "/Patient?_count=1&_sort=family&_cursor=", "/Patient?_count=1&_sort=-_lastUpdated&_cursor=" })
            {
                var answer = await Send(Client, HttpMethod.Get, url + forged);
                Assert.That((int)answer.Status, Is.InRange(400, 499), url + forged + " " + answer.Body);
                Diagnostics(answer.Body);
            }
        }
    }

    [TestCase("insert", "Patient.repeat($this)")]
    [TestCase("insert", "Patient")]
    [TestCase("move", "Patient.repeat($this)")]
    [TestCase("move", "Patient.name | Patient")]
    [TestCase("insert", "Patient.name | Patient")]
    [TestCase("replace", "Patient")]
    [TestCase("delete", "Patient")]
    [TestCase("add", "Patient.name | Patient")]
    public async Task A_patch_path_selecting_the_resource_itself_is_a_422(string type, string path)
    {
        var id = await Create(Client, """{"resourceType":"Patient","name":[{"family":"A"},{"family":"B"}]}""");
        var parts = new List<object> { new { name = "type", valueCode = type }, new { name = "path", valueString = path } };
        if (type is "insert" or "replace" or "add") parts.Add(new { name = "value", valueHumanName = new { family = "C" } });
        if (type == "add") parts.Add(new { name = "name", valueString = "name" });
        if (type == "insert") parts.Add(new { name = "index", valueInteger = 0 });
        if (type == "move") parts.AddRange([new { name = "source", valueInteger = 0 }, new { name = "destination", valueInteger = 1 }]);
        var patch = JsonSerializer.Serialize(new { resourceType = "Parameters", parameter = new[] { new { name = "operation", part = parts } } });
        var answer = await Send(Client, HttpMethod.Patch, $"/Patient/{id}", patch, "application/fhir+json");
        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.UnprocessableEntity), answer.Body.ToString());
        Diagnostics(answer.Body);
        Assert.That((await Send(Client, HttpMethod.Get, $"/Patient/{id}/_history")).Body.GetProperty("entry").GetArrayLength(), Is.EqualTo(1));
    }

    // Bodies that are no deflate data: a zlib header asking for a preset dictionary, a stored block whose length
    // check fails, a reserved block type, a distance too far back.
    [TestCase(new byte[] { 0x78, 0xBB, 0x00, 0x00, 0x00, 0x01, 0x4B, 0x04, 0x00 })]
    [TestCase(new byte[] { 0x01, 0x05, 0x00, 0x00, 0x00, 0x41 })]
    [TestCase(new byte[] { 0x07, 0x00 })]
    [TestCase(new byte[] { 0x63, 0x00, 0x02, 0x00 })]
    [TestCase(new byte[] { 0x78, 0x9C, 0x07, 0x00 })]
    [TestCase(new byte[] { 0x78, 0x9C })]
    public async Task A_body_that_is_no_deflate_data_is_a_400(byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Patient") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/fhir+json");
        request.Content.Headers.ContentEncoding.Add("deflate");
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(text, Does.Contain("OperationOutcome"));
    }

    // Values of 1 MB in indexed strings, tokens, uris and references: stored (a B-tree entry of PostgreSQL holds
    // 2,704 bytes), and found alike on both stores by the whole value or by a prefix.
    [TestCase("Patient", "family", "exact")]
    [TestCase("Patient", "identifier", null)]
    [TestCase("ValueSet", "url", null)]
    [TestCase("Observation", "subject", null)]
    public async Task A_value_of_a_megabyte_is_indexed_and_found(string type, string parameter, string? modifier)
    {
        var unique = Guid.NewGuid().ToString("N");
        var value = unique + new string('x', 1_000_000);
        var json = parameter switch
        {
            "family" => JsonSerializer.Serialize(new { resourceType = "Patient", name = new[] { new { family = value } } }),
            "identifier" => JsonSerializer.Serialize(new { resourceType = "Patient", identifier = new[] { new { system = "urn:s", value } } }),
            "url" => JsonSerializer.Serialize(new { resourceType = "ValueSet", status = "draft", url = "urn:" + value }),
            _ => JsonSerializer.Serialize(new { resourceType = "Observation", status = "final", code = new { text = "x" }, subject = new { reference = "urn:" + value } }),
        };
        var id = await Create(Client, json);
        var searched = parameter switch { "identifier" => "urn:s|" + value, "url" or "subject" => "urn:" + value, _ => value };
        foreach (var form in new[] { searched, searched[..^1] + "y" })
        {
            var key = modifier is null ? parameter : parameter + ":" + modifier;
            using var content = new FormUrlEncodedContent([new(key, form)]);
            using var response = await Client.PostAsync($"/{type}/_search", content);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body[..Math.Min(body.Length, 2000)]);
            // The index holds the first 512 characters: a value that differs only past them is found too.
            Assert.That(body, Does.Contain(id));
        }
    }
}
