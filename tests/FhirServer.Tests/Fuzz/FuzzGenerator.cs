using System.Text;
using System.Text.Json.Nodes;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// The stream of hostile requests for one seed: the same seed, examples and state give the same requests in the same
/// order (no clock, no shared randomness). <see cref="SeedRequests"/> first puts resources with fixed ids in the
/// store; <see cref="Next"/> then draws a category by weight and builds a request of it against those ids and the
/// next links the runner harvested.
/// </summary>
public sealed class FuzzGenerator
{
    private const int SeedResources = 60;

    // Relative weights: cheap requests often, the ones with megabytes of body or thousands of entries rarely.
    private static readonly Dictionary<string, int> Weights = new()
    {
        [FuzzCategory.Mutation] = 14, [FuzzCategory.HugeString] = 1, [FuzzCategory.HugeArray] = 1, [FuzzCategory.DeepNesting] = 3,
        [FuzzCategory.NestedBundle] = 2, [FuzzCategory.Bytes] = 5, [FuzzCategory.XmlDtd] = 3, [FuzzCategory.Interaction] = 8,
        [FuzzCategory.JsonPatch] = 5, [FuzzCategory.FhirPathPatch] = 5, [FuzzCategory.FhirPathDeep] = 2, [FuzzCategory.Bundle] = 8,
        [FuzzCategory.TransactionShuffle] = 4, [FuzzCategory.BatchSearch] = 1, [FuzzCategory.AbsoluteReference] = 3, [FuzzCategory.Search] = 14,
        [FuzzCategory.SearchOr] = 2, [FuzzCategory.SearchEmptyModifier] = 2, [FuzzCategory.SearchSort] = 4, [FuzzCategory.Cursor] = 5,
        [FuzzCategory.Encoding] = 3, [FuzzCategory.EncodingBrotli] = 2, [FuzzCategory.ContentType] = 4, [FuzzCategory.Headers] = 6,
        [FuzzCategory.Framing] = 3, [FuzzCategory.ChunkSize] = 1,
    };

    private readonly Random _random;
    private readonly ExampleCorpus _corpus;
    private readonly JsonMutator _json;
    private readonly BodyAttacks _bodies;
    private readonly WireAttacks _wire;
    private readonly SearchAttacks _search;
    private readonly PatchAttacks _patch;
    private readonly BundleAttacks _bundles;
    private readonly List<(string Category, int Weight)> _categories;
    private readonly int _totalWeight;
    private int _number;

