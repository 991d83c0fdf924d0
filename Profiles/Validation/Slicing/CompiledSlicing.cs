using FhirServer.Conformance.FhirPath.Functions;
using FhirServer.Conformance.FhirPath.Slicing;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Slicing;

/// <summary>
/// One sliced element's slicing (R4 profiling.html §5.1.0.7): each node of the element is sorted into the slice whose
/// discriminators it meets and validated here, against that slice (whose snapshot holds the sliced element's children)
/// plus the sliced element's own checks, or else against the sliced element; then the slices are counted. Reported as
/// the HL7 validator does: a node in no slice of a closed slicing, a node before a slice of an openAtEnd one, nodes
/// out of slice order when ordered, a node in two slices, a slice below its min or above its max. Slices re-sliced
/// (<c>a</c> and <c>a/b</c>) sort their own nodes again. Immutable once compiled; shared by validations.
/// </summary>
internal sealed class CompiledSlicing(SlicingRules rules, bool ordered, bool hasRequiredSlices) : ISlicing
{
    private SliceMatcher[]? _matchers;

    public bool HasRequiredSlices => hasRequiredSlices;

    public void Validate(ElementNode parent, ElementSchema sliced, IReadOnlyList<ElementNode> nodes, ValidationState state)
    {
        var matchers = Volatile.Read(ref _matchers) ?? Compile(sliced, state.Schemas.Source);
        var slices = sliced.Slices;
        var canonical = sliced.Profile.Canonical;
        Span<int> counts = matchers.Length <= 64 ? stackalloc int[matchers.Length] : new int[matchers.Length];
        // Slices some node may be in, undecided (a value set or a profile not at hand, a reference not resolved): their
        // minimum is not held against the instance.
        Span<bool> doubtful = matchers.Length <= 64 ? stackalloc bool[matchers.Length] : new bool[matchers.Length];
        List<ElementNode>[]? resliced = null;
        var hooks = SliceHooks.None;
        var hooksMade = false;
        var last = -1;
        var unslicedSeen = false;
        for (var n = 0; n < nodes.Count; n++)
        {
            var node = nodes[n];
            int found = -1, more = -1;
            string? undecided = null;
            for (var s = 0; s < matchers.Length; s++)
            {
                var m = matchers[s];
                if (m.NeedsHooks && !hooksMade)
                {
                    hooks = Hooks(state);
                    hooksMade = true;
                }
                switch (m.Matches(node, hooks, out var why))
                {
                    case true when found < 0:
                        found = s;
                        break;
                    case true:
                        more = s;
                        break;
                    case null:
                        doubtful[s] = true;
                        undecided ??= $"slice '{m.Schema.Definition.Id}': {why}";
                        break;
                }
            }
            if (found < 0)
            {
                state.Validator.ValidateNode(node, sliced, state);
                // Not held against the instance: what is missing is on this side (terminology, the referenced resource).
                if (undecided is not null)
                    state.Report(IssueSeverity.Information, "informational",
                        $"Cannot tell whether this element is in a slice of {sliced.Definition.Id} (profile {canonical}): {undecided}", node);
                else if (rules == SlicingRules.Closed)
                    state.Report(IssueSeverity.Error, "structure",
                        $"This element does not match any known slice defined in the profile {canonical} and slicing is CLOSED: {NoMatchDetails(node, matchers)}", node);
                unslicedSeen = true;
                continue;
            }
            if (more >= 0)
                state.Report(IssueSeverity.Error, "structure",
                    $"Profile {canonical}, Element matches more than one slice - {MatchedNames(node, matchers, hooks)}", node);
            if (rules == SlicingRules.OpenAtEnd && unslicedSeen)
                state.Report(IssueSeverity.Error, "structure",
                    $"This element is in slice '{slices[found].Definition.SliceName}', but the slicing of {sliced.Definition.Id} in the profile {canonical} is open at the end: elements in no slice must come after all the sliced ones", node);
            if (ordered && found < last)
                state.Report(IssueSeverity.Error, "structure",
                    $"As specified by profile {canonical}, Element '{sliced.Name}' is out of order (slice '{slices[found].Definition.SliceName}' found after slice '{slices[last].Definition.SliceName}')", node);
            if (found > last) last = found;
            counts[found]++;
            // The slice's snapshot copies the sliced element as the base has it, with its children as the profile has
            // them: the node is validated against the slice, and the checks the profile puts on the sliced element
            // itself run too (its invariants, bindings, fixed values).
            var slice = slices[found];
            state.Validator.ValidateNode(node, slice, state);
            foreach (var check in sliced.Checks) check.Check(node, state);
            if (slice.Slicing is not null) ((resliced ??= new List<ElementNode>[slices.Length])[found] ??= []).Add(node);
        }

        for (var s = 0; s < matchers.Length; s++)
        {
            var slice = slices[s];
            if (counts[s] < slice.Min && !doubtful[s])
                state.Report(IssueSeverity.Error, "structure", counts[s] == 0
                    ? $"Slice '{slice.Definition.Id}': a matching slice is required, but not found (from {canonical}).{(rules == SlicingRules.Closed ? "" : " Note that other slices are allowed in addition to this required slice")}"
                    : $"{slice.Definition.Id}: minimum required = {slice.Min}, but only found {counts[s]} (from {canonical})", parent);
            else if (counts[s] > slice.Max)
                state.Report(IssueSeverity.Error, "structure",
                    $"{slice.Definition.Id}: max allowed = {slice.Max}, but found {counts[s]} (from {canonical})", parent);
            if (slice.Slicing is { } reslicing && (resliced?[s] is not null || reslicing.HasRequiredSlices))
                reslicing.Validate(parent, slice, (IReadOnlyList<ElementNode>?)resliced?[s] ?? [], state);
        }
    }

    // resolve() through contained resources, the Bundle and the server; memberOf() through the terminology; profiles
    // by validating tentatively. Made once per slicing checked, only when a discriminator needs them.
    private static SliceHooks Hooks(ValidationState state) => new(
        reference => ReferenceResolution.Resolve(reference, state.FhirPath),
        state.FhirPath.MemberOf is { } memberOf ? (node, valueSet) => memberOf(node, valueSet) : null,
        (node, profile) => state.Schemas.ForCanonical(profile) is { } schema
            ? ProfileGate.For(schema, state.Schemas.Source).Admits(node) && state.Try(s => s.Validator.ValidateAgainst(node, schema, s), out _)
            : null);

    private static string NoMatchDetails(ElementNode node, SliceMatcher[] matchers) =>
        string.Join(", ", matchers.Select(m => $"{node.Location}: Does not match slice '{m.Schema.Definition.SliceName}' (discriminator: {m.Describe()})"));

    private static string MatchedNames(ElementNode node, SliceMatcher[] matchers, SliceHooks hooks) =>
        string.Join(", ", matchers.Where(m => m.Matches(node, hooks, out _) == true).Select(m => m.Schema.Definition.SliceName));

    private SliceMatcher[] Compile(ElementSchema sliced, ProfileSource source)
    {
        var definitions = new ValidatorSliceDefinitions(source);
        var matchers = sliced.Slices.Select(s => SliceMatcher.Compile(s, definitions)).ToArray();
        return Interlocked.CompareExchange(ref _matchers, matchers, null) ?? matchers;
    }
}
