using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>
/// What slice(structure, name) checks for one slice of a profile (FHIR R4 profiling.html §5.1.0.7 "Slicing"): the
/// item lies where the slice does (same element path, inside the enclosing slice if there is one), and every
/// discriminator of the slicing the slice belongs to holds, as far as the definitions can tell:
/// <list type="bullet">
/// <item><c>value</c> and <c>pattern</c>: the values at the discriminator path match the fixed[x] (exactly) or
/// pattern[x] (the instance contains the pattern) that the slice sets on the element at that path, on an element
/// above it (projected along the rest of the path) or on the required slices of an element on the way
/// (<c>code.coding:SBPCode.code</c>); an extension's <c>url</c> is the canonical of its profile;</item>
/// <item><c>exists</c>: the element at the path is present when the slice requires it (min ≥ 1), absent when it
/// prohibits it (max 0);</item>
/// <item><c>type</c>: the type of the item at the path (of the resource a final <c>resolve()</c> finds) is one the
/// slice allows;</item>
/// <item><c>profile</c>: what conformsTo() can tell (the type, or the <see cref="FhirPathContext.ConformsTo"/> hook).</item>
/// </list>
/// Discriminator paths are the FHIRPath subset profiling.html allows: names, <c>extension('url')</c>,
/// <c>ofType()</c>/<c>as()</c>, <c>$this</c>, and <c>resolve()</c> last (for type and profile only). What the
/// definitions cannot decide (a required binding, a profile without the hook, a path outside that subset) is
/// reported as an evaluation error naming the reason, never guessed: a filter has no "unknown" for one item.
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
    private readonly Discriminator[] _discriminators;

    private SliceRule(DefinitionNodes nodes, ElementDefinitionInfo slice)
    {
        _nodes = nodes;
        _label = $"slice '{slice.SliceName}' of {nodes.Structure.Url}";
        var location = new List<(string, SliceRule?)>();
        for (var e = slice; e.Parent is not null; e = e.Parent)
            location.Add((e.Name, !ReferenceEquals(e, slice) && e.SliceName is not null ? For(nodes, e) : null));
        _location = [.. location];
        _reslices = slice.SlicedElement is { SliceName: not null } outer ? For(nodes, outer) : null;
        _discriminators = Discriminators(slice);
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
        foreach (var d in _discriminators)
        {
            switch (d.Matches(item, context, this))
            {
                case false:
                    return false;
                case null:
                    undecided ??= d.Why;
                    break;
            }
        }
        if (undecided is not null)
            throw FhirPathException.Execution($"slice(): cannot tell whether {item.Location} is in {_label}: {undecided}");
        return true;
    }

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

    // ---- Building the discriminators from the definitions ----

    private Discriminator[] Discriminators(ElementDefinitionInfo slice)
    {
        var sliced = slice.SlicedElement;
        var slicing = sliced is null ? null : DefinitionNodes.Find(sliced, Registry)?.Child("slicing");
        var declared = slicing?.ChildrenNamed("discriminator")
            .Select(d => (Type: d.Child("type")?.Value, Path: d.Child("path")?.Value))
            .ToList() ?? [];
        // Extensions are sliced by url when nothing else is said (R4 profiling.html §5.1.0.7, extensions).
        if (declared.Count == 0 && slice.Name is "extension" or "modifierExtension") declared.Add(("value", "url"));
        if (declared.Count == 0) return [new Undecidable("the slicing has no discriminator")];
        // A discriminator the slice sets nothing for does not constrain it (the HL7 validator skips it too); when
        // none constrains it, there is nothing to tell its items by.
        var built = declared.Select(d => Build(slice, d.Type, d.Path)).OfType<Discriminator>().ToArray();
        return built.Length > 0 ? built
            : [new Undecidable($"the slice sets no fixed value, pattern, binding, cardinality or type for its discriminators ({string.Join(", ", declared.Select(d => d.Path))})")];
    }

    // Null when the slice sets nothing for the discriminator.
    private Discriminator? Build(ElementDefinitionInfo slice, string? type, string? path)
    {
        var what = $"the '{type}' discriminator '{path}'";
        if (type is null || path is null) return new Undecidable($"{what} is incomplete");
        CompiledExpression expression;
        List<Step> steps = [];
        try
        {
            expression = FhirPathEngine.Compile(path);
        }
        catch (FhirPathException)
        {
            return new Undecidable($"{what} is not a FHIRPath expression");
        }
        if (!Flatten(expression.Syntax, steps)) return new Undecidable($"{what} is not a path this engine follows in definitions");
        var start = new Cursor(slice, null);
        var resolves = steps.Count > 0 && steps[^1].Kind == StepKind.Resolve;
        if (steps.Take(steps.Count - 1).Any(s => s.Kind == StepKind.Resolve) || (resolves && type is "value" or "pattern" or "exists"))
            return new Undecidable($"{what} goes through resolve(), which the definitions of this profile cannot follow");

        switch (type)
        {
            case "value":
            case "pattern":
                if (Collect(start, steps, 0) is { Count: > 0 } expected) return new ValueDiscriminator(expression, expected, what);
                var bound = Ends(start, steps, 0).ToList();
                if (bound.Count == 0) return new Undecidable($"{what} leads nowhere in the slice's definitions");
                // A required binding, on the element or on its slices (coding:degree), decides by value set membership.
                return bound.Any(b => IsRequired(b.Element) || b.Element.Slices.Any(IsRequired))
                    ? new Undecidable($"{what} is a required binding, which needs the terminology layer")
                    : null;
            case "exists":
                var ends = Ends(start, steps, 0).ToList();
                if (ends.Count == 0) return new Undecidable($"{what} leads nowhere in the slice's definitions");
                if (ends.Any(e => e.Element.Max == "0")) return new ExistsDiscriminator(expression, false, what);
                return ends.Any(e => e.Element.Min >= 1) ? new ExistsDiscriminator(expression, true, what) : null;
            case "type":
            {
                var types = resolves ? Locate(start, steps[..^1])?.Element.Types.SelectMany(t => t.TargetProfiles).Select(TypeOfProfile).ToList()
                    : Locate(start, steps) is { } end ? TypesOf(end) : null;
                return types is { Count: > 0 } ? new TypeDiscriminator(expression, [.. types.OfType<string>().Distinct()], resolves, what)
                    : new Undecidable($"{what} leads nowhere in the slice's definitions");
            }
            case "profile":
            {
                var candidates = Ends(start, resolves ? steps[..^1] : steps, 0).ToList();
                if (candidates.Count == 0) return new Undecidable($"{what} leads nowhere in the slice's definitions");
                var element = candidates.FirstOrDefault(c => c.Element.Types.Any(t => (resolves ? t.TargetProfiles : t.Profiles).Count > 0))?.Element
                    ?? candidates[0].Element;
                var profiles = element.Types.SelectMany(t => resolves ? t.TargetProfiles : t.Profiles).Distinct().ToList();
                // On a reference, the profile is the target's (as if the path ended with resolve()).
                if (!resolves && profiles.Count == 0 && element.Types.Any(t => t.Code == "Reference"))
                {
                    profiles = [.. element.Types.SelectMany(t => t.TargetProfiles).Distinct()];
                    resolves = profiles.Count > 0;
                    if (resolves) expression = FhirPathEngine.Compile($"({path}).resolve()");
                }
                return profiles.Count > 0 ? new ProfileDiscriminator(expression, profiles, resolves, what) : null;
            }
            default:
                return new Undecidable($"{what} is of an unknown type");
        }
    }

    private static bool IsRequired(ElementDefinitionInfo element) => element.Binding?.Strength == "required";

    private List<string?> TypesOf(Cursor at)
    {
        if (at.Type is not null) return [at.Type];
        // An abstract type with profiles (Resource constrained to a Patient profile) stands for the profiles' types.
        return [.. at.Element.Types.SelectMany(t => t.Profiles.Count > 0 && !Registry.IsPrimitiveType(t.Code) ? t.Profiles.Select(TypeOfProfile) : [t.Code])];
    }

    private string? TypeOfProfile(string canonical) => Profile(canonical)?.Type;

    private StructureDefinitionInfo? Profile(string canonical)
    {
        var sd = Registry.GetStructureDefinition(canonical);
        var bar = canonical.IndexOf('|');
        // A profile is often named with the version of the package it was built against; take the one loaded.
        return sd ?? (bar > 0 ? Registry.GetStructureDefinition(canonical[..bar]) : null);
    }

    private static string WithoutVersion(string canonical) => canonical.IndexOf('|') is var bar and > 0 ? canonical[..bar] : canonical;

    // The values the slice requires at the path from `at`, steps[i..] on: from a fixed[x]/pattern[x] on the way (projected
    // along the rest of the path), from the required slices of an element on the way, or from the profile the type of
    // an element on the way names (the snapshot does not always copy it in). Null when nothing says.
    private List<Expected>? Collect(Cursor at, List<Step> steps, int i)
    {
        if (FixedOrPattern(at.Element) is { } value) return Project(value.Node, value.Exact, steps, i);
        if (i == steps.Count) return null;
        return CollectInline(at, steps, i) ?? (TypeProfileRoot(at) is { } root ? Collect(root, steps, i) : null);
    }

    private List<Expected>? CollectInline(Cursor at, List<Step> steps, int i)
    {
        // An extension's url is the canonical of its profile, whether or not the snapshot repeats it as a fixed value.
        if (i == steps.Count - 1 && steps[i] is { Kind: StepKind.Name, Text: "url" } && !at.Element.HasInlineChildren &&
            at.Element.Types is [{ Code: "Extension", Profiles: [var profile] }])
            return [new Expected(WithoutVersion(profile), true)];
        if (Follow(at, steps[i]) is not { } next) return null;
        if (Collect(next, steps, i + 1) is { } found) return found;
        List<Expected>? fromSlices = null;
        foreach (var s in next.Element.Slices)
            if (s.Min >= 1 && Collect(new Cursor(s, null), steps, i + 1) is { } values) (fromSlices ??= []).AddRange(values);
        return fromSlices;
    }

    private (ElementNode Node, bool Exact)? FixedOrPattern(ElementDefinitionInfo element)
    {
        var node = DefinitionNodes.Find(element, Registry);
        if (node?.Child("fixed") is { } fixedValue) return (fixedValue, true);
        if (node?.Child("pattern") is { } pattern) return (pattern, false);
        return null;
    }

    private static List<Expected>? Project(ElementNode value, bool exact, List<Step> steps, int i)
    {
        IEnumerable<ElementNode> values = [value];
        for (var k = i; k < steps.Count; k++)
        {
            var step = steps[k];
            values = step.Kind switch
            {
                StepKind.Name => values.SelectMany(v => v.ChildrenNamed(step.Text)),
                StepKind.Extension => values.SelectMany(v => v.ChildrenNamed("extension")).Where(x => x.Child("url")?.Value == step.Text),
                StepKind.Type => values.Where(v => v.Type == step.Text),
                _ => [],
            };
        }
        var list = values.Select(v => new Expected(v, exact)).ToList();
        return list.Count > 0 ? list : null;
    }

    // The elements at the end of the path: through the definitions in the snapshot, then through the profile of the
    // type of an element on the way, when the snapshot defines that element's children inline.
    private IEnumerable<Cursor> Ends(Cursor at, List<Step> steps, int i)
    {
        if (i == steps.Count)
        {
            yield return at;
            yield break;
        }
        if (Follow(at, steps[i]) is { } next)
            foreach (var end in Ends(next, steps, i + 1)) yield return end;
        if (TypeProfileRoot(at) is { } root)
            foreach (var end in Ends(root, steps, i)) yield return end;
    }

    // The root of the profile an element's type names, when the element's children are inline (else Follow goes
    // there anyway).
    private Cursor? TypeProfileRoot(Cursor at)
    {
        if (!at.Element.HasInlineChildren) return null;
        var code = at.Type ?? at.Element.TypeCode;
        return at.Element.Types.FirstOrDefault(t => t.Code == code) is { Profiles: [var profile] } && Profile(profile)?.Root is { } root
            ? new Cursor(root, null)
            : null;
    }

    // The element at the end of the path (no slices looked into but those extension('url') names).
    private Cursor? Locate(Cursor at, List<Step> steps)
    {
        var current = at;
        foreach (var step in steps)
            if (Follow(current, step) is { } next) current = next;
            else return null;
        return current;
    }

    private Cursor? Follow(Cursor at, Step step)
    {
        switch (step.Kind)
        {
            case StepKind.Name:
                var children = ChildrenOf(at);
                var child = children?.FirstOrDefault(c => c.Name == step.Text);
                return child is null ? null : new Cursor(child, null);
            case StepKind.Extension:
                if (Follow(at, new Step(StepKind.Name, "extension")) is not { } extension) return null;
                var slice = extension.Element.Slices.FirstOrDefault(s => ExtensionUrl(s) == step.Text);
                return slice is null ? extension : new Cursor(slice, null);
            case StepKind.Type:
                return at.Element.Types.Any(t => t.Code == step.Text) ? at with { Type = step.Text } : null;
            default:
                return null;
        }
    }

    private IReadOnlyList<ElementDefinitionInfo>? ChildrenOf(Cursor at)
    {
        var element = at.Element;
        if (element.HasInlineChildren) return element.Children;
        var code = at.Type ?? element.TypeCode;
        if (code is null) return null;
        var type = element.Types.FirstOrDefault(t => t.Code == code);
        var sd = type is { Profiles: [var profile] } ? Profile(profile) : null;
        sd ??= Registry.GetTypeDefinition(code);
        return sd?.Root?.Children;
    }

    private string? ExtensionUrl(ElementDefinitionInfo slice)
    {
        if (slice.Types is [{ Profiles: [var profile] }]) return WithoutVersion(profile);
        return slice.GetChild("url") is { } url ? FixedOrPattern(url)?.Node.Value : null;
    }

    private static bool Flatten(Expr expr, List<Step> steps)
    {
        switch (expr)
        {
            case SpecialVariableExpr { Name: "this" }:
                return true;
            case IdentifierExpr id:
                steps.Add(new Step(StepKind.Name, id.Name));
                return true;
            case MemberExpr m:
                if (!Flatten(m.Target, steps)) return false;
                steps.Add(new Step(StepKind.Name, m.Name));
                return true;
            case FunctionCallExpr { Name: "extension", Arguments: [LiteralExpr { Value: string url }] } f:
                if (f.Target is not null && !Flatten(f.Target, steps)) return false;
                steps.Add(new Step(StepKind.Extension, url));
                return true;
            case FunctionCallExpr { Name: "ofType" or "as", Arguments: [IdentifierExpr type] } f:
                if (f.Target is not null && !Flatten(f.Target, steps)) return false;
                steps.Add(new Step(StepKind.Type, type.Name));
                return true;
            case TypeOperatorExpr { Operator: "as" } t:
                if (!Flatten(t.Operand, steps)) return false;
                steps.Add(new Step(StepKind.Type, t.Type.Name));
                return true;
            case FunctionCallExpr { Name: "resolve", Arguments.Count: 0 } f:
                if (f.Target is not null && !Flatten(f.Target, steps)) return false;
                steps.Add(new Step(StepKind.Resolve, ""));
                return true;
            default:
                return false;
        }
    }

    private enum StepKind { Name, Extension, Type, Resolve }

    private readonly record struct Step(StepKind Kind, string Text);

    /// <summary>An element of the profile reached by a discriminator path, with the type chosen by ofType() on a choice.</summary>
    private sealed record Cursor(ElementDefinitionInfo Element, string? Type);

    /// <summary>A value the item must hold at the discriminator path: exactly (fixed) or containing it (pattern).</summary>
    private sealed record Expected(object Value, bool Exact);

    // ---- Evaluating the discriminators on an item ----

    private abstract class Discriminator(string why)
    {
        /// <summary>Why this discriminator cannot decide, when it does not.</summary>
        public string Why { get; } = why;

        public abstract bool? Matches(ElementNode item, FhirPathContext context, SliceRule rule);
    }

    private sealed class Undecidable(string why) : Discriminator(why)
    {
        public override bool? Matches(ElementNode item, FhirPathContext context, SliceRule rule) => null;
    }

    private sealed class ValueDiscriminator(CompiledExpression path, List<Expected> expected, string what) : Discriminator(what)
    {
        public override bool? Matches(ElementNode item, FhirPathContext context, SliceRule rule)
        {
            var actual = path.Evaluate(item, context);
            foreach (var e in expected)
            {
                var found = false;
                for (var i = 0; i < actual.Count && !found; i++)
                    found = e.Exact ? SameValue(actual[i], e.Value) : ContainsPattern(actual[i], e.Value);
                if (!found) return false;
            }
            return true;
        }
    }

    private sealed class ExistsDiscriminator(CompiledExpression path, bool present, string what) : Discriminator(what)
    {
        public override bool? Matches(ElementNode item, FhirPathContext context, SliceRule rule) =>
            path.Evaluate(item, context).Count > 0 == present;
    }

    private sealed class TypeDiscriminator(CompiledExpression path, string[] types, bool resolves, string what)
        : Discriminator($"{what}: the reference cannot be resolved here")
    {
        public override bool? Matches(ElementNode item, FhirPathContext context, SliceRule rule)
        {
            var actual = path.Evaluate(item, context);
            if (actual.Count == 0) return resolves ? null : false;
            foreach (var a in actual)
                if (a is not ElementNode node || !types.Any(t => TypeOperations.Inherits(node.Type, t, rule.Registry))) return false;
            return true;
        }
    }

    private sealed class ProfileDiscriminator(CompiledExpression path, List<string> profiles, bool resolves, string what)
        : Discriminator(resolves
            ? $"{what}: the reference cannot be resolved here, or conformance to its profile needs the validator (FhirPathContext.ConformsTo)"
            : $"{what}: conformance to a profile needs the validator (FhirPathContext.ConformsTo)")
    {
        public override bool? Matches(ElementNode item, FhirPathContext context, SliceRule rule)
        {
            var actual = path.Evaluate(item, context);
            if (actual.Count == 0) return resolves ? null : false;
            bool? result = false;
            foreach (var a in actual)
            {
                if (a is not ElementNode node) return false;
                bool? any = false;
                foreach (var p in profiles)
                {
                    var answer = rule.Profile(p) is { } sd ? FhirFunctions.ConformsTo(context, rule.Registry, node, sd, p) : null;
                    if (answer == true) { any = true; break; }
                    if (answer is null) any = null;
                }
                if (any == false) return false;
                if (any is null) result = null;
                else if (result == false) result = true;
            }
            return result;
        }
    }

    // fixed[x]: the same value and the same elements, element ids aside.
    private static bool SameValue(object actual, object expected)
    {
        if (actual is not ElementNode a || expected is not ElementNode e) return Text(actual) is { } t && t == Text(expected);
        if (a.Value != e.Value) return false;
        var left = a.Children.Where(c => c.Name != "id").ToList();
        var right = e.Children.Where(c => c.Name != "id").ToList();
        if (left.Count != right.Count) return false;
        for (var i = 0; i < left.Count; i++)
            if (left[i].Name != right[i].Name || (left[i].IsChoice && left[i].Type != right[i].Type) || !SameValue(left[i], right[i])) return false;
        return true;
    }

    // pattern[x]: every value and element the pattern has is in the instance (R4 elementdefinition.html, pattern[x]).
    private static bool ContainsPattern(object actual, object pattern)
    {
        if (actual is not ElementNode a || pattern is not ElementNode p) return SameValue(actual, pattern);
        if (p.HasValue && a.Value != p.Value) return false;
        foreach (var pc in p.Children)
        {
            var found = false;
            foreach (var ac in a.Children)
                if (ac.Name == pc.Name && (!pc.IsChoice || ac.Type == pc.Type) && ContainsPattern(ac, pc)) { found = true; break; }
            if (!found) return false;
        }
        return true;
    }

    private static string? Text(object item) => SystemValues.Format(item);
}
