using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.References;

/// <summary>
/// A Bundle's entries by fullUrl and by resource type and id, built once per validation (a 10,000-entry Bundle would
/// otherwise be scanned once per reference), and reference resolution by R4 bundle.html §3.3.1 "Resolving references
/// in Bundles": an absolute reference matches a fullUrl; a relative one is made absolute against the referring
/// entry's fullUrl when that is a RESTful URL (<c>[base]/[type]/[id]</c>) and then matches a fullUrl. As in the HL7
/// validator, the base is taken only from a fullUrl that ends with the referring resource's own type and id (a
/// resource without an id has no base to resolve from), and a relative fullUrl <c>[type]/[id]</c> (itself an error)
/// has an empty base: its entry's relative references match relative fullUrls as written. Entries whose
/// type and id match but whose fullUrl does not are kept as near misses: the messages name them, and the type checks
/// still look at them, as FHIRPath's resolve() does.
/// </summary>
public sealed class BundleIndex
{
    private readonly Dictionary<string, List<ElementNode>> _byFullUrl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ElementNode>> _byTypeAndId = new(StringComparer.Ordinal);

    private BundleIndex(ElementNode bundle)
    {
        Bundle = bundle;
        Type = bundle.Child("type")?.Value;
        foreach (var entry in bundle.ChildrenNamed("entry"))
        {
            if (entry.Child("resource") is not { } resource) continue;
            if (entry.Child("fullUrl")?.Value is { Length: > 0 } fullUrl) Add(_byFullUrl, WithoutHistory(fullUrl), resource);
            if (resource.Child("id")?.Value is { Length: > 0 } id) Add(_byTypeAndId, resource.Type + "/" + id, resource);
        }
    }

    public ElementNode Bundle { get; }
    /// <summary>Bundle.type (document, message, transaction…).</summary>
    public string? Type { get; }

    /// <summary>The index of a Bundle, made once per validation.</summary>
    public static BundleIndex Of(ElementNode bundle, ValidationState state) => state.Memo(bundle, b => new BundleIndex((ElementNode)b));

    /// <summary>The Bundle entry (of the nearest Bundle) a node lies in, or null when it lies in none.</summary>
    public static ElementNode? EntryOf(ElementNode node)
    {
        for (var n = node; n is not null; n = n.Parent)
            if (n is { IsResource: true, Name: "resource", Parent: { Name: "entry", Parent: { IsResource: true, Type: "Bundle" } } entry })
                return entry;
        return null;
    }

    /// <summary>The entries' resources <paramref name="reference"/> matches from <paramref name="referringEntry"/>, and its near misses.</summary>
    public BundleMatch Resolve(LiteralReference reference, ElementNode referringEntry)
    {
        var target = reference.WithoutHistory;
        string? absolute = reference.Form switch
        {
            ReferenceForm.Urn or ReferenceForm.RestfulUrl or ReferenceForm.OtherAbsolute => target,
            ReferenceForm.Relative when BaseOf(referringEntry) is { } baseUrl => baseUrl + target,
            _ => null,
        };
        var matches = absolute is not null && _byFullUrl.TryGetValue(absolute, out var found) ? found : [];
        IReadOnlyList<ElementNode> nearMisses = [];
        if (matches.Count == 0 && reference.Type is { } type && reference.Id is { } id &&
            _byTypeAndId.TryGetValue(type + "/" + id, out var sameId))
            nearMisses = sameId;
        return new BundleMatch(matches, nearMisses, absolute ?? target);
    }

    /// <summary>
    /// The resource of the entry whose fullUrl is the urn of a relative reference's id, when the referring entry's
    /// fullUrl is a urn (<c>Practitioner/123</c> from <c>urn:uuid:…</c> → <c>urn:uuid:123</c>); null otherwise.
    /// </summary>
    public ElementNode? UrnNamesake(LiteralReference reference, ElementNode referringEntry)
    {
        if (reference is not { Form: ReferenceForm.Relative, Id: { } id } ||
            referringEntry.Child("fullUrl")?.Value is not { } fullUrl || !fullUrl.StartsWith("urn:", StringComparison.Ordinal)) return null;
        return _byFullUrl.TryGetValue(fullUrl[..(fullUrl.LastIndexOf(':') + 1)] + id, out var found) && found.Count == 1 ? found[0] : null;
    }

    /// <summary>The fullUrl of the entry that holds <paramref name="resource"/>.</summary>
    public static string? FullUrlOf(ElementNode resource) => resource.Parent?.Child("fullUrl")?.Value;

    /// <summary>
    /// What a relative reference from <paramref name="entry"/> is appended to: its fullUrl without the trailing
    /// <c>[type]/[id]</c> of the entry's own resource (<c>http://example.org/fhir/Observation/1</c> →
    /// <c>http://example.org/fhir/</c>, <c>Observation/1</c> → empty); null when the fullUrl is no RESTful URL or names
    /// another resource.
    /// </summary>
    public static string? BaseOf(ElementNode entry)
    {
        if (entry.Child("fullUrl")?.Value is not { } fullUrl || entry.Child("resource") is not { } resource ||
            resource.Child("id")?.Value is not { Length: > 0 } id) return null;
        var parsed = LiteralReference.Parse(fullUrl);
        if (parsed is not { Form: ReferenceForm.RestfulUrl or ReferenceForm.Relative, Version: null } ||
            parsed.Type != resource.Type || parsed.Id != id) return null;
        return fullUrl[..^(parsed.Type.Length + 1 + id.Length)];
    }

    private static string WithoutHistory(string url)
    {
        var history = url.IndexOf("/_history/", StringComparison.Ordinal);
        return history < 0 ? url : url[..history];
    }

    private static void Add(Dictionary<string, List<ElementNode>> map, string key, ElementNode resource)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(resource);
    }
}

/// <summary>
/// What a reference found in a Bundle: the resources it matches by the resolution rules (one, unless fullUrls are
/// repeated), those that have the right type and id but another fullUrl, and the absolute URL it was looked up as.
/// </summary>
public readonly record struct BundleMatch(IReadOnlyList<ElementNode> Matches, IReadOnlyList<ElementNode> NearMisses, string LookedUp);
