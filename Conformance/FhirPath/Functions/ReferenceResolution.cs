using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>
/// resolve() (FHIR R4 fhirpath.html, "resolve()"; references.html; bundle.html "Resolving references in Bundles"):
/// <list type="number">
/// <item>a local reference (<c>#id</c>) names a contained resource of the containing resource (<c>#</c> alone: the
/// container itself), also from one contained resource to another;</item>
/// <item>within a Bundle entry, an absolute reference (<c>http://…</c>, <c>urn:uuid:…</c>) matches an entry's
/// fullUrl; a relative one (<c>Patient/123</c>) is made absolute against the base of the referring entry's fullUrl
/// (<c>http://example.org/fhir/Observation/1</c> → <c>http://example.org/fhir/Patient/123</c>), and, when that
/// entry has no RESTful fullUrl, matches an entry by resource type and id;</item>
/// <item>anything else (canonicals, other servers' resources, a miss in the Bundle) goes to the context's
/// <see cref="FhirPathContext.Resolver"/> hook, with the reference as written.</item>
/// </list>
/// A version-specific reference (<c>…/_history/2</c>) matches the entry of that resource whatever its version.
/// </summary>
public static class ReferenceResolution
{
    internal static ElementNode? Resolve(object item, EvaluationState state, FhirPathContext context) =>
        Resolve(item, state.Resource, state.RootResource, context);

    /// <summary>The resource a Reference (or a reference string node) points at, or null; see the class remarks.</summary>
    public static ElementNode? Resolve(ElementNode reference, FhirPathContext context) =>
        Resolve(reference, null, context.RootResource, context);

    private static ElementNode? Resolve(object item, ElementNode? resource, ElementNode? rootResource, FhirPathContext context)
    {
        var reference = item switch
        {
            ElementNode { Type: "Reference" } n => n.Child("reference")?.Value,
            ElementNode n => n.Value,
            string s => s,
            _ => null,
        };
        if (string.IsNullOrEmpty(reference)) return null;
        var origin = item as ElementNode ?? resource;
        if (reference.StartsWith('#'))
        {
            var container = ContainerOf(origin) ?? rootResource;
            if (container is null) return null;
            if (reference.Length == 1) return container;
            var id = reference.AsSpan(1);
            foreach (var contained in container.ChildrenNamed("contained"))
                if (contained.Child("id")?.Value is { } cid && id.SequenceEqual(cid)) return contained;
            return null;
        }
        if (EntryOf(origin) is var (bundle, entry) && InBundle(bundle, entry, reference) is { } found) return found;
        return context.Resolver?.Invoke(reference);
    }

    private static ElementNode? InBundle(ElementNode bundle, ElementNode referringEntry, string reference)
    {
        var target = WithoutHistory(reference);
        string? absolute = null;
        if (IsAbsolute(target)) absolute = target;
        else if (RestBase(referringEntry.Child("fullUrl")?.Value) is { } baseUrl) absolute = baseUrl + "/" + target;

        foreach (var entry in bundle.ChildrenNamed("entry"))
        {
            if (entry.Child("resource") is not { } resource) continue;
            var fullUrl = entry.Child("fullUrl")?.Value;
            if (absolute is not null)
            {
                if (fullUrl is not null && WithoutHistory(fullUrl) == absolute) return resource;
            }
            else if (resource.Child("id")?.Value is { } id && target.Length == resource.Type.Length + 1 + id.Length &&
                     target.StartsWith(resource.Type, StringComparison.Ordinal) && target[resource.Type.Length] == '/' &&
                     target.EndsWith(id, StringComparison.Ordinal))
                return resource;
        }
        return null;
    }

    // The entry (of the nearest Bundle) the node lies in: its resource, or a resource contained in it.
    private static (ElementNode Bundle, ElementNode Entry)? EntryOf(ElementNode? node)
    {
        for (var n = node; n is not null; n = n.Parent)
            if (n is { IsResource: true, Name: "resource", Parent: { Name: "entry", Parent: { IsResource: true, Type: "Bundle" } bundle } entry })
                return (bundle, entry);
        return null;
    }

    // The resource whose contained list a local reference points into: the outermost non-contained resource.
    private static ElementNode? ContainerOf(ElementNode? node)
    {
        var resource = node?.ResourceNode;
        while (resource is { Name: "contained", Parent: { } parent } && parent.ResourceNode is { } outer) resource = outer;
        return resource;
    }

    private static bool IsAbsolute(string reference) => reference.Contains(':');

    // http://example.org/fhir/Observation/1 → http://example.org/fhir (a RESTful URL: [base]/[type]/[id]); null otherwise.
    private static string? RestBase(string? fullUrl)
    {
        if (fullUrl is null || !(fullUrl.StartsWith("http://", StringComparison.Ordinal) || fullUrl.StartsWith("https://", StringComparison.Ordinal))) return null;
        var url = WithoutHistory(fullUrl);
        var idSlash = url.LastIndexOf('/');
        if (idSlash <= 0) return null;
        var typeSlash = url.LastIndexOf('/', idSlash - 1);
        if (typeSlash <= "https://".Length) return null;
        var type = url.AsSpan(typeSlash + 1, idSlash - typeSlash - 1);
        return type.Length > 0 && char.IsUpper(type[0]) ? url[..typeSlash] : null;
    }

    private static string WithoutHistory(string reference)
    {
        var history = reference.IndexOf("/_history/", StringComparison.Ordinal);
        return history < 0 ? reference : reference[..history];
    }
}
