using System.Globalization;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Rest;

/// <summary>
/// Small edits of resource trees the server makes itself: stamping id and meta on a new version, tagging a subsetted
/// view. They build new parent nodes around the existing children (the writers order children per definition).
/// </summary>
public static class ResourceNodes
{
    public const string SubsettedSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

    /// <summary>
    /// The resource with the server's <c>id</c>, <c>meta.versionId</c> and <c>meta.lastUpdated</c> (R4 resource.html#meta:
    /// set by the server, whatever the client sent); other meta content (profile, tag, security, source) is kept.
    /// </summary>
    public static ElementNode Stamp(DefinitionRegistry registry, ElementNode resource, string id, int version, DateTimeOffset lastUpdated)
    {
        var root = ElementNode.Resource(resource.Type, resource.Definition);
        ElementNode? oldMeta = null;
        foreach (var child in resource.Children.ToList())
        {
            if (child.Name == "id") continue;
            if (child.Name == "meta") { oldMeta = child; continue; }
            root.Add(child);
        }
        var idDefinition = Definition(registry, resource, "id");
        root.Add(new ElementNode("id", idDefinition.TypeCode ?? "id", idDefinition, id));

        var meta = NewMeta(registry, resource);
        if (oldMeta is not null)
            foreach (var child in oldMeta.Children.ToList())
                if (child.Name is not ("versionId" or "lastUpdated")) meta.Add(child);
        var versionId = registry.GetElement("Meta.versionId")!;
        var updated = registry.GetElement("Meta.lastUpdated")!;
        meta.Add(new ElementNode("versionId", versionId.TypeCode ?? "id", versionId, version.ToString(CultureInfo.InvariantCulture)));
        meta.Add(new ElementNode("lastUpdated", updated.TypeCode ?? "instant", updated, FormatInstant(lastUpdated)));
        root.Add(meta);
        return root;
    }

    /// <summary>Adds the SUBSETTED tag (R4 search.html#summary) to a resource's meta.</summary>
    public static ElementNode MarkSubsetted(DefinitionRegistry registry, ElementNode resource)
    {
        var meta = resource.Child("meta");
        if (meta is null) meta = resource.Add(NewMeta(registry, resource));
        var tagDefinition = registry.GetElement("Meta.tag")!;
        var tag = meta.Add(new ElementNode("tag", "Coding", tagDefinition));
        var system = registry.GetElement("Coding.system")!;
        var code = registry.GetElement("Coding.code")!;
        tag.Add(new ElementNode("system", system.TypeCode ?? "uri", system, SubsettedSystem));
        tag.Add(new ElementNode("code", code.TypeCode ?? "code", code, "SUBSETTED"));
        return resource;
    }

    /// <summary>FHIR instant with milliseconds, UTC.</summary>
    public static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static ElementNode NewMeta(DefinitionRegistry registry, ElementNode resource)
    {
        var definition = Definition(registry, resource, "meta");
        return new ElementNode("meta", "Meta", definition);
    }

    private static ElementDefinitionInfo Definition(DefinitionRegistry registry, ElementNode resource, string name) =>
        resource.Definition?.GetChild(name) ?? registry.GetElement("Resource." + name)
        ?? throw new InvalidOperationException($"No definition for Resource.{name}");

    /// <summary>
    /// The number of elements under a resource, counted up to one past <paramref name="limit"/>: every node but the
    /// resource itself and its <c>id</c> and <c>meta</c>, which the server sets on each version (so that a create and
    /// an update of the same content count alike).
    /// </summary>
    public static int CountElements(ElementNode resource, int limit)
    {
        var count = 0;
        var pending = new Stack<ElementNode>();
        foreach (var child in resource.Children)
        {
            if (child.Name is "id" or "meta") continue;
            count++;
            if (child.HasChildren) pending.Push(child);
        }
        while (pending.Count > 0 && count <= limit)
        {
            var children = pending.Pop().Children;
            count += children.Count;
            foreach (var child in children)
                if (child.HasChildren) pending.Push(child);
        }
        return count;
    }
}
