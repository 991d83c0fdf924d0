using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Slicing;

/// <summary>
/// Builds the discriminators of a slice from the definitions (R4 profiling.html §5.1.0.7): for each discriminator of
/// the slicing (extensions are sliced by url when nothing is said), what the slice requires at its path, from
/// <list type="bullet">
/// <item>a fixed[x] / pattern[x] on the element at the path, on an element above it (projected along the rest of the
/// path) or on the required slices of an element on the way (<c>code.coding:SBPCode.code</c>); an extension's
/// <c>url</c> is the canonical of its profile; a required binding when no value is set;</item>
/// <item>the cardinality at the path (<c>exists</c>), the types (<c>type</c>) or the profiles (<c>profile</c>) of the
/// element at the path, through the profiles that types name when the snapshot does not copy their elements in.</item>
/// </list>
/// A discriminator the slice sets nothing for does not constrain it (the HL7 validator skips it too); what the
/// definitions cannot decide (a path outside the subset, <c>resolve()</c> in a value discriminator) is an
/// <see cref="SliceDiscriminator"/> that always answers null, with the reason.
/// </summary>
public sealed class SliceDiscriminators
{
    private readonly ISliceDefinitions _definitions;

    private SliceDiscriminators(ISliceDefinitions definitions) => _definitions = definitions;

    private DefinitionRegistry Registry => _definitions.Registry;

    /// <summary>The discriminators of <paramref name="slice"/> (never empty: an undecidable one says why when none applies).</summary>
    public static SliceDiscriminator[] For(ElementDefinitionInfo slice, ISliceDefinitions definitions) =>
        new SliceDiscriminators(definitions).Discriminators(slice);

    /// <summary>The discriminators the sliced element declares (type, path); empty when it declares none.</summary>
    public static List<(string? Type, string? Path)> Declared(ElementDefinitionInfo sliced, ISliceDefinitions definitions) =>
        definitions.ElementDefinition(sliced)?.Child("slicing")?.ChildrenNamed("discriminator")
            .Select(d => (d.Child("type")?.Value, d.Child("path")?.Value))
            .ToList() ?? [];

    private SliceDiscriminator[] Discriminators(ElementDefinitionInfo slice)
    {
        var declared = slice.SlicedElement is { } sliced ? Declared(sliced, _definitions) : [];
        // Extensions are sliced by url when nothing else is said (R4 profiling.html §5.1.0.7, extensions).
        if (declared.Count == 0 && slice.Name is "extension" or "modifierExtension") declared.Add(("value", "url"));
        if (declared.Count == 0) return [new UndecidableDiscriminator("the slicing has no discriminator")];
        var built = declared.Select(d => Build(slice, d.Type, d.Path)).OfType<SliceDiscriminator>().ToArray();
        return built.Length > 0 ? built
            : [new UndecidableDiscriminator($"the slice sets no fixed value, pattern, binding, cardinality or type for its discriminators ({string.Join(", ", declared.Select(d => d.Path))})")];
    }

