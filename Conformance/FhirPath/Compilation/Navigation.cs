using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Compilation;

/// <summary>
/// Member access on the element tree (N1 §3 "Path selection"). A chain of names (<c>Patient.name.given</c>) is one
/// <see cref="MemberPath"/>: it walks the tree depth first straight into the result, with no collection per step, which
/// gives the same order as step-by-step evaluation (each step keeps its input's order and concatenates).
/// </summary>
internal sealed class MemberPath
{
    private readonly string? _typeName;
    private readonly string[] _names;
    private readonly NameGuard[] _guards;
    // The last (registry, node type) the head type name was tested against, and the answer: a path is nearly
    // always evaluated on resources of one or a few types.
    private TypeAnswer? _lastType;

    private sealed record TypeAnswer(DefinitionRegistry? Registry, string Type, bool Matches, bool NameIsKnownType);

    /// <param name="typeName">A leading identifier that starts with a capital letter: a type the focus may be (<c>Patient</c>).</param>
    /// <param name="names">The member names, in order.</param>
    public MemberPath(string? typeName, string[] names)
    {
        _typeName = typeName;
        _names = names;
        _guards = names.Select(n => new NameGuard(n)).ToArray();
    }

    public IReadOnlyList<object> Evaluate(IReadOnlyList<object> focus, FhirPathContext context)
    {
        var result = new ItemBuilder();
        Collect(focus, context, ref result);
        return result.ToList();
    }

    /// <summary>From $this: its single item when the frame has one (an iteration), else its collection.</summary>
    public void Collect(in Frame frame, ref ItemBuilder result)
    {
        if (frame.Item is { } item) CollectFrom(item, frame.Context, ref result);
        else Collect(frame.This, frame.Context, ref result);
    }

    public IReadOnlyList<object> Evaluate(in Frame frame)
    {
        var result = new ItemBuilder();
        Collect(frame, ref result);
        return result.ToList();
    }

    /// <summary>The path from one item, into <paramref name="result"/>.</summary>
    public void CollectFrom(object item, FhirPathContext context, ref ItemBuilder result)
    {
        if (_typeName is null)
        {
            Walk(item, 0, context, ref result);
            return;
        }
        if (item is ElementNode n)
        {
            var answer = TestType(n.Type, context.Registry);
            if (answer.Matches)
            {
                Walk(n, 0, context, ref result);
                return;
            }
            // The usual miss: a known type the focus is not (a union of paths over many resource types).
            if (answer.NameIsKnownType && !context.Strict) return;
        }
        Collect([item], context, ref result);
    }

    /// <summary>The path from a collection, into <paramref name="result"/>.</summary>
    public void Collect(IReadOnlyList<object> focus, FhirPathContext context, ref ItemBuilder result)
    {
        if (_typeName is null)
        {
            for (var i = 0; i < focus.Count; i++) Walk(focus[i], 0, context, ref result);
            return;
        }
        // An identifier at the head of a path: a type name (Patient, or a base type such as Resource) that the
        // focus is selects the focus itself; otherwise it names children.
        var matched = false;
        TypeAnswer? answer = null;
        for (var i = 0; i < focus.Count; i++)
        {
            if (focus[i] is not ElementNode n) continue;
            answer = TestType(n.Type, context.Registry);
            if (!answer.Matches) continue;
            matched = true;
            Walk(n, 0, context, ref result);
        }
        if (matched) return;
        if (context.Registry is { } registry && (answer?.NameIsKnownType ?? registry.IsKnownType(_typeName)))
        {
            if (!context.Strict) return;
            for (var i = 0; i < focus.Count; i++)
                if (focus[i] is ElementNode { IsResource: true } && registry.IsResourceType(_typeName))
                    throw FhirPathException.Semantic($"The focus is not a {_typeName}");
        }
        // Not a type the focus is: a member name after all.
        var asMember = new NameGuard(_typeName);
        var members = new ItemBuilder();
        for (var i = 0; i < focus.Count; i++) Step(focus[i], _typeName, asMember, context, ref members);
        for (var i = 0; i < members.Count; i++) Walk(members[i], 0, context, ref result);
    }

