using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Slicing;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>
/// What slice(structure, name) checks for one slice of a profile (FHIR R4 profiling.html §5.1.0.7 "Slicing"): the
/// item lies where the slice does (same element path, inside the enclosing slice if there is one), and every
/// discriminator of the slicing the slice belongs to holds, as far as the definitions can tell (the discriminators
/// are the validator's too: <see cref="SliceDiscriminators"/>). References are resolved as resolve() does, required
/// bindings and profiles through the <see cref="FhirPathContext.MemberOf"/> and <see cref="FhirPathContext.ConformsTo"/>
/// hooks. What cannot be decided (a required binding or a profile without the hook, a path outside the subset
/// discriminators may use) is reported as an evaluation error naming the reason, never guessed: a filter has no
/// "unknown" for one item.
/// Built once per slice and kept with the profile's <see cref="DefinitionNodes"/>.
/// </summary>
internal sealed class SliceRule
{
    private readonly DefinitionNodes _nodes;
    private readonly string _label;
    // From the slice up to (not including) the root: the element name the item and its ancestors must have, and the
    // enclosing slice an ancestor must be in (component:SystolicBP for component:SystolicBP.code.coding:SBPCode).
    private readonly (string Name, SliceRule? Within)[] _location;
    // A reslice (identifier:a/b) lies within the slice it reslices.
    private readonly SliceRule? _reslices;
    private readonly SliceDiscriminator[] _discriminators;
    private readonly bool _needsHooks;

    private SliceRule(DefinitionNodes nodes, ElementDefinitionInfo slice)
    {
        _nodes = nodes;
        _label = $"slice '{slice.SliceName}' of {nodes.Structure.Url}";
        var location = new List<(string, SliceRule?)>();
        for (var e = slice; e.Parent is not null; e = e.Parent)
            location.Add((e.Name, !ReferenceEquals(e, slice) && e.SliceName is not null ? For(nodes, e) : null));
        _location = [.. location];
        _reslices = slice.SlicedElement is { SliceName: not null } outer ? For(nodes, outer) : null;
        _discriminators = SliceDiscriminators.For(slice, new RegistrySliceDefinitions(nodes.Registry));
        _needsHooks = _discriminators.Any(d => d.NeedsHooks);
    }

    /// <summary>The rule of the slice <paramref name="name"/> (its sliceName, or its element id) of the profile; an error when there is no such slice.</summary>
    public static SliceRule Find(DefinitionRegistry registry, string structure, string name)
    {
        var sd = registry.GetStructureDefinition(structure) ?? throw FhirPathException.Execution($"slice(): unknown profile '{structure}'");
        var nodes = DefinitionNodes.Of(sd, registry);
        if (nodes.Slices.TryGetValue(name, out var known)) return known;
        var slices = sd.Elements.Where(e => e.SliceName is not null && (e.SliceName == name || e.Id == name)).ToList();
        if (slices.Count == 0) throw FhirPathException.Execution($"slice(): {sd.Url} has no slice '{name}'");
        if (slices.Count > 1)
            throw FhirPathException.Execution($"slice(): {sd.Url} has several slices named '{name}' ({string.Join(", ", slices.Select(s => s.Id))}): name one by its element id");
        return nodes.Slices.GetOrAdd(name, _ => new SliceRule(nodes, slices[0]));
    }

    private static SliceRule For(DefinitionNodes nodes, ElementDefinitionInfo slice) =>
        nodes.Slices.TryGetValue(slice.Id, out var known) ? known : nodes.Slices.GetOrAdd(slice.Id, _ => new SliceRule(nodes, slice));

    private DefinitionRegistry Registry => _nodes.Registry;

    /// <summary>Whether the item is in the slice; throws when the definitions cannot tell.</summary>
    public bool Matches(ElementNode item, FhirPathContext context)
    {
        if (!IsWhereTheSliceIs(item, context)) return false;
        if (_reslices is not null && !_reslices.Matches(item, context)) return false;
        string? undecided = null;
        var hooks = _needsHooks ? Hooks(context) : SliceHooks.None;
        foreach (var d in _discriminators)
        {
            switch (d.Matches(item, hooks))
            {
                case false:
                    return false;
                case null:
                    undecided ??= d.Undecided;
                    break;
            }
        }
        if (undecided is not null)
            throw FhirPathException.Execution($"slice(): cannot tell whether {item.Location} is in {_label}: {undecided}");
        return true;
    }

    // resolve() as FHIRPath resolves; memberOf() and conformsTo() through the context's hooks (a base definition is
    // met by its type, which the discriminator has checked).
    private SliceHooks Hooks(FhirPathContext context) => new(
        reference => ReferenceResolution.Resolve(reference, context),
        context.MemberOf is { } memberOf ? (node, valueSet) => memberOf(node, valueSet) : null,
        (node, profile) => Registry.GetStructureDefinition(profile) is { IsProfile: false } ? true : context.ConformsTo?.Invoke(node, profile));

    private bool IsWhereTheSliceIs(ElementNode item, FhirPathContext context)
    {
        ElementNode? node = item;
        foreach (var (name, within) in _location)
        {
            if (node is null || node.Name != name) return false;
            if (within is not null && !within.Matches(node, context)) return false;
            node = node.Parent;
        }
        return node is not null && TypeOperations.Inherits(node.Type, _nodes.Structure.Type, Registry);
    }
}
