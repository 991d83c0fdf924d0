using FhirServer.Conformance.Context;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Model;
using FhirServer.Http;

namespace FhirServer.Rest;

/// <summary>
/// <c>_summary</c> and <c>_elements</c> (R4 search.html#summary, #elements): parts of a resource, marked with the
/// SUBSETTED tag. Built from a parsed tree by re-parenting the kept nodes under new parents.
/// </summary>
public static class ResourceViews
{
    /// <summary>The view asked for by the query string; null for the whole resource. Invalid values → 400.</summary>
    public static Func<ElementNode, ElementNode>? FromQuery(HttpRequest request, DefinitionRegistry registry, bool allowCount = false) =>
        FromQuery(request.Query, registry, allowCount);

    /// <summary>The view asked for by query parameters (those of a request, or of a Bundle entry's url).</summary>
    public static Func<ElementNode, ElementNode>? FromQuery(IQueryCollection query, DefinitionRegistry registry, bool allowCount = false)
    {
        var summary = query["_summary"].ToString();
        var elements = query["_elements"].ToString();
        if (summary.Length > 0 && elements.Length > 0)
            throw FhirException.BadRequest("_summary and _elements cannot be used together.", "_summary");
        if (elements.Length > 0)
        {
            var names = elements.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(n => n.Contains('.') ? n[(n.IndexOf('.') + 1)..] : n)
                .Select(n => n.EndsWith("[x]", StringComparison.Ordinal) ? n[..^3] : n)
                .ToHashSet(StringComparer.Ordinal);
            return node => Elements(registry, node, names);
        }
        return summary switch
        {
            "" or "false" => null,
            "true" => node => ResourceNodes.MarkSubsetted(registry, Filter(node, IsSummary, recurse: true)),
            "text" => node => ResourceNodes.MarkSubsetted(registry, Filter(node, n => n.Name is "text" or "id" or "meta" || n.Definition?.Min > 0, recurse: false)),
            "data" => node => ResourceNodes.MarkSubsetted(registry, Filter(node, n => n.Name != "text", recurse: false)),
            "count" when allowCount => null,
            "count" => throw FhirException.BadRequest("_summary=count applies to searches, not to reading a resource.", "_summary"),
            _ => throw FhirException.BadRequest($"_summary={summary} is not one of true, text, data, count, false.", "_summary"),
        };
    }

    /// <summary>A stored resource (JSON bytes) through a view.</summary>
    public static byte[] Apply(ConformanceContext conformance, byte[] body, Func<ElementNode, ElementNode> view)
    {
        var node = conformance.Json.Parse(body).Resource ?? throw new InvalidOperationException("A stored resource could not be read back");
        return FhirJsonWriter.WriteToBytes(view(node));
    }

    private static bool IsSummary(ElementNode node) => node.Definition is null || node.Definition.IsSummary || node.Definition.Min > 0;

    private static ElementNode Elements(DefinitionRegistry registry, ElementNode resource, HashSet<string> names)
    {
        var view = Filter(resource, n => names.Contains(n.Name) || n.Name is "id" or "meta" || n.Definition?.Min > 0, recurse: false);
        return ResourceNodes.MarkSubsetted(registry, view);
    }

    /// <summary>
    /// A copy of the resource keeping the children that pass; with <paramref name="recurse"/> the test applies at every
    /// level of complex elements (a primitive keeps its id and extensions).
    /// </summary>
    private static ElementNode Filter(ElementNode resource, Func<ElementNode, bool> keep, bool recurse)
    {
        var root = ElementNode.Resource(resource.Type, resource.Definition);
        foreach (var child in resource.Children.ToList())
        {
            if (!keep(child)) continue;
            root.Add(recurse ? FilterElement(child, keep) : child);
        }
        return root;
    }

    private static ElementNode FilterElement(ElementNode node, Func<ElementNode, bool> keep)
    {
        // Primitives (lower-case types) stay whole, with their id and extensions.
        if (node.HasValue || !node.HasChildren || node.IsResource || char.IsLower(node.Type[0])) return node;
        var copy = new ElementNode(node.Name, node.Type, node.Definition);
        foreach (var child in node.Children.ToList())
            if (keep(child)) copy.Add(FilterElement(child, keep));
        return copy;
    }
}
