using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Compilation;

/// <summary>Member access on the element tree (N1 §3 "Path selection").</summary>
internal static class Navigation
{
    public static IReadOnlyList<object> Children(IReadOnlyList<object> items, string name, FhirPathContext context)
    {
        var result = new List<object>();
        foreach (var item in items)
        {
            if (item is TypeInfoValue type)
            {
                if (type.Member(name) is { } member) result.Add(member);
                continue;
            }
            if (item is not ElementNode node) continue;
            var before = result.Count;
            foreach (var child in node.Children)
                if (child.Name == name) result.Add(child);
            if (result.Count == before) CheckName(node, name, context);
        }
        return result;
    }

    /// <summary>
    /// An identifier at the head of a path: a type name (<c>Patient</c>, or a base type such as <c>Resource</c>)
    /// that the focus is selects the focus itself (N1 §3 "Path selection"); otherwise it names children.
    /// </summary>
    public static IReadOnlyList<object> Root(IReadOnlyList<object> items, string name, FhirPathContext context)
    {
        if (name.Length > 0 && char.IsUpper(name[0]))
        {
            var matches = items.Where(i => i is ElementNode n && TypeOperations.Inherits(n.Type, name, context.Registry)).ToList();
            if (matches.Count > 0) return matches;
            if (context.Strict && items.Any(i => i is ElementNode { IsResource: true }) && context.Registry?.IsResourceType(name) == true)
                throw FhirPathException.Semantic($"The focus is not a {name}");
        }
        return Children(items, name, context);
    }

    // A choice element is named without its type in FHIRPath (Observation.value, not valueQuantity: FHIR R4
    // formats.html "Choice elements"), so the JSON name is an error; in strict mode any unknown name is.
    private static void CheckName(ElementNode node, string name, FhirPathContext context)
    {
        if (context.Registry is not { } registry || node.Definition is not { } definition) return;
        var children = node.IsResource ? registry.GetTypeDefinition(node.Type)?.Root?.Children ?? [] : registry.ChildrenOf(definition, node.Type);
        if (children.Count == 0) return;
        foreach (var c in children)
        {
            if (c.Name == name) return;
            if (c.IsChoice && name.StartsWith(c.Name, StringComparison.Ordinal) && c.Types.Any(t => c.Name + t.ChoiceSuffix == name))
                throw FhirPathException.Semantic($"'{name}' is not an element name: use '{c.Name}' (optionally with ofType())");
        }
        if (context.Strict) throw FhirPathException.Semantic($"'{name}' is not an element of {node.Type}");
    }
}
