using System.Text;
using System.Text.Json.Nodes;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Hostile batch and transaction Bundles (R4 http.html#transaction): mutated entries and requests, Bundles nested in
/// Bundles, transactions on one shared set of resources in shuffled orders, batches of many searches, and resources
/// whose references name other servers.
/// </summary>
public sealed class BundleAttacks(Random random, ExampleCorpus corpus, JsonMutator mutator)
{
    private static readonly string[] Methods = ["POST", "PUT", "DELETE", "GET", "PATCH", "HEAD", "", "post", "TRACE"];

    private static readonly string[] OtherServers =
        ["http://other.example/fhir/{0}/1", "https://127.0.0.1:1/fhir/{0}/x", "http://localhost/{0}/1", "http://other.example/fhir/{0}/1/_history/2", "urn:oid:1.2.3", "{0}/1|1.0"];

    public string Uuid() => "urn:uuid:" + new Guid(Bytes(16));

    private byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A batch or transaction of one to twenty entries, each with something wrong in its request or resource.</summary>
    public string Mutated(IReadOnlyList<(string Type, string Id)> known)
    {
        var entries = new JsonArray();
        var fullUrls = new List<string>();
        for (var i = 0; i < 1 + random.Next(20); i++)
        {
            var resource = corpus.Pick(random);
            var type = (string)resource["resourceType"]!;
            var fullUrl = random.Next(6) == 0 && fullUrls.Count > 0 ? fullUrls[0] : random.Next(8) == 0 ? "urn:uuid:x" : Uuid();
            fullUrls.Add(fullUrl);
            if (fullUrls.Count > 1 && random.Next(3) == 0) resource["subject"] = new JsonObject { ["reference"] = fullUrls[random.Next(fullUrls.Count)] };
            if (random.Next(4) == 0) resource["subject"] = new JsonObject { ["reference"] = $"Patient?identifier={(random.Next(2) == 0 ? "x" : "")}" };
            var id = known.Count > 0 ? known[random.Next(known.Count)].Id : "x";
            var url = new[] { type, $"{type}/{id}", $"{type}?name=x", "", "http://other.example/Patient/1", $"/{type}", $"{type}/../Observation", "metadata", "_history", $"{type}/$everything", $"{type}/{id}/_history/1", "?", $"{type}?_count=1000&_include=*" }[random.Next(13)];
            var request = new JsonObject { ["method"] = Methods[random.Next(Methods.Length)], ["url"] = url };
            if (random.Next(5) == 0) request["ifNoneExist"] = new[] { "", "name:=x", "_id=a&_id=b", "identifier=%ZZ" }[random.Next(4)];
            if (random.Next(5) == 0) request["ifMatch"] = new[] { "W/\"1\"", "junk", "", "*" }[random.Next(4)];
            var entry = new JsonObject { ["fullUrl"] = fullUrl, ["request"] = request };
            if (random.Next(2) == 0) mutator.MutateInPlace(resource);
            if (random.Next(8) > 0) entry["resource"] = resource;
            if (random.Next(10) == 0) entry.Remove("request");
            entries.Add(entry);
        }
        var bundleType = new[] { "batch", "transaction", "transaction", "batch", "collection", "document", "", "transaction-response", "searchset" }[random.Next(9)];
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = bundleType, ["entry"] = entries };
        return random.Next(4) == 0 ? mutator.Mutate(bundle) : JsonMutator.Text(bundle);
    }

    /// <summary>Bundles nested <paramref name="depth"/> deep, as entry resources or as transaction entries that post a transaction.</summary>
    public string Nested(int depth)
    {
        // Written as text: System.Text.Json writes no tree deeper than 64.
        var asTransaction = random.Next(2) == 0;
        var request = asTransaction ? ",\"request\":{\"method\":\"POST\",\"url\":\"Bundle\"}" : "";
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            var type = i == 0 ? (random.Next(2) == 0 ? "transaction" : "batch") : asTransaction ? "transaction" : "collection";
            text.Append($"{{\"resourceType\":\"Bundle\",\"type\":\"{type}\",\"entry\":[{{\"fullUrl\":\"{Uuid()}\",\"resource\":");
        }
        text.Append(JsonMutator.Text(corpus.Pick(random)));
        for (var i = 0; i < depth; i++) text.Append(request).Append("}]}");
        return text.ToString();
    }

    /// <summary>
    /// A transaction that updates the resources of <paramref name="shared"/> in a shuffled order: sent by several
    /// clients at once, the writers take the same rows in different orders.
    /// </summary>
    public string Shuffled(IReadOnlyList<(string Type, string Id)> shared)
    {
        var chosen = shared.OrderBy(_ => random.Next()).Take(2 + random.Next(Math.Max(1, shared.Count - 1))).ToList();
        var entries = new JsonArray();
        foreach (var (type, id) in chosen)
        {
            var resource = corpus.Pick(random, type);
            resource["id"] = id;
            if (resource["resourceType"]?.GetValue<string>() != type) resource = new JsonObject { ["resourceType"] = type, ["id"] = id };
            var method = random.Next(6) == 0 ? "DELETE" : "PUT";
            var entry = new JsonObject { ["fullUrl"] = $"{type}/{id}", ["request"] = new JsonObject { ["method"] = method, ["url"] = $"{type}/{id}" } };
            if (method == "PUT") entry["resource"] = resource;
            entries.Add(entry);
        }
        return JsonMutator.Text(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = entries });
    }

    /// <summary>A batch of many searches, each of which may return a full page with includes.</summary>
    public string Searches()
    {
        var count = new[] { 50, 200, 1_000, 5_000 }[random.Next(4)];
        var entries = new JsonArray();
        string[] urls = ["Observation?_count=1000", "Patient?_include=*&_revinclude=*&_count=1000", "Observation?_include:iterate=*&_count=1000", "?_count=1000", "Patient/_history?_count=1000", "_history?_count=1000"];
        for (var i = 0; i < count; i++)
            entries.Add(new JsonObject { ["request"] = new JsonObject { ["method"] = "GET", ["url"] = urls[random.Next(urls.Length)] } });
        return JsonMutator.Text(new JsonObject { ["resourceType"] = "Bundle", ["type"] = "batch", ["entry"] = entries });
    }

    /// <summary>A resource with references to other servers (R4 references.html: absolute URLs are not local resources).</summary>
    public JsonObject WithForeignReferences(JsonObject resource)
    {
        var reference = string.Format(OtherServers[random.Next(OtherServers.Length)], new[] { "Patient", "Organization", "Practitioner", "Unknown" }[random.Next(4)]);
        foreach (var name in new[] { "subject", "patient", "managingOrganization", "organization", "encounter" })
            if (resource.ContainsKey(name) || random.Next(4) == 0) resource[name] = new JsonObject { ["reference"] = reference };
        return resource;
    }

    /// <summary>A transaction of resources with references to other servers, some of them also entries' fullUrls.</summary>
    public string ForeignTransaction()
    {
        var entries = new JsonArray();
        for (var i = 0; i < 1 + random.Next(5); i++)
        {
            var resource = WithForeignReferences(corpus.Pick(random));
            resource.Remove("id");
            var fullUrl = random.Next(2) == 0 ? string.Format(OtherServers[0], resource["resourceType"]) : Uuid();
            entries.Add(new JsonObject { ["fullUrl"] = fullUrl, ["resource"] = resource, ["request"] = new JsonObject { ["method"] = "POST", ["url"] = (string)resource["resourceType"]! } });
        }
        return JsonMutator.Text(new JsonObject { ["resourceType"] = "Bundle", ["type"] = random.Next(2) == 0 ? "transaction" : "batch", ["entry"] = entries });
    }
}
