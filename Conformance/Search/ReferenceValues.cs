using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Conformance.Search;

/// <summary>Reference values (R4 search.html §2.1.1.5.8): literal references, canonicals, and logical references' identifiers.</summary>
internal static class ReferenceValues
{
    public static bool Add(object item, List<IndexValue> values, DefinitionRegistry registry, ServerBases local)
    {
        switch (item)
        {
            case ElementNode { Type: "Reference" } reference:
                AddReference(reference, values, registry, local);
                return true;
            // canonical (and uri) targets: matched by URL, with the version after '|' (R4 §2.1.1.5.8 "canonical").
            case ElementNode { Type: "canonical" or "uri" or "url" } canonical:
                if (canonical.Value is { Length: > 0 } value) values.Add(Canonical(value));
                return true;
            case string text:
                values.Add(Canonical(text));
                return true;
            // Bundle.entry[0].resource (Bundle's composition and message): the resource is the target.
            case ElementNode { IsResource: true } resource:
                var id = resource.Child("id")?.Value;
                var fullUrl = resource.Name == "resource" ? resource.Parent?.Child("fullUrl")?.Value : null;
                if (id is not null || fullUrl is not null) values.Add(new ReferenceIndex(resource.Type, id, fullUrl));
                return true;
            default:
                return false;
        }
    }

    private static ReferenceIndex Canonical(string text)
    {
        var bar = text.LastIndexOf('|');
        return bar < 0 ? new ReferenceIndex(null, null, text) : new ReferenceIndex(null, null, text[..bar], text[(bar + 1)..]);
    }

    private static void AddReference(ElementNode reference, List<IndexValue> values, DefinitionRegistry registry, ServerBases local)
    {
        var literal = reference.Child("reference")?.Value;
        var identifier = reference.Child("identifier");
        var identifierSystem = identifier?.Child("system")?.Value;
        var identifierValue = identifier?.Child("value")?.Value;
        ReferenceIndex? index = null;
        // A reference to a contained resource (#id) points inside this resource: nothing another search could find.
        if (literal is { Length: > 0 } && literal[0] != '#')
        {
            index = Parse(literal, registry) switch
            {
                { Base: null } relative => new ReferenceIndex(relative.Type, relative.Id, null, relative.Version),
                // On this server's base: the local resource, and its URL. On another's: that server's resource, which
                // only its URL names (an external reference is never the local resource of the same type and id).
                { } absolute => local.IsLocal(absolute.Base)
                    ? new ReferenceIndex(absolute.Type, absolute.Id, absolute.Url, absolute.Version)
                    : new ReferenceIndex(null, null, absolute.Url, absolute.Version),
                null => new ReferenceIndex(null, null, literal),
            };
        }
        if (identifierSystem is null && identifierValue is null)
        {
            if (index is not null) values.Add(index);
            return;
        }
        values.Add((index ?? new ReferenceIndex(null, null, null)) with { IdentifierSystem = identifierSystem, IdentifierValue = identifierValue });
    }

    /// <summary>
    /// A literal reference's target. For an absolute URL, <see cref="Base"/> is what comes before <c>/Type/id</c> and
    /// <see cref="Url"/> the URL without its <c>/_history/v</c> (the resource, as searches name it).
    /// </summary>
    public readonly record struct Target(string Type, string Id, string? Version, string? Base, string? Url);

    /// <summary>
    /// A literal reference's target when it names one (R4 references.html §2.3.0.1: <c>Type/id</c>,
    /// <c>Type/id/_history/v</c>, or an absolute URL ending so) with a known resource type; null for
    /// <c>urn:uuid:</c>, <c>urn:oid:</c> and anything else.
    /// </summary>
    public static Target? Parse(string reference, DefinitionRegistry registry)
    {
        if (reference.StartsWith("urn:", StringComparison.Ordinal)) return null;
        var scheme = reference.IndexOf("://", StringComparison.Ordinal);
        var query = reference.IndexOfAny(['?', '#']);
        var path = query < 0 ? reference : reference[..query];
        var parts = path.Split('/');
        var n = parts.Length;
        string? version = null;
        if (n >= 4 && parts[n - 2] == "_history")
        {
            version = parts[n - 1];
            n -= 2;
        }
        // An absolute URL has its scheme, an empty segment and the host before the base's path: at least /Type/id after.
        if (scheme >= 0 ? n < 5 : n != 2) return null;
        var type = parts[n - 2];
        var id = parts[n - 1];
        if (!PrimitiveRules.IsId(id) || !registry.IsResourceType(type)) return null;
        var (@base, url) = scheme >= 0 ? (string.Join('/', parts, 0, n - 2), string.Join('/', parts, 0, n)) : (null, null);
        return new Target(type, id, version is { Length: > 0 } ? version : null, @base, url);
    }
}