    // Null when the slice sets nothing for the discriminator.
    private SliceDiscriminator? Build(ElementDefinitionInfo slice, string? type, string? text)
    {
        var what = $"the '{type}' discriminator '{text}'";
        if (type is null || text is null) return new UndecidableDiscriminator($"{what} is incomplete");
        if (DiscriminatorPath.Parse(text) is not { } path) return new UndecidableDiscriminator($"{what} is not a path this engine follows in definitions");
        var steps = path.Steps;
        var start = new Cursor(slice, null);
        var resolves = path.EndsWithResolve;
        if (steps[..^(resolves ? 1 : 0)].Any(s => s.Kind == DiscriminatorPath.StepKind.Resolve) || (resolves && type is "value" or "pattern" or "exists"))
            return new UndecidableDiscriminator($"{what} goes through resolve(), which the definitions of this profile cannot follow");

        switch (type)
        {
            case "value":
            case "pattern":
            {
                if (Collect(start, steps, 0) is { Count: > 0 } expected) return new ValueDiscriminator(path, [.. expected], what);
                var bound = Ends(start, steps, 0).ToList();
                if (bound.Count == 0) return new UndecidableDiscriminator($"{what} leads nowhere in the slice's definitions");
                // A slice that prohibits the element has no value there (the HL7 validator's `.empty()`).
                if (bound.Any(b => b.Element.Max == "0")) return new ExistsDiscriminator(path, false, what);
                // A required binding, on the element or on its slices (coding:degree), decides by value set membership.
                var binding = bound.Select(b => b.Element).Concat(bound.SelectMany(b => b.Element.Slices))
                    .Select(e => e.Binding).FirstOrDefault(b => b is { Strength: "required", ValueSet: not null });
                return binding is null ? null : new BindingDiscriminator(path, binding.ValueSet!, what);
            }
            case "exists":
            {
                var ends = Ends(start, steps, 0).ToList();
                if (ends.Count == 0) return new UndecidableDiscriminator($"{what} leads nowhere in the slice's definitions");
                if (ends.Any(e => e.Element.Max == "0")) return new ExistsDiscriminator(path, false, what);
                return ends.Any(e => e.Element.Min >= 1) ? new ExistsDiscriminator(path, true, what) : null;
            }
            case "type":
            {
                var types = resolves ? Locate(start, steps[..^1])?.Element.Types.SelectMany(t => t.TargetProfiles).Select(TypeOfProfile).ToList()
                    : Locate(start, steps) is { } end ? TypesOf(end) : null;
                return types is { Count: > 0 } ? new TypeDiscriminator(path, [.. types.OfType<string>().Distinct()], Registry, what)
                    : new UndecidableDiscriminator($"{what} leads nowhere in the slice's definitions");
            }
            case "profile":
            {
                var candidates = Ends(start, resolves ? steps[..^1] : steps, 0).ToList();
                if (candidates.Count == 0) return new UndecidableDiscriminator($"{what} leads nowhere in the slice's definitions");
                var element = candidates.FirstOrDefault(c => c.Element.Types.Any(t => (resolves ? t.TargetProfiles : t.Profiles).Count > 0))?.Element
                    ?? candidates[0].Element;
                var profiles = element.Types.SelectMany(t => resolves ? t.TargetProfiles : t.Profiles).Distinct().ToList();
                // On a reference, the profile is the target's (as if the path ended with resolve()).
                if (!resolves && profiles.Count == 0 && element.Types.Any(t => t.Code == "Reference"))
                {
                    profiles = [.. element.Types.SelectMany(t => t.TargetProfiles).Distinct()];
                    if (profiles.Count > 0) path = path.WithResolve();
                }
                // A slice that names only a type stands for that type's definition (the HL7 validator does the same).
                if (profiles.Count == 0)
                    profiles = [.. element.Types.Select(t => t.Code).Where(Registry.IsResourceType).Select(c => DefinitionRegistry.CoreStructurePrefix + c)];
                if (profiles.Count == 0) return null;
                var accepted = profiles.Select(p => new AcceptedProfile(p, TypeOfProfile(p) ?? "")).ToArray();
                return new ProfileDiscriminator(path, accepted, Registry, what);
            }
            default:
                return new UndecidableDiscriminator($"{what} is of an unknown type");
        }
    }

    private List<string?> TypesOf(Cursor at)
    {
        if (at.Type is not null) return [at.Type];
        // An abstract type with profiles (Resource constrained to a Patient profile) stands for the profiles' types.
        return [.. at.Element.Types.SelectMany(t => t.Profiles.Count > 0 && !Registry.IsPrimitiveType(t.Code) ? t.Profiles.Select(TypeOfProfile) : [t.Code])];
    }

    private string? TypeOfProfile(string canonical) => _definitions.Profile(canonical)?.Type;

    private static string WithoutVersion(string canonical) => canonical.IndexOf('|') is var bar and > 0 ? canonical[..bar] : canonical;

    // The values the slice requires at the path from `at`, steps[i..] on: from a fixed[x]/pattern[x] on the way (projected
    // along the rest of the path), from the required slices of an element on the way, or from the profile the type of
    // an element on the way names (the snapshot does not always copy it in). Null when nothing says.
    private List<ExpectedValue>? Collect(Cursor at, DiscriminatorPath.Step[] steps, int i)
    {
        if (FixedOrPattern(at.Element) is { } value) return Project(value.Node, value.Exact, steps, i);
        if (i == steps.Length) return null;
        return CollectInline(at, steps, i) ?? (TypeProfileRoot(at) is { } root ? Collect(root, steps, i) : null);
    }

