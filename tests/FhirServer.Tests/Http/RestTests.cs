using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace FhirServer.Tests.Http;

/// <summary>The instance and type interactions of R4 http.html, end to end, on each store.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class RestTests(string store) : ServerTests(store)
{

    private const string Patient = """{"resourceType":"Patient","id":"client-id","meta":{"versionId":"77","profile":["http://example.org/p"]},"name":[{"family":"Dupont","given":["Hélène"]}],"birthDate":"1970-01-01"}""";

    internal static StringContent Json(string json, string mediaType = "application/fhir+json") => new(json, Encoding.UTF8, mediaType);

    private async Task<(HttpResponseMessage Response, JsonElement Body)> Send(HttpMethod method, string url, string? json = null,
        string mediaType = "application/fhir+json", Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null) request.Content = Json(json, mediaType);
        configure?.Invoke(request);
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response, body);
    }

    private async Task<JsonElement> CreatePatient(string json = Patient)
    {
        var (response, body) = await Send(HttpMethod.Post, "/Patient", json);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), body.ToString());
        return body;
    }

    private static string Issues(JsonElement outcome) =>
        string.Join(" | ", outcome.GetProperty("issue").EnumerateArray().Select(i => i.GetProperty("diagnostics").GetString()));

    [Test]
    public async Task Create_assigns_id_version_and_instant_and_keeps_the_rest_exactly()
    {
        var (response, body) = await Send(HttpMethod.Post, "/Patient", Patient);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = body.GetProperty("id").GetString()!;
        Assert.That(id, Is.Not.EqualTo("client-id").And.Match("^[A-Za-z0-9.-]{1,64}$"));
        var meta = body.GetProperty("meta");
        Assert.That(meta.GetProperty("versionId").GetString(), Is.EqualTo("1"));
        Assert.That(DateTimeOffset.Parse(meta.GetProperty("lastUpdated").GetString()!), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
        Assert.That(meta.GetProperty("profile")[0].GetString(), Is.EqualTo("http://example.org/p"));
        Assert.That(response.Headers.Location!.ToString(), Does.EndWith($"/Patient/{id}/_history/1"));
        Assert.That(response.Headers.ETag!.ToString(), Is.EqualTo("W/\"1\""));
        Assert.That(response.Content.Headers.LastModified, Is.Not.Null);

        var read = await Client.GetAsync($"/Patient/{id}");
        var text = await read.Content.ReadAsStringAsync();
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(text, Does.Contain("Hélène"));
        Assert.That(read.Headers.ETag!.ToString(), Is.EqualTo("W/\"1\""));

        var (observation, _) = await Send(HttpMethod.Post, "/Observation",
            """{"resourceType":"Observation","status":"final","code":{"text":"poids"},"valueQuantity":{"value":1.10,"unit":"kg"}}""");
        var stored = await (await Client.GetAsync(observation.Headers.Location!.AbsolutePath)).Content.ReadAsStringAsync();
        Assert.That(stored, Does.Contain("\"value\":1.10"), "decimals are kept as written");
    }

    [Test]
    public async Task Update_adds_versions_and_vread_returns_each()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var (update, body) = await Send(HttpMethod.Put, $"/Patient/{id}", $$"""{"resourceType":"Patient","id":"{{id}}","gender":"female"}""");
        Assert.That(update.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(body.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));
        Assert.That(body.TryGetProperty("name", out _), Is.False);

        var (v1, first) = await Send(HttpMethod.Get, $"/Patient/{id}/_history/1");
        Assert.That(v1.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(first.GetProperty("name")[0].GetProperty("family").GetString(), Is.EqualTo("Dupont"));
        var (v2, second) = await Send(HttpMethod.Get, $"/Patient/{id}/_history/2");
        Assert.That(second.GetProperty("gender").GetString(), Is.EqualTo("female"));
        Assert.That(v2.Headers.ETag!.ToString(), Is.EqualTo("W/\"2\""));
        var (v3, outcome) = await Send(HttpMethod.Get, $"/Patient/{id}/_history/3");
        Assert.That(v3.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
    }

    [Test]
    public async Task Update_as_create_uses_theClient_id()
    {
        var id = "fr-" + Guid.NewGuid().ToString("N")[..12];
        var (response, body) = await Send(HttpMethod.Put, $"/Patient/{id}", $$"""{"resourceType":"Patient","id":"{{id}}"}""");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(body.GetProperty("id").GetString(), Is.EqualTo(id));
        Assert.That(response.Headers.Location!.ToString(), Does.EndWith($"/Patient/{id}/_history/1"));
    }

    [Test]
    public async Task Update_refuses_a_body_whose_id_or_type_disagrees_with_the_url()
    {
        var (missing, o1) = await Send(HttpMethod.Put, "/Patient/abc", """{"resourceType":"Patient"}""");
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Issues(o1), Does.Contain("no id"));
        var (differs, o2) = await Send(HttpMethod.Put, "/Patient/abc", """{"resourceType":"Patient","id":"xyz"}""");
        Assert.That(differs.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Issues(o2), Does.Contain("xyz").And.Contain("abc"));
        var (type, o3) = await Send(HttpMethod.Put, "/Patient/abc", """{"resourceType":"Observation","id":"abc","status":"final","code":{"text":"x"}}""");
        Assert.That(type.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(Issues(o3), Does.Contain("Observation"));
    }

    [Test]
    public async Task If_match_guards_update_and_delete_with_412()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var body = $$"""{"resourceType":"Patient","id":"{{id}}","active":true}""";
        var (stale, outcome) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"5\""));
        Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(Issues(outcome), Does.Contain("W/\"1\""));
        var (ok, _) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"1\""));
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (staleDelete, _) = await Send(HttpMethod.Delete, $"/Patient/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"1\""));
        Assert.That(staleDelete.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        var (bad, _) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => r.Headers.TryAddWithoutValidation("If-Match", "yesterday"));
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task If_match_takes_a_star_and_a_list_of_etags()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var body = $$"""{"resourceType":"Patient","id":"{{id}}","active":true}""";
        void IfMatch(HttpRequestMessage r, string value) => r.Headers.TryAddWithoutValidation("If-Match", value);

        // RFC 9110 §13.1.1: "*" matches any current version; a list matches any of its ETags.
        var (star, o1) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => IfMatch(r, "*"));
        Assert.That(star.StatusCode, Is.EqualTo(HttpStatusCode.OK), o1.ToString());
        Assert.That(star.Headers.ETag!.ToString(), Is.EqualTo("W/\"2\""));
        var (list, o2) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => IfMatch(r, "W/\"7\", W/\"2\""));
        Assert.That(list.StatusCode, Is.EqualTo(HttpStatusCode.OK), o2.ToString());
        var (missed, o3) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => IfMatch(r, "W/\"1\", W/\"2\""));
        Assert.That(missed.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(Issues(o3), Does.Contain("W/\"1\", W/\"2\"").And.Contain("W/\"3\""));

        // "*" needs a current version: not an update-as-create, not a resource already deleted.
        var (absent, o4) = await Send(HttpMethod.Put, "/Patient/never-written", """{"resourceType":"Patient","id":"never-written"}""", configure: r => IfMatch(r, "*"));
        Assert.That(absent.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed), o4.ToString());
        Assert.That((await Client.GetAsync("/Patient/never-written")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var (deleted, _) = await Send(HttpMethod.Delete, $"/Patient/{id}", configure: r => IfMatch(r, "*"));
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (again, _) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => IfMatch(r, "*"));
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));

        foreach (var bad in new[] { "*, W/\"1\"", "W/\"1\", yesterday", ",", "\"3" })
        {
            var (refused, o5) = await Send(HttpMethod.Put, $"/Patient/{id}", body, configure: r => IfMatch(r, bad));
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), bad);
            Assert.That(Issues(o5), Does.Contain("If-Match"), bad);
        }

        // The same in a transaction entry's request.ifMatch.
        var other = (await CreatePatient()).GetProperty("id").GetString();
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","id":"{{{other}}}","gender":"male"},"request":{"method":"PUT","url":"Patient/{{{other}}}","ifMatch":"*"}}]}
            """;
        var (tx, o6) = await Send(HttpMethod.Post, "/", bundle);
        Assert.That(tx.StatusCode, Is.EqualTo(HttpStatusCode.OK), o6.ToString());
        Assert.That(o6.GetProperty("entry")[0].GetProperty("response").GetProperty("etag").GetString(), Is.EqualTo("W/\"2\""));
    }

    [Test]
    public async Task An_operation_the_server_does_not_implement_is_501_at_every_level()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        foreach (var (method, url, where) in new[]
                 {
                     (HttpMethod.Get, $"/Patient/{id}/$summary", $"Patient/{id}"),
                     (HttpMethod.Post, $"/Patient/{id}/$summary", $"Patient/{id}"),
                     (HttpMethod.Get, "/Patient/$match", "Patient"),
                     (HttpMethod.Post, "/Patient/$match", "Patient"),
                     (HttpMethod.Post, "/$convert", "the system level"),
                     (HttpMethod.Get, "/$meta", "the system level"),
                 })
        {
            var (response, outcome) = await Send(method, url, method == HttpMethod.Post ? """{"resourceType":"Parameters"}""" : null);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotImplemented), $"{method} {url}");
            Assert.That(outcome.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("not-supported"));
            Assert.That(Issues(outcome), Does.Contain("$" + url.Split('$')[1]).And.Contain(where), $"{method} {url}");
        }
        // In Bundle entries too: each such batch entry 501, a transaction with one 501 as a whole, nothing written.
        var entries = $$$"""
            {"request":{"method":"GET","url":"Patient/{{{id}}}/$summary"}},
            {"request":{"method":"POST","url":"Patient/{{{id}}}/$everything"},"resource":{"resourceType":"Parameters"}},
            {"request":{"method":"POST","url":"Patient/$match"},"resource":{"resourceType":"Parameters"}},
            {"request":{"method":"GET","url":"$versions"}}
            """;
        var (batch, answer) = await Send(HttpMethod.Post, "/", $$"""{"resourceType":"Bundle","type":"batch","entry":[{{entries}}]}""");
        Assert.That(batch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answer.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response").GetProperty("status").GetString()),
            Is.All.StartsWith("501"));
        var marker = Guid.NewGuid().ToString("N");
        var (tx, failed) = await Send(HttpMethod.Post, "/", $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","identifier":[{"system":"urn:test:op","value":"{{{marker}}}"}]},"request":{"method":"POST","url":"Patient"}},
              {"request":{"method":"GET","url":"Patient/{{{id}}}/$summary"}}]}
            """);
        Assert.That(tx.StatusCode, Is.EqualTo(HttpStatusCode.NotImplemented));
        Assert.That(Issues(failed), Does.Contain("$summary").And.Contain($"Patient/{id}"));
        var (_, found) = await Send(HttpMethod.Get, $"/Patient?identifier=urn:test:op|{marker}");
        Assert.That(found.TryGetProperty("entry", out _), Is.False, "nothing of the transaction was written");

        // The type is still checked first; a '$' alone is no operation name, and ids and compartments still route.
        Assert.That((await Send(HttpMethod.Get, "/Nonsense/$match")).Response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await Send(HttpMethod.Get, "/Patient/$")).Response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await Send(HttpMethod.Get, $"/Patient/{id}")).Response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Send(HttpMethod.Get, $"/Patient/{id}/Observation")).Response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Delete_makes_reads_answer_410_and_keeps_the_history()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var (deleted, outcome) = await Send(HttpMethod.Delete, $"/Patient/{id}");
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        Assert.That(deleted.Headers.ETag!.ToString(), Is.EqualTo("W/\"2\""));

        var (gone, goneOutcome) = await Send(HttpMethod.Get, $"/Patient/{id}");
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
        Assert.That(goneOutcome.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("deleted"));
        var (v1, _) = await Send(HttpMethod.Get, $"/Patient/{id}/_history/1");
        Assert.That(v1.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var (again, _) = await Send(HttpMethod.Delete, $"/Patient/{id}");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (history, bundle) = await Send(HttpMethod.Get, $"/Patient/{id}/_history");
        Assert.That(bundle.GetProperty("entry").GetArrayLength(), Is.EqualTo(2), "deleting twice adds one deletion only");

        var (revived, body) = await Send(HttpMethod.Put, $"/Patient/{id}", $$"""{"resourceType":"Patient","id":"{{id}}"}""");
        Assert.That(revived.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(body.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("3"));
    }

    [Test]
    public async Task History_entries_report_the_interaction_and_what_it_answered()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var (patched, _) = await Send(HttpMethod.Patch, $"/Patient/{id}", """[{"op":"replace","path":"/birthDate","value":"1971-02-03"}]""", "application/json-patch+json");
        Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (updated, _) = await Send(HttpMethod.Put, $"/Patient/{id}", $$"""{"resourceType":"Patient","id":"{{id}}"}""");
        Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (deleted, _) = await Send(HttpMethod.Delete, $"/Patient/{id}");
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var minimalId = (await CreatePatient()).GetProperty("id").GetString();
        var (minimal, _) = await Send(HttpMethod.Delete, $"/Patient/{minimalId}", configure: r => r.Headers.Add("Prefer", "return=minimal"));
        Assert.That(minimal.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        static string[] Entries(JsonElement bundle) => [.. bundle.GetProperty("entry").EnumerateArray().Select(e =>
            $"{e.GetProperty("request").GetProperty("method").GetString()} {e.GetProperty("request").GetProperty("url").GetString()} → {e.GetProperty("response").GetProperty("status").GetString()}")];
        var (_, history) = await Send(HttpMethod.Get, $"/Patient/{id}/_history");
        Assert.That(Entries(history), Is.EqualTo(new[]
        {
            $"DELETE Patient/{id} → 200 OK", $"PUT Patient/{id} → 200 OK", $"PATCH Patient/{id} → 200 OK", "POST Patient → 201 Created",
        }));
        var (_, minimalHistory) = await Send(HttpMethod.Get, $"/Patient/{minimalId}/_history");
        Assert.That(Entries(minimalHistory)[0], Is.EqualTo($"DELETE Patient/{minimalId} → 204 No Content"));

        // Transaction entries answer a DELETE with 204 and name a PATCH as such.
        var otherId = (await CreatePatient()).GetProperty("id").GetString();
        var thirdId = (await CreatePatient()).GetProperty("id").GetString();
        var patch = Convert.ToBase64String("""[{"op":"add","path":"/gender","value":"female"}]"""u8.ToArray());
        var (transaction, _) = await Send(HttpMethod.Post, "/", $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{{patch}}}"},"request":{"method":"PATCH","url":"Patient/{{{otherId}}}"}},
              {"request":{"method":"DELETE","url":"Patient/{{{thirdId}}}"}}]}
            """);
        Assert.That(transaction.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (_, otherHistory) = await Send(HttpMethod.Get, $"/Patient/{otherId}/_history");
        Assert.That(Entries(otherHistory)[0], Is.EqualTo($"PATCH Patient/{otherId} → 200 OK"));
        var (_, thirdHistory) = await Send(HttpMethod.Get, $"/Patient/{thirdId}/_history");
        Assert.That(Entries(thirdHistory)[0], Is.EqualTo($"DELETE Patient/{thirdId} → 204 No Content"));
    }

    [Test]
    public async Task Read_of_unknown_ids_and_types_is_404_with_an_outcome()
    {
        var (unknown, o1) = await Send(HttpMethod.Get, "/Patient/does-not-exist");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Issues(o1), Does.Contain("Patient/does-not-exist"));
        var (type, o2) = await Send(HttpMethod.Get, "/Patient2/x");
        Assert.That(type.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(Issues(o2), Does.Contain("Patient2"));
        var (badId, _) = await Send(HttpMethod.Get, "/Patient/" + new string('x', 65));
        Assert.That(badId.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Head_answers_the_headers_of_a_get()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        using var read = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/Patient/{id}"));
        Assert.That(read.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(read.Headers.ETag!.ToString(), Is.EqualTo("W/\"1\""));
        Assert.That(read.Content.Headers.LastModified, Is.Not.Null);
        Assert.That(read.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+json"));
        using var vread = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/Patient/{id}/_history/1"));
        Assert.That(vread.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var search = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/Patient?_id={id}"));
        Assert.That(search.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var metadata = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/metadata"));
        Assert.That(metadata.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var unknown = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/Patient/never-was"));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        await Client.DeleteAsync($"/Patient/{id}");
        using var gone = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/Patient/{id}"));
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.Gone));
    }

    [Test]
    public async Task Conditional_read_answers_304()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var (match, _) = await Send(HttpMethod.Get, $"/Patient/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "W/\"1\""));
        Assert.That(match.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        var (other, _) = await Send(HttpMethod.Get, $"/Patient/{id}", configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "W/\"0\""));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var (since, _) = await Send(HttpMethod.Get, $"/Patient/{id}", configure: r => r.Headers.IfModifiedSince = DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.That(since.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
        var (older, _) = await Send(HttpMethod.Get, $"/Patient/{id}", configure: r => r.Headers.IfModifiedSince = DateTimeOffset.UtcNow.AddHours(-1));
        Assert.That(older.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Prefer_return_chooses_the_body_of_a_write()
    {
        var (minimal, _) = await Send(HttpMethod.Post, "/Patient", Patient, configure: r => r.Headers.Add("Prefer", "return=minimal"));
        Assert.That(minimal.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await minimal.Content.ReadAsStringAsync(), Is.Empty);
        Assert.That(minimal.Headers.Location, Is.Not.Null);
        var (outcome, body) = await Send(HttpMethod.Post, "/Patient", Patient, configure: r => r.Headers.Add("Prefer", "return=OperationOutcome"));
        Assert.That(outcome.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(body.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        var (representation, resource) = await Send(HttpMethod.Post, "/Patient", Patient, configure: r => r.Headers.Add("Prefer", "return=representation"));
        Assert.That(resource.GetProperty("resourceType").GetString(), Is.EqualTo("Patient"));
    }

    [Test]
    public async Task Xml_in_and_out_with_format_and_accept()
    {
        const string xml = """<Patient xmlns="http://hl7.org/fhir"><name><family value="Lefèvre"/></name><birthDate value="1980-05"/></Patient>""";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Patient") { Content = Json(xml, "application/fhir+xml") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));
        var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+xml"));
        var doc = XDocument.Parse(await response.Content.ReadAsStringAsync());
        XNamespace f = "http://hl7.org/fhir";
        var id = doc.Root!.Element(f + "id")!.Attribute("value")!.Value;
        Assert.That(doc.Root.Element(f + "name")!.Element(f + "family")!.Attribute("value")!.Value, Is.EqualTo("Lefèvre"));

        var json = await Client.GetAsync($"/Patient/{id}?_format=json&_pretty=true");
        Assert.That(json.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+json"));
        var text = await json.Content.ReadAsStringAsync();
        Assert.That(text, Does.Contain("\n").And.Contain("\"birthDate\": \"1980-05\""));

        using var notAcceptable = new HttpRequestMessage(HttpMethod.Get, $"/Patient/{id}");
        notAcceptable.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/png"));
        Assert.That((await Client.SendAsync(notAcceptable)).StatusCode, Is.EqualTo(HttpStatusCode.NotAcceptable));

        using var blankFormat = new HttpRequestMessage(HttpMethod.Get, $"/Patient/{id}?_format=");
        blankFormat.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+xml"));
        using var blank = await Client.SendAsync(blankFormat);
        Assert.That(blank.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+xml"), "a blank _format leaves the choice to Accept");
    }

    [Test]
    public async Task A_client_that_names_no_format_reads_back_the_format_it_wrote()
    {
        const string xml = """<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>""";
        async Task<string?> Answered(string? accept, string body = xml, string type = "application/fhir+xml")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/Patient") { Content = Json(body, type) };
            if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
            using var response = await Client.SendAsync(request);
            return response.Content.Headers.ContentType?.MediaType;
        }
        Assert.That(await Answered(null), Is.EqualTo("application/fhir+xml"), "no Accept");
        Assert.That(await Answered("*/*"), Is.EqualTo("application/fhir+xml"), "only a wildcard, as curl sends");
        Assert.That(await Answered("application/fhir+json"), Is.EqualTo("application/fhir+json"), "Accept decides when it names a format");
        Assert.That(await Answered(null, "<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"maybe\"/></Patient>"), Is.EqualTo("application/fhir+xml"),
            "the error too");
        Assert.That(await Answered(null, """{"resourceType":"Patient"}""", "application/fhir+json"), Is.EqualTo("application/fhir+json"));
        using var read = await Client.GetAsync("/metadata");
        Assert.That(read.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/fhir+json"), "no body, no Accept: JSON");
    }

    [Test]
    public async Task Compressed_bodies_are_read_and_answers_compressed_on_request()
    {
        static ByteArrayContent Compressed(byte[] raw, string encoding = "gzip")
        {
            using var buffer = new MemoryStream();
            using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(raw);
            var content = new ByteArrayContent(buffer.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
            content.Headers.ContentEncoding.Add(encoding);
            return content;
        }

        var created = await Client.PostAsync("/Patient", Compressed(Encoding.UTF8.GetBytes("""{"resourceType":"Patient","name":[{"family":"Compressé"}]}""")));
        var body = await created.Content.ReadAsStringAsync();
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), body);
        Assert.That(body, Does.Contain("Compressé"));
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();

        // A small body that decompresses past the request size limit (20 MB) is refused while it is read.
        var bomb = new byte[30 * 1024 * 1024];
        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\""u8.CopyTo(bomb);
        var refused = await Client.PostAsync("/Patient", Compressed(bomb));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("OperationOutcome").And.Contain("20,971,520"));

        var garbled = new ByteArrayContent("not gzip at all"u8.ToArray());
        garbled.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        garbled.Headers.ContentEncoding.Add("gzip");
        var notGzip = await Client.PostAsync("/Patient", garbled);
        Assert.That(notGzip.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await notGzip.Content.ReadAsStringAsync(), Does.Contain("could not be decompressed"));

        var unknown = await Client.PostAsync("/Patient", Compressed("{}"u8.ToArray(), "zstd"));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(await unknown.Content.ReadAsStringAsync(), Does.Contain("zstd"));

        using var read = new HttpRequestMessage(HttpMethod.Get, $"/Patient/{id}");
        read.Headers.AcceptEncoding.ParseAdd("gzip");
        using var answer = await Client.SendAsync(read);
        Assert.That(answer.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "gzip" }));
        await using var unzipped = new System.IO.Compression.GZipStream(await answer.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        Assert.That(await new StreamReader(unzipped).ReadToEndAsync(), Does.Contain("Compressé"));
        using var plain = await Client.GetAsync($"/Patient/{id}");
        Assert.That(plain.Content.Headers.ContentEncoding, Is.Empty, "not without Accept-Encoding");
    }

    [Test]
    public async Task Values_the_datatypes_forbid_are_refused_with_their_location()
    {
        foreach (var (body, where) in new[]
                 {
                     ("""{"resourceType":"Patient","birthDate":"2021-02-30"}""", "Patient.birthDate"),
                     ("""{"resourceType":"Patient","multipleBirthInteger":99999999999}""", "Patient.multipleBirth.ofType(integer)"),
                 })
        {
            var (response, outcome) = await Send(HttpMethod.Post, "/Patient", body);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
            Assert.That(outcome.GetProperty("issue")[0].GetProperty("expression")[0].GetString(), Is.EqualTo(where));
        }
    }

    [Test]
    public async Task A_search_form_past_the_form_limits_is_400()
    {
        var many = new FormUrlEncodedContent(Enumerable.Range(0, 1_500).Select(i => new KeyValuePair<string, string>("_id", $"p{i}")));
        var response = await Client.PostAsync("/Patient/_search", many);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("OperationOutcome").And.Contain("form body could not be read"));
    }

    [Test]
    public async Task Browser_apps_of_other_origins_may_call_and_read_the_answers()
    {
        const string app = "https://app.example.org";
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/Patient");
        preflight.Headers.Add("Origin", app);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, prefer");
        using var allowed = await Client.SendAsync(preflight);
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
        Assert.That(string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Methods")), Does.Contain("POST"));
        Assert.That(string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant(),
            Does.Contain("authorization").And.Contain("prefer"));

        using var create = new HttpRequestMessage(HttpMethod.Post, "/Patient") { Content = Json("""{"resourceType":"Patient"}""") };
        create.Headers.Add("Origin", app);
        using var created = await Client.SendAsync(create);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(created.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
        Assert.That(string.Join(",", created.Headers.GetValues("Access-Control-Expose-Headers")), Does.Contain("ETag").And.Contain("Location"));

        // An error's outcome is readable too, and an OPTIONS that is no preflight is still 405.
        using var missing = new HttpRequestMessage(HttpMethod.Get, "/Patient/nobody-here");
        missing.Headers.Add("Origin", app);
        using var notFound = await Client.SendAsync(missing);
        Assert.That(notFound.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(notFound.Headers.Contains("Access-Control-Allow-Origin"), Is.True);
        using var bad = new HttpRequestMessage(HttpMethod.Put, "/Patient/x") { Content = Json("{") };
        bad.Headers.Add("Origin", app);
        using var badRequest = await Client.SendAsync(bad);
        Assert.That(badRequest.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(badRequest.Headers.Contains("Access-Control-Allow-Origin"), Is.True);
        Assert.That((await Client.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/Patient"))).StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));

        // Configured origins only; none at all when the setting is empty.
        using var listed = new ServerFactory(Store, new() { ["Server:CorsOrigins"] = "https://portal.example.fr, " + app });
        using var listedClient = listed.CreateClient();
        async Task<string?> AllowedOrigin(HttpClient client, string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metadata");
            request.Headers.Add("Origin", origin);
            using var response = await client.SendAsync(request);
            return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
        }
        Assert.That(await AllowedOrigin(listedClient, app), Is.EqualTo(app));
        Assert.That(await AllowedOrigin(listedClient, "https://elsewhere.example.com"), Is.Null);
        using var closed = new ServerFactory(Store, new() { ["Server:CorsOrigins"] = "" });
        using var closedClient = closed.CreateClient();
        Assert.That(await AllowedOrigin(closedClient, app), Is.Null);
    }

    [Test]
    public async Task The_fhir_version_parameter_must_name_R4()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        async Task<HttpStatusCode> Read(string accept)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/Patient/{id}");
            request.Headers.TryAddWithoutValidation("Accept", accept);
            return (await Client.SendAsync(request)).StatusCode;
        }
        Assert.That(await Read("application/fhir+json; fhirVersion=4.0"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Read("application/fhir+xml; fhirVersion=4.0.1"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await Read("application/fhir+json; fhirVersion=3.0"), Is.EqualTo(HttpStatusCode.NotAcceptable));
        Assert.That(await Read("application/fhir+json; fhirVersion=5.0, application/fhir+xml; q=0.5"), Is.EqualTo(HttpStatusCode.OK),
            "another acceptable type is taken");

        var (stu3, outcome) = await Send(HttpMethod.Post, "/Patient", """{"resourceType":"Patient"}""", configure: r =>
            r.Content!.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/fhir+json; fhirVersion=3.0"));
        Assert.That(stu3.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType), outcome.ToString());
        var (r4, _) = await Send(HttpMethod.Post, "/Patient", """{"resourceType":"Patient"}""", configure: r =>
            r.Content!.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/fhir+json; fhirVersion=4.0"));
        Assert.That(r4.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Summary_and_elements_subset_the_resource_and_tag_it()
    {
        var id = (await CreatePatient("""{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},"name":[{"family":"Dupont"}],"gender":"male","maritalStatus":{"text":"M"}}""")).GetProperty("id").GetString();
        var (_, summary) = await Send(HttpMethod.Get, $"/Patient/{id}?_summary=true");
        Assert.That(summary.TryGetProperty("name", out _), Is.True);
        Assert.That(summary.TryGetProperty("maritalStatus", out _), Is.False, "maritalStatus is not a summary element");
        Assert.That(summary.TryGetProperty("text", out _), Is.False);
        Assert.That(summary.GetProperty("meta").GetProperty("tag")[0].GetProperty("code").GetString(), Is.EqualTo("SUBSETTED"));
        var (_, data) = await Send(HttpMethod.Get, $"/Patient/{id}?_summary=data");
        Assert.That(data.TryGetProperty("text", out _), Is.False);
        Assert.That(data.TryGetProperty("maritalStatus", out _), Is.True);
        var (_, text) = await Send(HttpMethod.Get, $"/Patient/{id}?_summary=text");
        Assert.That(text.TryGetProperty("text", out _), Is.True);
        Assert.That(text.TryGetProperty("name", out _), Is.False);
        var (_, elements) = await Send(HttpMethod.Get, $"/Patient/{id}?_elements=gender,Patient.maritalStatus");
        Assert.That(elements.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "resourceType", "id", "meta", "gender", "maritalStatus" }));
        var (bad, _) = await Send(HttpMethod.Get, $"/Patient/{id}?_summary=maybe");
        Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Binary_is_served_raw_unless_fhir_is_asked()
    {
        var content = new byte[] { 0x25, 0x50, 0x44, 0x46, 0x00, 0xFF, 0x10 };
        using var post = new HttpRequestMessage(HttpMethod.Post, "/Binary") { Content = new ByteArrayContent(content) };
        post.Content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        var created = await Client.SendAsync(post);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var location = created.Headers.Location!.ToString();
        var id = location.Split('/')[^3];

        var raw = await Client.GetAsync($"/Binary/{id}");
        Assert.That(raw.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/pdf"));
        Assert.That(await raw.Content.ReadAsByteArrayAsync(), Is.EqualTo(content));

        using var asFhir = new HttpRequestMessage(HttpMethod.Get, $"/Binary/{id}");
        asFhir.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        var fhir = await Client.SendAsync(asFhir);
        using var doc = JsonDocument.Parse(await fhir.Content.ReadAsStringAsync());
        Assert.That(doc.RootElement.GetProperty("contentType").GetString(), Is.EqualTo("application/pdf"));
        Assert.That(doc.RootElement.GetProperty("data").GetBytesFromBase64(), Is.EqualTo(content));
    }

    [Test]
    public async Task Binary_is_updated_with_raw_content_like_it_is_created()
    {
        static HttpRequestMessage Raw(HttpMethod method, string url, byte[] content, string mediaType)
        {
            var request = new HttpRequestMessage(method, url) { Content = new ByteArrayContent(content) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }
        using var post = Raw(HttpMethod.Post, "/Binary", [0x25, 0x50, 0x44, 0x46], "application/pdf");
        var id = (await Client.SendAsync(post)).Headers.Location!.ToString().Split('/')[^3];

        var content = new byte[] { 0x25, 0x50, 0x44, 0x46, 0x2D, 0x32, 0x00, 0xFF };
        using var put = Raw(HttpMethod.Put, $"/Binary/{id}", content, "application/pdf");
        var updated = await Client.SendAsync(put);
        Assert.That(updated.StatusCode, Is.EqualTo(HttpStatusCode.OK), await updated.Content.ReadAsStringAsync());
        Assert.That(updated.Headers.ETag!.ToString(), Is.EqualTo("W/\"2\""));
        var raw = await Client.GetAsync($"/Binary/{id}");
        Assert.That(raw.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/pdf"));
        Assert.That(await raw.Content.ReadAsByteArrayAsync(), Is.EqualTo(content));

        // An update as create (R4 http.html#upsert) and a conditional update take raw content too.
        using var upsert = Raw(HttpMethod.Put, "/Binary/raw-new", "bonjour"u8.ToArray(), "text/plain");
        Assert.That((await Client.SendAsync(upsert)).StatusCode, Is.EqualTo(HttpStatusCode.Created));
        using var conditional = Raw(HttpMethod.Put, $"/Binary?_id={id}", "au revoir"u8.ToArray(), "text/plain");
        Assert.That((await Client.SendAsync(conditional)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await (await Client.GetAsync($"/Binary/{id}")).Content.ReadAsStringAsync(), Is.EqualTo("au revoir"));

        // Other resource types still take FHIR formats only.
        using var patient = Raw(HttpMethod.Put, "/Patient/raw-new", "bonjour"u8.ToArray(), "text/plain");
        Assert.That((await Client.SendAsync(patient)).StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [Test]
    public async Task Json_patch_changes_the_resource_and_refuses_invalid_results()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var (ok, patched) = await Send(HttpMethod.Patch, $"/Patient/{id}",
            """[{"op":"test","path":"/name/0/family","value":"Dupont"},{"op":"replace","path":"/birthDate","value":"1971-02-03"},{"op":"add","path":"/name/0/given/-","value":"Marie"}]""",
            "application/json-patch+json");
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK), patched.ToString());
        Assert.That(patched.GetProperty("birthDate").GetString(), Is.EqualTo("1971-02-03"));
        Assert.That(patched.GetProperty("name")[0].GetProperty("given").EnumerateArray().Select(g => g.GetString()), Is.EqualTo(new[] { "Hélène", "Marie" }));
        Assert.That(patched.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));

        var (failedTest, _) = await Send(HttpMethod.Patch, $"/Patient/{id}", """[{"op":"test","path":"/gender","value":"male"}]""", "application/json-patch+json");
        Assert.That(failedTest.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        var (invalid, outcome) = await Send(HttpMethod.Patch, $"/Patient/{id}", """[{"op":"add","path":"/birthDate","value":"not a date"}]""", "application/json-patch+json");
        Assert.That(invalid.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(outcome.GetProperty("issue").EnumerateArray().Any(i => i.TryGetProperty("expression", out var e) && e[0].GetString() == "Patient.birthDate"));
        var (malformed, _) = await Send(HttpMethod.Patch, $"/Patient/{id}", """{"op":"add"}""", "application/json-patch+json");
        Assert.That(malformed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var (_, unchanged) = await Send(HttpMethod.Get, $"/Patient/{id}");
        Assert.That(unchanged.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"), "refused patches write nothing");
        var (gone, _) = await Send(HttpMethod.Patch, "/Patient/never-was", "[]", "application/json-patch+json");
        Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Fhirpath_patch_adds_inserts_replaces_moves_and_deletes()
    {
        var id = (await CreatePatient("""{"resourceType":"Patient","name":[{"family":"A"},{"family":"B"}],"gender":"male","telecom":[{"system":"phone","value":"1"}]}""")).GetProperty("id").GetString();
        static string Op(string type, string path, string more) =>
            $$"""{"name":"operation","part":[{"name":"type","valueCode":"{{type}}"},{"name":"path","valueString":"{{path}}"}{{more}}]}""";
        var parameters = $$"""
            {"resourceType":"Parameters","parameter":[
              {{Op("add", "Patient", """,{"name":"name","valueString":"birthDate"},{"name":"value","valueDate":"1990-01-01"}""")}},
              {{Op("insert", "Patient.name", """,{"name":"value","valueHumanName":{"family":"C"}},{"name":"index","valueInteger":0}""")}},
              {{Op("replace", "Patient.gender", """,{"name":"value","valueCode":"female"}""")}},
              {{Op("move", "Patient.name", """,{"name":"source","valueInteger":2},{"name":"destination","valueInteger":0}""")}},
              {{Op("delete", "Patient.telecom.where(system='phone')", "")}},
              {{Op("add", "Patient.name[0]", """,{"name":"name","valueString":"given"},{"name":"value","valueString":"Zoé"}""")}}
            ]}
            """;
        var (ok, patched) = await Send(HttpMethod.Patch, $"/Patient/{id}", parameters);
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK), patched.ToString());
        Assert.That(patched.GetProperty("birthDate").GetString(), Is.EqualTo("1990-01-01"));
        Assert.That(patched.GetProperty("gender").GetString(), Is.EqualTo("female"));
        Assert.That(patched.GetProperty("name").EnumerateArray().Select(n => n.GetProperty("family").GetString()), Is.EqualTo(new[] { "B", "C", "A" }));
        Assert.That(patched.GetProperty("name")[0].GetProperty("given")[0].GetString(), Is.EqualTo("Zoé"));
        Assert.That(patched.TryGetProperty("telecom", out _), Is.False);

        var (notOne, _) = await Send(HttpMethod.Patch, $"/Patient/{id}", $$"""{"resourceType":"Parameters","parameter":[{{Op("replace", "Patient.name.family", """,{"name":"value","valueString":"X"}""")}}]}""");
        Assert.That(notOne.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        var (badPath, _) = await Send(HttpMethod.Patch, $"/Patient/{id}", $$"""{"resourceType":"Parameters","parameter":[{{Op("delete", "Patient.name[", "")}}]}""");
        Assert.That(badPath.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task History_pages_newest_first_with_since_and_at()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        for (var i = 0; i < 4; i++)
            await Send(HttpMethod.Put, $"/Patient/{id}", $$"""{"resourceType":"Patient","id":"{{id}}","active":{{(i % 2 == 0 ? "true" : "false")}}}""");
        var (_, page1) = await Send(HttpMethod.Get, $"/Patient/{id}/_history?_count=2");
        Assert.That(page1.GetProperty("type").GetString(), Is.EqualTo("history"));
        var versions = page1.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("meta").GetProperty("versionId").GetString()).ToList();
        Assert.That(versions, Is.EqualTo(new[] { "5", "4" }));
        var next = page1.GetProperty("link").EnumerateArray().Single(l => l.GetProperty("relation").GetString() == "next").GetProperty("url").GetString()!;
        var (_, page2) = await Send(HttpMethod.Get, new Uri(next).PathAndQuery);
        Assert.That(page2.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("meta").GetProperty("versionId").GetString()), Is.EqualTo(new[] { "3", "2" }));
        var (_, page3) = await Send(HttpMethod.Get, new Uri(page2.GetProperty("link").EnumerateArray().Single(l => l.GetProperty("relation").GetString() == "next").GetProperty("url").GetString()!).PathAndQuery);
        Assert.That(page3.GetProperty("entry").GetArrayLength(), Is.EqualTo(1));
        Assert.That(page3.GetProperty("link").EnumerateArray().Any(l => l.GetProperty("relation").GetString() == "next"), Is.False);
        var first = page3.GetProperty("entry")[0];
        Assert.That(first.GetProperty("request").GetProperty("method").GetString(), Is.EqualTo("POST"));
        Assert.That(first.GetProperty("response").GetProperty("status").GetString(), Does.StartWith("201"));

        var v3Instant = page2.GetProperty("entry")[0].GetProperty("resource").GetProperty("meta").GetProperty("lastUpdated").GetString()!;
        var (_, since) = await Send(HttpMethod.Get, $"/Patient/{id}/_history?_since={Uri.EscapeDataString(v3Instant)}");
        Assert.That(since.GetProperty("entry").GetArrayLength(), Is.EqualTo(3), "versions 3, 4 and 5");
        var (_, at) = await Send(HttpMethod.Get, $"/Patient/{id}/_history?_at={Uri.EscapeDataString(v3Instant)}");
        Assert.That(at.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("meta").GetProperty("versionId").GetString()), Is.EqualTo(new[] { "3" }));

        var (_, type) = await Send(HttpMethod.Get, "/Patient/_history?_count=1");
        Assert.That(type.GetProperty("entry")[0].GetProperty("resource").GetProperty("resourceType").GetString(), Is.EqualTo("Patient"));
        var (_, system) = await Send(HttpMethod.Get, "/_history?_count=3");
        Assert.That(system.GetProperty("entry").GetArrayLength(), Is.EqualTo(3));
        var (badSince, _) = await Send(HttpMethod.Get, "/_history?_since=last-week");
        Assert.That(badSince.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var (unknown, _) = await Send(HttpMethod.Get, "/Patient/not-there/_history");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Parse_errors_are_400_with_location_line_and_column()
    {
        var (response, outcome) = await Send(HttpMethod.Post, "/Patient", "{\"resourceType\":\"Patient\",\n\"birthDate\":\"25/12/1974\"}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var issue = outcome.GetProperty("issue")[0];
        Assert.That(issue.GetProperty("severity").GetString(), Is.EqualTo("error"));
        Assert.That(issue.GetProperty("expression")[0].GetString(), Is.EqualTo("Patient.birthDate"));
        Assert.That(issue.GetProperty("diagnostics").GetString(), Does.Contain("line 2"));
        var (truncated, _) = await Send(HttpMethod.Post, "/Patient", "{\"resourceType\":\"Pat");
        Assert.That(truncated.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var (empty, _) = await Send(HttpMethod.Post, "/Patient", "");
        Assert.That(empty.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var (wrongType, _) = await Send(HttpMethod.Post, "/Patient", """{"resourceType":"Observation","status":"final","code":{"text":"x"}}""");
        Assert.That(wrongType.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Unsupported_media_types_are_415_and_unknown_routes_404_or_405()
    {
        var (media, o1) = await Send(HttpMethod.Post, "/Patient", "name=x", "application/x-www-form-urlencoded");
        Assert.That(media.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(o1.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        var (charset, _) = await Send(HttpMethod.Post, "/Patient", configure: r =>
        {
            r.Content = new ByteArrayContent("{}"u8.ToArray());
            r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/fhir+json; charset=iso-8859-1");
        });
        Assert.That(charset.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        var (method, o2) = await Send(HttpMethod.Post, "/Patient/abc", "{}");
        Assert.That(method.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(o2.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        foreach (var verb in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete })
        {
            var (metadata, o4) = await Send(verb, "/metadata", verb == HttpMethod.Delete ? null : "{}");
            Assert.That(metadata.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed), $"{verb} /metadata: {o4}");
        }
        var (route, o3) = await Send(HttpMethod.Get, "/Patient/1/2/3/4");
        Assert.That(route.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(o3.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
    }

    [Test]
    public async Task Hostile_bodies_are_refused_cleanly()
    {
        var deep = "{\"resourceType\":\"Patient\",\"extension\":[" + string.Concat(Enumerable.Repeat("{\"url\":\"http://x\",\"extension\":[", 5000)) + "]}";
        var (nested, o1) = await Send(HttpMethod.Post, "/Patient", deep);
        Assert.That(nested.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(o1.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));

        var (utf8, _) = await Send(HttpMethod.Post, "/Patient", configure: r =>
        {
            r.Content = new ByteArrayContent([.. "{\"resourceType\":\"Patient\",\"gender\":\""u8, 0xC3, 0x28, .. "\"}"u8]);
            r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/fhir+json");
        });
        Assert.That(utf8.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        const string entities = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Patient xmlns="http://hl7.org/fhir"><gender value="&lol2;"/></Patient>""";
        var (xml, _) = await Send(HttpMethod.Post, "/Patient", entities, "application/fhir+xml");
        Assert.That(xml.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Bodies_over_the_limit_are_413()
    {
        using var small = new ServerFactory(Store, new() { ["Server:MaxRequestBytes"] = "1000" });
        using var client = small.CreateClient();
        var big = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + new string('x', 2000) + "\"}]}";
        var response = await client.PostAsync("/Patient", Json(big));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        using var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(outcome.RootElement.GetProperty("issue")[0].GetProperty("code").GetString(), Is.EqualTo("too-long"));
        var ok = await client.PostAsync("/Patient", Json("""{"resourceType":"Patient"}"""));
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.Created));
    }

    [Test]
    public async Task Update_as_create_can_be_switched_off()
    {
        using var strict = new ServerFactory(Store, new() { ["Server:UpdateCreate"] = "false" });
        using var client = strict.CreateClient();
        var response = await client.PutAsync("/Patient/new-one", Json("""{"resourceType":"Patient","id":"new-one"}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
    }

    [Test]
    public async Task Concurrent_updates_get_distinct_consecutive_versions()
    {
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var writes = Enumerable.Range(0, 20).Select(i =>
            Send(HttpMethod.Put, $"/Patient/{id}", $$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"W{{i}}"}]}"""));
        var results = await Task.WhenAll(writes);
        Assert.That(results.Select(r => r.Response.StatusCode), Is.All.EqualTo(HttpStatusCode.OK));
        var versions = results.Select(r => int.Parse(r.Body.GetProperty("meta").GetProperty("versionId").GetString()!)).Order().ToList();
        Assert.That(versions, Is.EqualTo(Enumerable.Range(2, 20).ToList()));
    }

    [Test]
    public async Task Concurrent_updates_of_one_version_with_if_match_let_one_win()
    {
        // Lost-update prevention (http.html#concurrency): of clients that all read version 1, one writes, the rest get 412.
        var id = (await CreatePatient()).GetProperty("id").GetString();
        var writes = Enumerable.Range(0, 12).Select(i => Send(HttpMethod.Put, $"/Patient/{id}",
            $$"""{"resourceType":"Patient","id":"{{id}}","name":[{"family":"W{{i}}"}]}""", configure: r => r.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"")));
        var results = await Task.WhenAll(writes);
        Assert.That(results.Count(r => r.Response.StatusCode == HttpStatusCode.OK), Is.EqualTo(1), string.Join(", ", results.Select(r => r.Response.StatusCode)));
        Assert.That(results.Count(r => r.Response.StatusCode == HttpStatusCode.PreconditionFailed), Is.EqualTo(11));
        var (_, current) = await Send(HttpMethod.Get, $"/Patient/{id}");
        Assert.That(current.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("2"));
    }

    [Test]
    public async Task Metadata_lists_the_implemented_interactions()
    {
        var (_, statement) = await Send(HttpMethod.Get, "/metadata");
        var rest = statement.GetProperty("rest")[0];
        var patient = rest.GetProperty("resource").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "Patient");
        Assert.That(patient.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()),
            Is.SupersetOf(new[] { "read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type" }));
        Assert.That(patient.GetProperty("versioning").GetString(), Is.EqualTo("versioned-update"), "If-Match is honoured");
        var searchParams = patient.GetProperty("searchParam").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.That(searchParams, Is.SupersetOf(new[] { "_id", "_lastUpdated", "family", "identifier", "birthdate" }));
        Assert.That(searchParams, Has.None.AnyOf("_content", "_text", "_query"), "parameters without index rows are not offered");
        var observation = rest.GetProperty("resource").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "Observation");
        Assert.That(observation.GetProperty("searchParam").EnumerateArray().Select(p => p.GetProperty("name").GetString()), Does.Contain("code-value-quantity"),
            "composite parameters are searchable");
        Assert.That(rest.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()),
            Is.EquivalentTo(new[] { "transaction", "batch", "history-system", "search-system" }));
    }

    [Test]
    public async Task Ready_reports_the_store()
    {
        var ready = await Client.GetAsync("/ready");
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
