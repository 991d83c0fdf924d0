using System.Net;
using System.Text.Json;

namespace FhirServer.Tests.Http;

/// <summary>Batch and transaction Bundles (R4 http.html#transaction), on each store.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BundleTests(string store) : ServerTests(store)
{

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string bundle)
    {
        var response = await Client.PostAsync("/", RestTests.Json(bundle));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Get(string url)
    {
        var response = await Client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string Unique() => "t" + Guid.NewGuid().ToString("N")[..16];

    [Test]
    public async Task Transaction_assigns_ids_rewrites_references_and_answers_in_entry_order()
    {
        var putId = Unique();
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:2a5d1f3e-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","name":[{"family":"Martin"}],
                 "managingOrganization":{"reference":"urn:uuid:2a5d1f3e-0000-4000-8000-000000000002"},
                 "generalPractitioner":[{"reference":"Practitioner/{{{putId}}}"}]},
               "request":{"method":"POST","url":"Patient"}},
              {"request":{"method":"GET","url":"Practitioner/{{{putId}}}"}},
              {"fullUrl":"urn:uuid:2a5d1f3e-0000-4000-8000-000000000002","resource":{"resourceType":"Organization","name":"CHU de Nantes"},
               "request":{"method":"POST","url":"Organization"}},
              {"fullUrl":"http://example.org/fhir/Practitioner/{{{putId}}}","resource":{"resourceType":"Practitioner","id":"{{{putId}}}","name":[{"family":"Durand"}]},
               "request":{"method":"PUT","url":"Practitioner/{{{putId}}}"}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.GetProperty("type").GetString(), Is.EqualTo("transaction-response"));
        var entries = response.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("response").GetProperty("status").GetString()),
            Is.EqualTo(new[] { "201 Created", "200 OK", "201 Created", "201 Created" }));
        // The GET ran after the PUT (R4 order: DELETE, POST, PUT, GET) and so found the practitioner.
        Assert.That(entries[1].GetProperty("resource").GetProperty("name")[0].GetProperty("family").GetString(), Is.EqualTo("Durand"));

        var patientLocation = entries[0].GetProperty("response").GetProperty("location").GetString()!;
        var organizationLocation = entries[2].GetProperty("response").GetProperty("location").GetString()!;
        Assert.That(patientLocation, Does.Match("^Patient/[^/]+/_history/1$"));
        var (_, patient) = await Get("/" + patientLocation);
        var organizationId = organizationLocation.Split('/')[1];
        Assert.That(patient.GetProperty("managingOrganization").GetProperty("reference").GetString(), Is.EqualTo($"Organization/{organizationId}"));
        Assert.That(patient.GetProperty("generalPractitioner")[0].GetProperty("reference").GetString(), Is.EqualTo($"Practitioner/{putId}"));
        var (organizationStatus, _) = await Get($"/Organization/{organizationId}");
        Assert.That(organizationStatus, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Transaction_rewrites_links_to_entries_in_urls_and_in_the_narrative()
    {
        // An MHD-style document: the DocumentReference points to its Binary by fullUrl, in Attachment.url and in its narrative.
        const string binaryUrl = "urn:uuid:5b0e7c1a-0000-4000-8000-000000000001";
        const string patientUrl = "urn:uuid:5b0e7c1a-0000-4000-8000-000000000002";
        var div = $"""<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Compte rendu ({patientUrl})</p><a href=\"{binaryUrl}\">PDF</a> <img src='{binaryUrl}' alt=\"aper\u00e7u\"/> <a href=\"https://esante.gouv.fr\">ANS</a></div>""";
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"{{{binaryUrl}}}","resource":{"resourceType":"Binary","contentType":"application/pdf","data":"JVBERi0xLjQK"},
               "request":{"method":"POST","url":"Binary"}},
              {"fullUrl":"{{{patientUrl}}}","resource":{"resourceType":"Patient","name":[{"family":"Martin"}]},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"DocumentReference","status":"current","text":{"status":"generated","div":"{{{div}}}"},
                 "subject":{"reference":"{{{patientUrl}}}"},
                 "content":[{"attachment":{"contentType":"application/pdf","url":"{{{binaryUrl}}}"}}],
                 "masterIdentifier":{"system":"urn:ietf:rfc:3986","value":"{{{patientUrl}}}"}},
               "request":{"method":"POST","url":"DocumentReference"}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var locations = response.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response").GetProperty("location").GetString()!).ToList();
        var binary = string.Join('/', locations[0].Split('/')[..2]);
        var patient = string.Join('/', locations[1].Split('/')[..2]);
        var (_, document) = await Get("/" + locations[2]);
        Assert.That(document.GetProperty("content")[0].GetProperty("attachment").GetProperty("url").GetString(), Is.EqualTo(binary));
        Assert.That(document.GetProperty("subject").GetProperty("reference").GetString(), Is.EqualTo(patient));
        var narrative = document.GetProperty("text").GetProperty("div").GetString()!;
        Assert.That(narrative, Does.Contain($"<a href=\"{binary}\">PDF</a>").And.Contain($"<img src='{binary}'"), "links and images name the entry's new id");
        Assert.That(narrative, Does.Contain($"<p>Compte rendu ({patientUrl})</p>").And.Contain("<a href=\"https://esante.gouv.fr\">"),
            "text, and links to what is not an entry, are left as written");
        Assert.That(document.GetProperty("masterIdentifier").GetProperty("value").GetString(), Is.EqualTo(patientUrl),
            "an identifier's value is not a link (its type is string)");
    }

    [Test]
    public async Task Transaction_creates_written_together_are_each_indexed_and_kept_in_entry_order()
    {
        // A transaction's creates are written in one go (on PostgreSQL one statement per table for all of them): each
        // must still get its current row, its own index rows of every kind, and its place in history.
        var tag = Unique();
        var observations = Enumerable.Range(0, 30).Select(i => $$$"""
            {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://example.org/{{{tag}}}","code":"c{{{i}}}"}]},
               "subject":{"reference":"urn:uuid:7f1c0e2a-0000-4000-8000-000000000001"},"effectiveDateTime":"2021-03-{{{i % 28 + 1:00}}}",
               "valueQuantity":{"value":{{{i}}},"unit":"mmol/L","system":"http://unitsofmeasure.org","code":"mmol/L"}},
             "request":{"method":"POST","url":"Observation"}}
            """);
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:7f1c0e2a-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","name":[{"family":"{{{tag}}}"}]},
               "request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Binary","contentType":"text/plain","data":"Ym9uam91cg=="},"request":{"method":"POST","url":"Binary"}},
              {{{string.Join(",", observations)}}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var locations = response.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response").GetProperty("location").GetString()!).ToList();
        Assert.That(locations, Has.Count.EqualTo(32).And.All.Match("^[A-Za-z]+/[^/]+/_history/1$"));
        var patientId = locations[0].Split('/')[1];

        var (patientRead, patient) = await Get($"/Patient?family={tag}");
        Assert.That(patientRead, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(patient.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString(), Is.EqualTo(patientId), "string rows");
        var binary = await Client.GetAsync("/" + locations[1].Split("/_history")[0]);
        Assert.That(await binary.Content.ReadAsStringAsync(), Is.EqualTo("bonjour"), "a create without index rows");
        for (var i = 0; i < 30; i += 7)
        {
            var (_, byCode) = await Get($"/Observation?code=http://example.org/{tag}|c{i}");
            Assert.That(byCode.GetProperty("entry").EnumerateArray().Select(e => "Observation/" + e.GetProperty("resource").GetProperty("id").GetString()),
                Is.EqualTo(new[] { locations[2 + i].Split("/_history")[0] }), $"token rows of c{i}");
        }
        var (_, bySubject) = await Get($"/Observation?subject=Patient/{patientId}&_total=accurate&_count=1");
        Assert.That(bySubject.GetProperty("total").GetInt32(), Is.EqualTo(30), "reference rows, the urn:uuid rewritten");
        var (_, byDate) = await Get($"/Observation?subject=Patient/{patientId}&date=2021-03-02&_total=accurate");
        Assert.That(byDate.GetProperty("total").GetInt32(), Is.EqualTo(2), "date rows (entries 1 and 29 fall on the 2nd)");
        var (_, byValue) = await Get($"/Observation?subject=Patient/{patientId}&value-quantity=gt26&_total=accurate");
        Assert.That(byValue.GetProperty("total").GetInt32(), Is.EqualTo(3), "quantity rows (27, 28, 29)");

        // History is newest first: the creates in reverse entry order.
        var (_, history) = await Get("/Observation/_history?_count=30");
        Assert.That(history.GetProperty("entry").EnumerateArray().Select(e => "Observation/" + e.GetProperty("resource").GetProperty("id").GetString() + "/_history/1"),
            Is.EqualTo(locations.Skip(2).Reverse()));
    }

    [Test]
    public async Task An_entry_whose_resource_has_nothing_but_its_type_is_written()
    {
        // A resource is complete with its type alone; the entry has a resource, though the resource has no element.
        var (status, response) = await Post("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"urn:uuid:2a5d1f3e-0000-4000-8000-0000000000e1","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var location = response.GetProperty("entry")[0].GetProperty("response").GetProperty("location").GetString()!;
        var (read, patient) = await Get("/" + location);
        Assert.That(read, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(patient.GetProperty("resourceType").GetString(), Is.EqualTo("Patient"));
    }

    [Test]
    public async Task A_read_entry_takes_summary_and_elements()
    {
        var id = Unique();
        var (put, _) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","id":"{{{id}}}","name":[{"family":"Morel"}],"gender":"female","birthDate":"1961-07-08"},"request":{"method":"PUT","url":"Patient/{{{id}}}"}}
            ]}
            """);
        Assert.That(put, Is.EqualTo(HttpStatusCode.OK));
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"GET","url":"Patient/{{{id}}}?_elements=gender"}},
              {"request":{"method":"GET","url":"Patient/{{{id}}}"}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var subset = response.GetProperty("entry")[0].GetProperty("resource");
        Assert.That(subset.GetProperty("gender").GetString(), Is.EqualTo("female"));
        Assert.That(subset.TryGetProperty("name", out _), Is.False);
        Assert.That(subset.GetProperty("meta").GetProperty("tag")[0].GetProperty("code").GetString(), Is.EqualTo("SUBSETTED"));
        Assert.That(response.GetProperty("entry")[1].GetProperty("resource").TryGetProperty("name", out _), Is.True, "the other read is whole");
    }

    [Test]
    public async Task History_entries_answer_history_bundles()
    {
        var id = Unique();
        var put = $$$"""{"resource":{"resourceType":"Patient","id":"{{{id}}}","gender":"GENDER"},"request":{"method":"PUT","url":"Patient/{{{id}}}"}}""";
        var (first, _) = await Post($$$"""{"resourceType":"Bundle","type":"transaction","entry":[{{{put.Replace("GENDER", "male")}}}]}""");
        Assert.That(first, Is.EqualTo(HttpStatusCode.OK));
        // In a transaction the history read runs after the commit: it sees the update of the same transaction.
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"request":{"method":"GET","url":"Patient/{{{id}}}/_history"}},
              {{{put.Replace("GENDER", "female")}}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var history = response.GetProperty("entry")[0].GetProperty("resource");
        Assert.That(history.GetProperty("type").GetString(), Is.EqualTo("history"));
        Assert.That(history.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("gender").GetString()),
            Is.EqualTo(new[] { "female", "male" }), "newest first");

        var (batch, answers) = await Post($$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"GET","url":"Patient/_history?_count=1"}},
              {"request":{"method":"GET","url":"_history?_since=yesterday"}},
              {"request":{"method":"GET","url":"Unknown/_history"}},
              {"request":{"method":"GET","url":"Patient/{{{Unique()}}}/_history"}}
            ]}
            """);
        Assert.That(batch, Is.EqualTo(HttpStatusCode.OK), answers.ToString());
        var entries = answers.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("response").GetProperty("status").GetString()),
            Is.EqualTo(new[] { "200 OK", "400 Bad Request", "400 Bad Request", "404 Not Found" }), answers.ToString());
        var typeHistory = entries[0].GetProperty("resource");
        Assert.That(typeHistory.GetProperty("entry").GetArrayLength(), Is.EqualTo(1));
        Assert.That(typeHistory.GetProperty("link").EnumerateArray().Select(l => l.GetProperty("relation").GetString()), Does.Contain("next"));
    }

    [Test]
    public async Task Transaction_is_all_or_nothing()
    {
        var first = Unique();
        var (status, outcome) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","id":"{{{first}}}"},"request":{"method":"PUT","url":"Patient/{{{first}}}"}},
              {"resource":{"resourceType":"Patient","name":[{"family":"Kept?"}]},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Patient","id":"other"},"request":{"method":"PUT","url":"Patient/other","ifMatch":"W/\"9\""}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.PreconditionFailed));
        Assert.That(outcome.GetProperty("resourceType").GetString(), Is.EqualTo("OperationOutcome"));
        Assert.That(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("Bundle.entry[2]"));
        var (read, _) = await Get($"/Patient/{first}");
        Assert.That(read, Is.EqualTo(HttpStatusCode.NotFound), "the first entry was rolled back");
        var (_, history) = await Get("/Patient/_history?_count=1000");
        var families = history.TryGetProperty("entry", out var e)
            ? e.EnumerateArray().SelectMany(x => x.TryGetProperty("resource", out var r) && r.TryGetProperty("name", out var n) ? n.EnumerateArray() : []).Select(n => n.GetProperty("family").GetString())
            : [];
        Assert.That(families, Has.None.EqualTo("Kept?"));
    }

    [Test]
    public async Task Transaction_refuses_bad_entries_before_writing()
    {
        var id = Unique();
        var (twice, o1) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","id":"{{{id}}}"},"request":{"method":"PUT","url":"Patient/{{{id}}}"}},
              {"request":{"method":"DELETE","url":"Patient/{{{id}}}"}}
            ]}
            """);
        Assert.That(twice, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(o1.GetProperty("issue")[0].GetProperty("diagnostics").GetString(), Does.Contain("more than one entry"));

        var (dangling, o2) = await Post("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","managingOrganization":{"reference":"urn:uuid:2a5d1f3e-0000-4000-8000-00000000ffff"}},"request":{"method":"POST","url":"Patient"}}
            ]}
            """);
        Assert.That(dangling, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(o2.GetProperty("issue")[0].GetProperty("expression")[0].GetString(), Does.Contain("managingOrganization"));

        var (invalid, o3) = await Post("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","birthDate":"demain"},"request":{"method":"POST","url":"Patient"}}
            ]}
            """);
        Assert.That(invalid, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(o3.GetProperty("issue")[0].GetProperty("expression")[0].GetString(), Is.EqualTo("Bundle.entry[0].resource.birthDate"));

        var (query, _) = await Post("""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient?name=x"}}]}""");
        Assert.That(query, Is.EqualTo(HttpStatusCode.BadRequest), "a create takes no query (its condition is ifNoneExist)");
        var (readQuery, _) = await Post($$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"GET","url":"Patient/{{{id}}}?name=x"}}]}""");
        Assert.That(readQuery, Is.EqualTo(HttpStatusCode.BadRequest), "a read of one resource takes no search parameters");
        var (badSummary, _) = await Post($$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"GET","url":"Patient/{{{id}}}?_summary=maybe"}}]}""");
        Assert.That(badSummary, Is.EqualTo(HttpStatusCode.BadRequest));
        var (collection, _) = await Post("""{"resourceType":"Bundle","type":"collection"}""");
        Assert.That(collection, Is.EqualTo(HttpStatusCode.BadRequest));
        var (notBundle, _) = await Post("""{"resourceType":"Patient"}""");
        Assert.That(notBundle, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Transaction_deletes_and_patches()
    {
        var (_, created) = await Post("""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","gender":"male"},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Patient","gender":"male"},"request":{"method":"POST","url":"Patient"}}
            ]}
            """);
        var ids = created.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response").GetProperty("location").GetString()!.Split('/')[1]).ToList();
        var patch = Convert.ToBase64String("""[{"op":"replace","path":"/gender","value":"female"}]"""u8.ToArray());
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"request":{"method":"DELETE","url":"Patient/{{{ids[0]}}}"}},
              {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":"{{{patch}}}"},"request":{"method":"PATCH","url":"Patient/{{{ids[1]}}}"}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var (gone, _) = await Get($"/Patient/{ids[0]}");
        Assert.That(gone, Is.EqualTo(HttpStatusCode.Gone));
        var (_, patched) = await Get($"/Patient/{ids[1]}");
        Assert.That(patched.GetProperty("gender").GetString(), Is.EqualTo("female"));
    }

    [Test]
    public async Task Batch_entries_succeed_or_fail_on_their_own()
    {
        var id = Unique();
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{"resourceType":"Patient","id":"{{{id}}}"},"request":{"method":"PUT","url":"Patient/{{{id}}}"}},
              {"request":{"method":"GET","url":"Patient/no-such-patient"}},
              {"resource":{"resourceType":"Patient","birthDate":"hier"},"request":{"method":"POST","url":"Patient"}},
              {"request":{"method":"GET","url":"Patient/{{{id}}}"}},
              {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"}},"request":{"method":"POST","url":"Patient"}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        Assert.That(response.GetProperty("type").GetString(), Is.EqualTo("batch-response"));
        var entries = response.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("response").GetProperty("status").GetString()![..3]),
            Is.EqualTo(new[] { "201", "404", "400", "200", "400" }));
        Assert.That(entries[2].GetProperty("response").GetProperty("outcome").GetProperty("issue")[0].GetProperty("expression")[0].GetString(),
            Is.EqualTo("Bundle.entry[2].resource.birthDate"));
        Assert.That(entries[3].GetProperty("resource").GetProperty("id").GetString(), Is.EqualTo(id));
    }

    [Test]
    public async Task Batch_creates_written_together_answer_in_entry_order()
    {
        // A batch's creates are written together, after the checks: a conditional create that matches, a create that
        // fails its checks and an update between them keep their own outcome and place in the response.
        var (system, put) = ("http://example.org/" + Unique(), Unique());
        var (seeded, _) = await Post($$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Organization","identifier":[{"system":"{{{system}}}","value":"known"}]},"request":{"method":"POST","url":"Organization"}}]}""");
        Assert.That(seeded, Is.EqualTo(HttpStatusCode.OK));
        string Create(string value) => $$$"""
            {"resource":{"resourceType":"Organization","identifier":[{"system":"{{{system}}}","value":"{{{value}}}"}]},
             "request":{"method":"POST","url":"Organization","ifNoneExist":"identifier={{{system}}}|{{{value}}}"}}
            """;
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {{{Create("a")}}},
              {{{Create("known")}}},
              {"resource":{"resourceType":"Organization","active":"sometimes"},"request":{"method":"POST","url":"Organization"}},
              {"resource":{"resourceType":"Organization","id":"{{{put}}}","identifier":[{"system":"{{{system}}}","value":"put"}]},"request":{"method":"PUT","url":"Organization/{{{put}}}"}},
              {{{Create("b")}}},
              {{{Create("c")}}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var entries = response.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("response").GetProperty("status").GetString()![..3]),
            Is.EqualTo(new[] { "201", "200", "400", "201", "201", "201" }));
        foreach (var (entry, value) in new[] { (0, "a"), (1, "known"), (3, "put"), (4, "b"), (5, "c") })
        {
            var location = entries[entry].GetProperty("response").GetProperty("location").GetString()!;
            var (_, found) = await Get($"/Organization?identifier={system}|{value}");
            Assert.That(found.GetProperty("entry").EnumerateArray().Select(e => "Organization/" + e.GetProperty("resource").GetProperty("id").GetString()),
                Is.EqualTo(new[] { location.Split("/_history")[0] }), value);
        }
    }

    [Test]
    public async Task Batch_writes_that_fail_leave_the_others_written()
    {
        // Failures while writing (If-Match), between writes that succeed: on PostgreSQL these run as parts of one
        // transaction, and the failed ones must be undone alone.
        var (kept, stale, after) = (Unique(), Unique(), Unique());
        var (created, _) = await Post($$$"""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient","id":"{{{stale}}}"},"request":{"method":"PUT","url":"Patient/{{{stale}}}"}}]}""");
        Assert.That(created, Is.EqualTo(HttpStatusCode.OK));
        var (status, response) = await Post($$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{"resourceType":"Patient","id":"{{{kept}}}"},"request":{"method":"PUT","url":"Patient/{{{kept}}}"}},
              {"resource":{"resourceType":"Patient","id":"{{{stale}}}","gender":"male"},"request":{"method":"PUT","url":"Patient/{{{stale}}}","ifMatch":"W/\"7\""}},
              {"request":{"method":"DELETE","url":"Patient/{{{stale}}}","ifMatch":"W/\"3\""}},
              {"resource":{"resourceType":"Patient","id":"{{{after}}}"},"request":{"method":"PUT","url":"Patient/{{{after}}}"}},
              {"request":{"method":"GET","url":"Patient/{{{kept}}}"}}
            ]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), response.ToString());
        var entries = response.GetProperty("entry").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("response").GetProperty("status").GetString()![..3]),
            Is.EqualTo(new[] { "201", "412", "412", "201", "200" }));
        Assert.That((await Get($"/Patient/{kept}")).Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await Get($"/Patient/{after}")).Status, Is.EqualTo(HttpStatusCode.OK));
        var (_, unchanged) = await Get($"/Patient/{stale}");
        Assert.That(unchanged.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("1"));
        Assert.That(unchanged.TryGetProperty("gender", out _), Is.False);
    }

    [Test]
    public async Task Prefer_representation_puts_the_resources_in_the_response()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = RestTests.Json("""{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Patient","gender":"other"},"request":{"method":"POST","url":"Patient"}}]}"""),
        };
        request.Headers.Add("Prefer", "return=representation");
        var response = await Client.SendAsync(request);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var resource = doc.RootElement.GetProperty("entry")[0].GetProperty("resource");
        Assert.That(resource.GetProperty("gender").GetString(), Is.EqualTo("other"));
        Assert.That(resource.GetProperty("meta").GetProperty("versionId").GetString(), Is.EqualTo("1"));
    }

    [Test]
    public async Task Prefer_operation_outcome_says_what_each_write_did()
    {
        var (marker, kept, gone) = (Unique(), Unique(), Unique());
        var (status, seeded) = await Post($$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","id":"{{{kept}}}","identifier":[{"system":"urn:test:prefer","value":"{{{marker}}}"}]},"request":{"method":"PUT","url":"Patient/{{{kept}}}"}},
              {"resource":{"resourceType":"Patient","id":"{{{gone}}}"},"request":{"method":"PUT","url":"Patient/{{{gone}}}"}}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), seeded.ToString());
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{"resourceType":"Patient","gender":"other"},"request":{"method":"POST","url":"Patient"}},
              {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:test:prefer|{{{marker}}}"}},
              {"resource":{"resourceType":"Patient","id":"{{{kept}}}","gender":"male","identifier":[{"system":"urn:test:prefer","value":"{{{marker}}}"}]},"request":{"method":"PUT","url":"Patient/{{{kept}}}"}},
              {"request":{"method":"DELETE","url":"Patient/{{{gone}}}"}},
              {"request":{"method":"DELETE","url":"Patient?identifier=urn:test:prefer|nobody-{{{marker}}}"}},
              {"request":{"method":"GET","url":"Patient/{{{kept}}}"}}]}
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = RestTests.Json(bundle) };
        request.Headers.Add("Prefer", "return=OperationOutcome");
        var response = await Client.SendAsync(request);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), doc.RootElement.ToString());
        var entries = doc.RootElement.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response")).ToList();
        string? Said(JsonElement r) => r.TryGetProperty("outcome", out var o) ? o.GetProperty("issue")[0].GetProperty("diagnostics").GetString() : null;
        Assert.That(Said(entries[0]), Does.Match("^Patient/[^/]+ created \\(version 1\\)\\.$"));
        Assert.That(Said(entries[1]), Is.EqualTo($"Patient/{kept} matches ifNoneExist 'identifier=urn:test:prefer|{marker}'; nothing was created."));
        Assert.That(Said(entries[2]), Is.EqualTo($"Patient/{kept} updated (version 2)."));
        Assert.That(Said(entries[3]), Is.EqualTo($"Patient/{gone} deleted (version 2)."));
        Assert.That(Said(entries[4]), Is.EqualTo($"No Patient matches 'identifier=urn:test:prefer|nobody-{marker}'; nothing to do."));
        Assert.That(Said(entries[5]), Is.Null, "a read says nothing");
        Assert.That(entries[0].GetProperty("outcome").GetProperty("issue")[0].GetProperty("severity").GetString(), Is.EqualTo("information"));

        // Without the preference, a written entry carries no outcome.
        var (_, plain) = await Post("""{"resourceType":"Bundle","type":"batch","entry":[{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]}""");
        Assert.That(plain.GetProperty("entry")[0].GetProperty("response").TryGetProperty("outcome", out _), Is.False);
    }

    [Test]
    public async Task An_entry_url_on_another_server_is_refused_as_such()
    {
        var (status, outcome) = await Post("""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"https://other.example.org/fhir/Patient"}},
              {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"http://localhost/Patient"}}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var entries = outcome.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response")).ToList();
        Assert.That(entries[0].GetProperty("status").GetString(), Is.EqualTo("400 Bad Request"));
        Assert.That(entries[0].GetProperty("outcome").GetProperty("issue")[0].GetProperty("diagnostics").GetString(),
            Does.Contain("is not on this server").And.Contain("http://localhost"));
        Assert.That(entries[1].GetProperty("status").GetString(), Is.EqualTo("201 Created"), "the server's own base is taken");
    }
}