    private List<ExpectedValue>? CollectInline(Cursor at, DiscriminatorPath.Step[] steps, int i)
    {
        // An extension's url is the canonical of its profile, whether or not the snapshot repeats it as a fixed value.
        if (i == steps.Length - 1 && steps[i] is { Kind: DiscriminatorPath.StepKind.Name, Text: "url" } && !at.Element.HasInlineChildren &&
            at.Element.Types is [{ Code: "Extension", Profiles: [var profile] }])
            return [new ExpectedValue(null, WithoutVersion(profile), true)];
        if (Follow(at, steps[i]) is not { } next) return null;
        if (Collect(next, steps, i + 1) is { } found) return found;
        List<ExpectedValue>? fromSlices = null;
        foreach (var s in next.Element.Slices)
            if (s.Min >= 1 && Collect(new Cursor(s, null), steps, i + 1) is { } values) (fromSlices ??= []).AddRange(values);
        return fromSlices;
    }

    private (ElementNode Node, bool Exact)? FixedOrPattern(ElementDefinitionInfo element)
    {
        var node = _definitions.ElementDefinition(element);
        if (node?.Child("fixed") is { } fixedValue) return (fixedValue, true);
        if (node?.Child("pattern") is { } pattern) return (pattern, false);
        return null;
    }

    private static List<ExpectedValue>? Project(ElementNode value, bool exact, DiscriminatorPath.Step[] steps, int i)
    {
        IEnumerable<ElementNode> values = [value];
        for (var k = i; k < steps.Length; k++)
        {
            var step = steps[k];
            values = step.Kind switch
            {
                DiscriminatorPath.StepKind.Name => values.SelectMany(v => v.ChildrenNamed(step.Text)),
                DiscriminatorPath.StepKind.Extension => values.SelectMany(v => v.ChildrenNamed("extension")).Where(x => x.Child("url")?.Value == step.Text),
                DiscriminatorPath.StepKind.Type => values.Where(v => v.Type == step.Text),
                _ => [],
            };
        }
        var list = values.Select(v => new ExpectedValue(v, null, exact)).ToList();
        return list.Count > 0 ? list : null;
    }

    // The elements at the end of the path: through the definitions in the snapshot, then through the profile of the
    // type of an element on the way, when the snapshot defines that element's children inline.
    private IEnumerable<Cursor> Ends(Cursor at, DiscriminatorPath.Step[] steps, int i)
    {
        if (i == steps.Length)
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
        return at.Element.Types.FirstOrDefault(t => t.Code == code) is { Profiles: [var profile] } && _definitions.Profile(profile)?.Root is { } root
            ? new Cursor(root, null)
            : null;
    }

    // The element at the end of the path (no slices looked into but those extension('url') names).
    private Cursor? Locate(Cursor at, DiscriminatorPath.Step[] steps)
    {
        var current = at;
        foreach (var step in steps)
            if (Follow(current, step) is { } next) current = next;
            else return null;
        return current;
    }

    private Cursor? Follow(Cursor at, DiscriminatorPath.Step step)
    {
        switch (step.Kind)
        {
            case DiscriminatorPath.StepKind.Name:
                var child = ChildrenOf(at)?.FirstOrDefault(c => c.Name == step.Text);
                return child is null ? null : new Cursor(child, null);
            case DiscriminatorPath.StepKind.Extension:
                if (Follow(at, new DiscriminatorPath.Step(DiscriminatorPath.StepKind.Name, "extension")) is not { } extension) return null;
                var slice = extension.Element.Slices.FirstOrDefault(s => ExtensionUrl(s) == step.Text);
                return slice is null ? extension : new Cursor(slice, null);
            case DiscriminatorPath.StepKind.Type:
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
        var sd = type is { Profiles: [var profile] } ? _definitions.Profile(profile) : null;
        sd ??= Registry.GetTypeDefinition(code);
        return sd?.Root?.Children;
    }

    /// <summary>The url an extension slice stands for: its type's profile, or its fixed url.</summary>
    public static string? ExtensionUrl(ElementDefinitionInfo slice, ISliceDefinitions definitions)
    {
        if (slice.Types is [{ Profiles: [var profile] }]) return WithoutVersion(profile);
        if (slice.GetChild("url") is not { } url || definitions.ElementDefinition(url) is not { } node) return null;
        return (node.Child("fixed") ?? node.Child("pattern"))?.Value;
    }

    private string? ExtensionUrl(ElementDefinitionInfo slice) => ExtensionUrl(slice, _definitions);

    /// <summary>An element of the profile reached by a discriminator path, with the type chosen by ofType() on a choice.</summary>
    private sealed record Cursor(ElementDefinitionInfo Element, string? Type);
}
