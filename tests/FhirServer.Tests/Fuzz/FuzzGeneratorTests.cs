using System.Security.Cryptography;

namespace FhirServer.Tests.Fuzz;

/// <summary>The generator alone: a seed means the same requests, and every category builds requests without failing.</summary>
public class FuzzGeneratorTests
{
    private static readonly Lazy<ExampleCorpus> Corpus = new(() => ExampleCorpus.Load());

    private static string Fingerprint(FuzzRequest r) =>
        $"{r.Number} {r.Category} {r.Method} {r.Url} {string.Join('|', r.Headers)} {Convert.ToHexString(SHA256.HashData(r.Raw ?? r.Body ?? []))}";

    [Test]
    public void The_same_seed_gives_the_same_requests()
    {
        List<string> Run(int seed)
        {
            var generator = new FuzzGenerator(seed, Corpus.Value);
            generator.Known.AddRange([("Patient", "fz-1"), ("Observation", "fz-2")]);
            return [.. Enumerable.Range(0, 300).Select(_ => Fingerprint(generator.Next()))];
        }
        Assert.That(Run(7), Is.EqualTo(Run(7)));
        Assert.That(Run(8), Is.Not.EqualTo(Run(7)));
    }

    [TestCaseSource(typeof(FuzzCategory), nameof(FuzzCategory.All))]
    public void Every_category_builds_requests_of_its_own(string category)
    {
        var generator = new FuzzGenerator(1, Corpus.Value, FuzzCategory.All.Where(c => c != category));
        generator.Known.AddRange([("Patient", "fz-1"), ("Observation", "fz-2")]);
        generator.NextLinks.Add("/Patient?_count=1&_cursor=WyJuIiwiZnotMSJd");
        var requests = Enumerable.Range(0, 60).Select(_ => generator.Next()).ToList();
        Assert.That(requests.Select(r => r.Category), Is.All.EqualTo(category));
    }

    [Test]
    public void A_huge_array_of_a_large_element_stops_past_the_request_limit()
    {
        // 100,000 copies of a 1 MB narrative made a string past what .NET holds (OutOfMemoryException in the generator).
        var resource = new System.Text.Json.Nodes.JsonObject
        {
            ["resourceType"] = "Patient",
            ["contained"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["resourceType"] = "Basic", ["id"] = new string('x', 1_000_000) }),
        };
        // Each seed grows the contained array or starts a new array of small elements.
        var lengths = Enumerable.Range(0, 8).Select(seed => new JsonMutator(new Random(seed)).HugeArray(resource.DeepClone().AsObject(), 100_000).Length).ToList();
        Assert.That(lengths, Is.All.LessThan(26_000_000));
        Assert.That(lengths.Max(), Is.GreaterThan(20_000_000));
    }

    [Test]
    public void Skipping_an_unknown_category_is_refused() =>
        Assert.That(() => new FuzzGenerator(1, Corpus.Value, ["no-such-category"]), Throws.ArgumentException);
}