    public FuzzGenerator(int seed, ExampleCorpus corpus, IEnumerable<string>? skip = null)
    {
        _random = new Random(seed);
        _corpus = corpus;
        _json = new JsonMutator(_random);
        _bodies = new BodyAttacks(_random);
        _wire = new WireAttacks(_random);
        _search = new SearchAttacks(_random);
        _patch = new PatchAttacks(_random);
        _bundles = new BundleAttacks(_random, corpus, _json);
        var skipped = new HashSet<string>(skip ?? []);
        var unknown = skipped.Except(FuzzCategory.All).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"Unknown categories: {string.Join(", ", unknown)} (known: {string.Join(", ", FuzzCategory.All)}).");
        _categories = [.. FuzzCategory.All.Where(c => !skipped.Contains(c)).Select(c => (c, Weights[c]))];
        if (_categories.Count == 0) throw new ArgumentException("Every category is skipped.");
        _totalWeight = _categories.Sum(c => c.Weight);
    }

    /// <summary>Resources that the requests refer to (filled from the seed requests that the server accepted).</summary>
    public List<(string Type, string Id)> Known { get; } = [];

    /// <summary>The resources that shuffled transactions all update.</summary>
    public List<(string Type, string Id)> Shared { get; } = [];

    /// <summary>Next links of real searches and histories, for the cursor attacks.</summary>
    public List<string> NextLinks { get; } = [];

    /// <summary>PUTs of examples with fixed ids (fz-N), then searches whose next links the cursor attacks start from.</summary>
    public IEnumerable<FuzzRequest> SeedRequests()
    {
        var seeding = new Random(0);
        for (var i = 0; i < SeedResources; i++)
        {
            var resource = _corpus.Pick(seeding);
            var type = (string)resource["resourceType"]!;
            var id = i < 8 ? $"fz-shared-{i}" : $"fz-{i}";
            resource["id"] = id;
            yield return FuzzRequest.Json("seed", "PUT", $"/{type}/{id}", JsonMutator.Text(resource)) with { Number = -1 };
        }
    }

    public static IEnumerable<string> HarvestUrls(IEnumerable<string> types) =>
        types.Take(12).Select(t => $"/{t}?_count=1")
            .Concat(["/Patient?_count=1&_sort=name", "/Patient?_count=1&_sort=-birthdate,_id", "/Observation?_count=1&_sort=code", "/?_count=1", "/_history?_count=1", "/Patient/_history?_count=1", "/Observation?_count=1&_total=accurate"]);

    public FuzzRequest Next()
    {
        var pick = _random.Next(_totalWeight);
        var category = _categories[0].Category;
        foreach (var (c, w) in _categories)
        {
            if (pick < w)
            {
                category = c;
                break;
            }
            pick -= w;
        }
        return Build(category) with { Number = _number++ };
    }

    private (string Type, string Id) Target()
    {
        if (Known.Count > 0 && _random.Next(6) > 0) return Known[_random.Next(Known.Count)];
        return (_corpus.Types[_random.Next(_corpus.Types.Count)], new[] { "x", "missing", "-", "a".PadRight(64, 'a'), "fz-0" }[_random.Next(5)]);
    }

    private T Of<T>(params T[] items) => items[_random.Next(items.Length)];

    private FuzzRequest Build(string category)
    {
        var (type, id) = Target();
        switch (category)
        {
            case FuzzCategory.Mutation:
                return Write(category, type, id, _random.Next(5) == 0 && _corpus.Xml.Count > 0
                    ? (_bodies.MutateXml(_corpus.Xml[_random.Next(_corpus.Xml.Count)]), "application/fhir+xml")
                    : (_json.Mutate(Resource(type, id)), "application/fhir+json"));
            case FuzzCategory.HugeString:
                return Write(category, type, id, (_json.HugeString(Resource(type, id), Of(100_000, 1_000_000, 1_000_000, 5_000_000, 22_000_000)), "application/fhir+json"));
            case FuzzCategory.HugeArray:
                return Write(category, type, id, (_json.HugeArray(Resource(type, id), Of(10_000, 50_000, 50_000, 100_000)), "application/fhir+json"));
            case FuzzCategory.DeepNesting:
                var depth = Of(64, 200, 1_000, 10_000, 100_000);
                return Write(category, type, id, _random.Next(4) == 0
                    ? (_bodies.DeepXml(type, depth), "application/fhir+xml")
                    : (_json.Deep(Resource(type, id), depth), "application/fhir+json"));
            case FuzzCategory.NestedBundle:
                return FuzzRequest.Json(category, "POST", Of("/", "/", "/Bundle"), _bundles.Nested(Of(2, 10, 100, 1_000)));
            case FuzzCategory.Bytes:
            {
                var (text, media) = _random.Next(4) == 0 && _corpus.Xml.Count > 0
                    ? (_corpus.Xml[_random.Next(_corpus.Xml.Count)], "application/fhir+xml")
                    : (JsonMutator.Text(Resource(type, id)), "application/fhir+json");
                return Write(category, type, id, _bodies.Damage(Encoding.UTF8.GetBytes(text)), media);
            }
            case FuzzCategory.XmlDtd:
                return Write(category, type, id, (_bodies.XmlWithDtd(type), Of("application/fhir+xml", "application/xml", "text/xml")));
            case FuzzCategory.Interaction:
                return Interaction(type, id);
            case FuzzCategory.JsonPatch:
                return Patch(category, type, id, _patch.JsonPatch(), "application/json-patch+json");
            case FuzzCategory.FhirPathPatch:
                return Patch(category, type, id, _patch.FhirPathPatch(type), "application/fhir+json");
            case FuzzCategory.FhirPathDeep:
                return Patch(category, type, id, _patch.DeepFhirPathPatch(type, Of(100, 500, 2_000, 10_000, 50_000)), "application/fhir+json");
            case FuzzCategory.Bundle:
                return FuzzRequest.Json(category, "POST", "/", _bundles.Mutated(Known));
            case FuzzCategory.TransactionShuffle:
                return FuzzRequest.Json(category, "POST", "/", _bundles.Shuffled(Shared.Count > 1 ? Shared : Known));
            case FuzzCategory.BatchSearch:
                return FuzzRequest.Json(category, "POST", "/", _bundles.Searches());
            case FuzzCategory.AbsoluteReference:
                return _random.Next(3) switch
                {
                    0 => FuzzRequest.Json(category, "POST", "/", _bundles.ForeignTransaction()),
                    1 => FuzzRequest.Get(category, $"/Observation?subject={Uri.EscapeDataString(Of("http://other.example/fhir/Patient/1", "https://127.0.0.1:1/Patient/fz-0", "http://localhost/Patient/fz-0"))}"),
                    _ => Write(category, type, id, (JsonMutator.Text(_bundles.WithForeignReferences(Resource(type, id))), "application/fhir+json")),
                };
            case FuzzCategory.Search:
                return _random.Next(5) == 0 ? FormSearch(_search.Search(Known)) : FuzzRequest.Get(category, _search.Search(Known));
            case FuzzCategory.SearchOr:
                return _random.Next(3) == 0 ? FormSearch(_search.ManyValues(), category) : FuzzRequest.Get(category, _search.ManyValues());
            case FuzzCategory.SearchEmptyModifier:
                return FuzzRequest.Get(category, _search.EmptyModifier());
            case FuzzCategory.SearchSort:
                return FuzzRequest.Get(category, _search.Sort());
            case FuzzCategory.Cursor:
                return FuzzRequest.Get(category, _search.Cursor(NextLinks));
            case FuzzCategory.Encoding or FuzzCategory.EncodingBrotli:
            {
                var (encoding, body) = _wire.BadlyEncoded(Encoding.UTF8.GetBytes(JsonMutator.Text(Resource(type, id))), category == FuzzCategory.EncodingBrotli);
                var write = Write(category, type, id, body, "application/fhir+json");
                return write with { Headers = [.. write.Headers, new("Content-Encoding", encoding)] };
            }
            case FuzzCategory.ContentType:
            {
                var body = _random.Next(3) == 0 && _corpus.Xml.Count > 0 ? _corpus.Xml[_random.Next(_corpus.Xml.Count)] : JsonMutator.Text(Resource(type, id));
                var request = _random.Next(4) == 0
                    ? Patch(category, type, id, _random.Next(2) == 0 ? _patch.JsonPatch() : body, "")
                    : Write(category, type, id, Encoding.UTF8.GetBytes(body), "");
                var contentType = _random.Next(8) == 0 ? null : _wire.ContentType();
                return request with { Headers = contentType is null ? [] : [new("Content-Type", contentType)] };
            }
            case FuzzCategory.Headers:
            {
                var request = _random.Next(4) switch
                {
                    0 => FuzzRequest.Get(category, $"/{type}/{id}"),
                    1 => FuzzRequest.Get(category, $"/{type}?_count=5"),
                    2 => new FuzzRequest(category, "DELETE", $"/{type}/{id}", []),
                    _ => Write(category, type, id, (JsonMutator.Text(Resource(type, id)), "application/fhir+json")),
                };
                return request with { Headers = [.. request.Headers, .. _wire.JunkHeaders()] };
            }
            case FuzzCategory.Framing:
                return new FuzzRequest(category, "RAW", $"/{type}", []) { Raw = _wire.BrokenFraming($"/{type}", Encoding.UTF8.GetBytes(JsonMutator.Text(Resource(type, id)))) };
            case FuzzCategory.ChunkSize:
                return new FuzzRequest(category, "RAW", $"/{type}", []) { Raw = _wire.OverflowingChunk($"/{type}") };
            default:
                throw new InvalidOperationException($"No generator for category '{category}'.");
        }
    }

    // An example of the type with the target's id: updates then reach an existing resource.
    private JsonObject Resource(string type, string id)
    {
        var resource = _corpus.Pick(_random, type);
        if (_random.Next(3) > 0) resource["id"] = id;
        return resource;
    }

    private FuzzRequest Write(string category, string type, string id, (string Text, string Media) body) =>
        Write(category, type, id, Encoding.UTF8.GetBytes(body.Text), body.Media);

    /// <summary>Create, update, conditional create or conditional update of the body.</summary>
    private FuzzRequest Write(string category, string type, string id, byte[] body, string media)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (media.Length > 0) headers.Add(new("Content-Type", media));
        switch (_random.Next(6))
        {
            case 0 or 1:
                return new FuzzRequest(category, "POST", $"/{type}", headers, body);
            case 2:
                headers.Add(new("If-None-Exist", Of("identifier=urn:oid:1.2.3|1", "_id=" + id, "name=x", "_id=fz-0,fz-1")));
                return new FuzzRequest(category, "POST", $"/{type}", headers, body);
            case 3:
                return new FuzzRequest(category, "PUT", $"/{type}?{Of("_id=" + id, "identifier=x", "name=a&name=b", "")}", headers, body);
            default:
                return new FuzzRequest(category, "PUT", $"/{type}/{id}", headers, body);
        }
    }

    private FuzzRequest Patch(string category, string type, string id, string body, string media)
    {
        var url = _random.Next(5) == 0 ? $"/{type}?{Of("_id=" + id, "name=x", "", "_id=fz-0,fz-1")}" : $"/{type}/{id}";
        return new FuzzRequest(category, "PATCH", url, media.Length > 0 ? [new("Content-Type", media)] : [], Encoding.UTF8.GetBytes(body));
    }

    private FuzzRequest FormSearch(string url, string category = FuzzCategory.Search)
    {
        var q = url.IndexOf('?');
        var query = q >= 0 ? url[(q + 1)..] : "";
        var path = (q >= 0 ? url[..q] : url).TrimEnd('/');
        return new FuzzRequest(category, "POST", path + "/_search", [new("Content-Type", Of("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin1", "multipart/form-data"))],
            Encoding.UTF8.GetBytes(query));
    }

    private FuzzRequest Interaction(string type, string id)
    {
        const string c = FuzzCategory.Interaction;
        string[] ids = [id, "", "..", "%2e%2e", "a%2Fb", "x y", "a".PadRight(65, 'a'), "$meta", "_history", "-", "%01", "é"];
        var odd = ids[_random.Next(ids.Length)];
        return _random.Next(14) switch
        {
            0 => FuzzRequest.Get(c, $"/{type}/{odd}"),
            1 => FuzzRequest.Get(c, $"/{type}/{id}/_history/{Of("0", "-1", "abc", "99999999999", "1.0", "", "1")}"),
            2 => FuzzRequest.Get(c, $"/{type}/{id}/_history?{Of("_since=junk", "_at=2020-13", "_count=-1", "_cursor=abc", "_since=9999-12-31T23:59:59Z", "_count=0", "_cursor=-5")}"),
            3 => FuzzRequest.Get(c, $"/{Of("", type + "/")}_history?{Of("_since=2020", "_at=ge2020", "_count=1000", "_cursor=99999999999999999999", "_type=Patient", "_sort=_lastUpdated")}"),
            4 => new FuzzRequest(c, "DELETE", $"/{type}/{odd}", []),
            5 => new FuzzRequest(c, "DELETE", $"/{type}?{Of("", "name=", "_id=" + id, "unknown=1", "name:=x", "_count=1")}", []),
            6 => FuzzRequest.Get(c, $"/{type}/{id}?{Of("_summary=foo", "_summary=count", "_elements=", "_elements=a.b", "_format=text/html", "_format=xml", "_pretty=maybe", "_summary=true&_elements=id")}"),
            7 => new FuzzRequest(c, Of("OPTIONS", "HEAD", "TRACE", "PROPFIND", "PURGE"), $"/{type}/{id}", []),
            8 => FuzzRequest.Get(c, Of("/metadata?_summary=x", "/metadata?mode=terminology", "/$export", "/Patient/$validate", $"/{type}/{id}/$everything", "/%", "/Patient/x/y/z/w", "//Patient", "/.well-known/smart-configuration", "/Patient/_search")),
            9 => new FuzzRequest(c, "POST", Of($"/{type}/{id}", $"/{type}/{id}/$validate", "/metadata", "/_history", $"/{type}/_history"), [new("Content-Type", "application/fhir+json")], Encoding.UTF8.GetBytes("{}")),
            10 => new FuzzRequest(c, "PUT", $"/{type}/{odd}", [new("Content-Type", "application/fhir+json")], Encoding.UTF8.GetBytes(JsonMutator.Text(Resource(type, odd)))),
            11 => new FuzzRequest(c, Of("POST", "PUT"), $"/{type}", [new("Content-Type", "application/fhir+json")], Encoding.UTF8.GetBytes(Of("", " ", "{}", "[]", "null"))),
            12 => new FuzzRequest(c, "DELETE", Of("/", "/_history", "/metadata", $"/{type}/{id}/_history/1"), []),
            _ => FuzzRequest.Get(c, $"/{Of("Resource", "DomainResource", "patient", "Unknown", "$everything", "_search", "metadata")}/{id}"),
        };
    }
}