    private TypeAnswer TestType(string type, DefinitionRegistry? registry)
    {
        var last = _lastType;
        if (last is not null && ReferenceEquals(last.Registry, registry) && string.Equals(last.Type, type, StringComparison.Ordinal)) return last;
        var answer = new TypeAnswer(registry, type, TypeOperations.Inherits(type, _typeName!, registry), registry?.IsKnownType(_typeName!) == true);
        _lastType = answer;
        return answer;
    }

    private void Walk(object item, int step, FhirPathContext context, ref ItemBuilder result)
    {
        if (step == _names.Length)
        {
            result.Add(item);
            return;
        }
        if (item is ElementNode node)
        {
            var name = _names[step];
            var children = node.Children;
            var found = false;
            for (var i = 0; i < children.Count; i++)
            {
                var child = children[i];
                if (!string.Equals(child.Name, name, StringComparison.Ordinal))
                {
                    // Children of one name are adjacent (a JSON property, elements in XML's fixed order): past them,
                    // nothing more is found. Without this stop, %resource.type asked for each of a 10,000-entry
                    // Bundle's entries (bdl-3, bdl-4) read every entry each time.
                    if (found) break;
                    continue;
                }
                found = true;
                Walk(child, step + 1, context, ref result);
            }
            if (!found) _guards[step].Check(node, context);
        }
        else if (item is TypeInfoValue type && type.Member(_names[step]) is { } member)
            Walk(member, step + 1, context, ref result);
    }

    private static void Step(object item, string name, NameGuard guard, FhirPathContext context, ref ItemBuilder result)
    {
        if (item is ElementNode node)
        {
            var children = node.Children;
            var before = result.Count;
            for (var i = 0; i < children.Count; i++)
            {
                if (string.Equals(children[i].Name, name, StringComparison.Ordinal)) result.Add(children[i]);
                else if (result.Count > before) break; // past the adjacent children of the name, as in Walk
            }
            if (result.Count == before) guard.Check(node, context);
        }
        else if (item is TypeInfoValue type && type.Member(name) is { } member)
            result.Add(member);
    }
}

/// <summary>
/// The check made when a node has no child of the name asked: a choice element is named without its type in
/// FHIRPath (Observation.value, not valueQuantity: FHIR R4 formats.html "Choice elements"), so the JSON name is an
/// error; in strict mode any name that is no element of the type is. It remembers the last definition that has
/// the name, so that the usual case (an optional element absent from this instance) costs a comparison.
/// </summary>
internal sealed class NameGuard(string name)
{
    private sealed record Known(ElementDefinitionInfo Definition, string Type);

    private Known? _known;

    public void Check(ElementNode node, FhirPathContext context)
    {
        if (context.Registry is not { } registry || node.Definition is not { } definition) return;
        var known = _known;
        if (known is not null && ReferenceEquals(known.Definition, definition) && string.Equals(known.Type, node.Type, StringComparison.Ordinal)) return;
        var children = node.IsResource ? registry.GetTypeDefinition(node.Type)?.Root?.Children ?? [] : registry.ChildrenOf(definition, node.Type);
        if (children.Count == 0) return;
        for (var i = 0; i < children.Count; i++)
        {
            var c = children[i];
            if (c.Name == name)
            {
                _known = new Known(definition, node.Type);
                return;
            }
            if (c.IsChoice && name.StartsWith(c.Name, StringComparison.Ordinal) && c.Types.Any(t => c.Name + t.ChoiceSuffix == name))
                throw FhirPathException.Semantic($"'{name}' is not an element name: use '{c.Name}' (optionally with ofType())");
        }
        if (context.Strict) throw FhirPathException.Semantic($"'{name}' is not an element of {node.Type}");
    }
}
