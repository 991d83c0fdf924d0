using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.References;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>One Reference element's rules (see <see cref="ReferenceAspect"/>), run on each Reference node.</summary>
internal sealed class ReferenceCheck(IReadOnlyList<string> targetProfiles, string[] aggregation) : IElementCheck
{
    private TargetSet? _targets;

    public void Check(ElementNode node, ValidationState state)
    {
        if (node.Type != "Reference") return;
        // Compiled on first use: the profile source is the validation's (a schema is thrown away when it changes).
        var targets = _targets ??= TargetSet.Compile(targetProfiles, state.Schemas.Source);
        var declared = node.Child("type") is { Value: { Length: > 0 } d } ? d : null;
        if (node.Child("reference")?.Value is not { Length: > 0 } text)
        {
            // A logical reference (identifier) or a display: only Reference.type says what the target is.
            if (declared is not null && !targets.Allows(declared) && IsTypeName(declared))
                NotAllowed(node, state, $"The type '{declared}' is not a valid Target for this element (must be one of [{targets.Allowed}])");
            return;
        }

        var literal = LiteralReference.Parse(text);
        if (!CheckSyntax(node, literal, state)) return;
        var literalType = literal.Type is { } t && state.Schemas.Registry.IsResourceType(t) ? t : null;
        // The store is asked only when what it returns is looked at: a target profile, or a type a urn cannot tell.
        var external = targets.HasProfiles || (literalType is null && targets.Types is not null && declared is null);
        var resolved = TargetResolver.Resolve(node, literal, external, state);
        var target = resolved.Resource;

        if (literalType is not null && target is not null && target.Type != literalType && resolved.Location != TargetLocation.External)
            state.Report(IssueSeverity.Error, "required", $"Matching reference for reference {text} has resourceType {target.Type}", node);

        var implied = target?.Type ?? literalType;
        if (declared is not null && IsTypeName(declared))
        {
            if (implied is not null && declared != implied)
                NotAllowed(node, state, $"Invalid Resource target type. Found {declared}, but expected one of ({implied})");
            if (!targets.Allows(declared))
                NotAllowed(node, state, $"The type '{declared}' is not a valid Target for this element (must be one of [{targets.Allowed}])");
        }
        if (implied is not null && !targets.Allows(implied) && implied != declared)
            NotAllowed(node, state, literalType == implied
                ? $"The type '{implied}' implied by the reference URL {text} is not a valid Target for this element (must be one of [{targets.Allowed}])"
                : $"The type '{implied}' is not a valid Target for this element (must be one of [{targets.Allowed}])");

        if (target is not null && targets.Unresolved.Count > 0) CheckUnresolvedProfiles(node, target, targets, state);
        if (aggregation.Length > 0) CheckAggregation(node, literal, resolved, state);
        if (target is not null && targets.Allows(target.Type) && targets.ProfilesFor(target.Type) is { Count: > 0 } profiles)
            CheckTargetProfiles(node, text, target, profiles, state);
    }

    // A resolved target and target profiles not known here: it cannot be checked against them (an error, as the HL7
    // validator), and its type must be one the known ones allow.
    private static void CheckUnresolvedProfiles(ElementNode node, ElementNode target, TargetSet targets, ValidationState state)
    {
        foreach (var unresolved in targets.Unresolved)
            state.Report(IssueSeverity.Error, "structure", $"Unable to resolve the profile reference '{unresolved}'", node);
        if (!targets.AllowsKnown(target.Type))
            NotAllowed(node, state, $"Invalid Resource target type. Found {target.Type}, but expected one of ({targets.Allowed})");
    }

    // R4 references.html §2.3.0.2: a literal reference is absolute, [type]/[id] (with a version), #id, or conditional in transactions.
    private static bool CheckSyntax(ElementNode node, LiteralReference literal, ValidationState state)
    {
        var text = literal.Text;
        switch (literal.Form)
        {
            case ReferenceForm.Invalid when text.AsSpan().ContainsAny(" \t\r\n"):
                state.Report(IssueSeverity.Error, "invalid", $"The reference '{text}' is not a valid reference", node);
                return false;
            case ReferenceForm.Invalid when !text.Contains('/'):
                state.Report(IssueSeverity.Error, "invalid", $"Relative URLs must be of the format [ResourceName]/[id]. Encountered {text}", node);
                return false;
            case ReferenceForm.Invalid:
                state.Report(IssueSeverity.Warning, "structure", $"The syntax of the reference '{text}' looks incorrect, and it should be checked", node);
                return false;
            case ReferenceForm.Relative or ReferenceForm.RestfulUrl or ReferenceForm.Conditional when !state.Schemas.Registry.IsResourceType(literal.Type!):
                state.Report(IssueSeverity.Error, "invalid", $"The resource type {literal.Type} in the reference {text} is not valid", node);
                return false;
            default:
                return true;
        }
    }

    // Reference.type is a type name, or the absolute URL of a logical model's type (R4 Reference.type): only names are
    // compared, a misspelt one ('practitioner') included.
    private static bool IsTypeName(string type) => !type.Contains(':');

    private static void NotAllowed(ElementNode node, ValidationState state, string message) =>
        state.Report(IssueSeverity.Error, "structure", message, node);

    /// <summary>
    /// ElementDefinition.type.aggregation (R4 valueset-resource-aggregation-mode): <c>contained</c> a local reference,
    /// <c>referenced</c> any other, <c>bundled</c> an entry of the same Bundle. Outside any Bundle, <c>bundled</c> is not
    /// held against a reference (R5 made explicit that it applies "when the resource is in a Bundle"): a resource the
    /// server receives alone could never satisfy it.
    /// </summary>
    private void CheckAggregation(ElementNode node, LiteralReference literal, ResolvedTarget resolved, ValidationState state)
    {
        string? mode;
        if (literal.Form == ReferenceForm.Local) mode = aggregation.Contains("contained") ? null : "contained";
        else if (aggregation.Contains("referenced")) mode = null;
        else if (aggregation.Contains("bundled") && (resolved.Location == TargetLocation.Bundled || !resolved.InBundle)) mode = null;
        else mode = resolved.Location == TargetLocation.Bundled ? "bundled" : "external";
        if (mode is not null)
            state.Report(IssueSeverity.Error, "structure",
                $"Reference is {mode} which isn't supported by the specified aggregation mode(s) for the reference ({string.Join(", ", aggregation)})", node);
    }

    /// <summary>
    /// The resolved target against the profiles targetProfile names for its type: it must conform to one. Each
    /// (target, profile) is decided once per validation; a target met again while it is being decided (profiles that
    /// point at each other, resources that link to each other) counts as conforming, which ends the circle.
    /// </summary>
    private static void CheckTargetProfiles(ElementNode node, string text, ElementNode target, IReadOnlyList<string> profiles, ValidationState state)
    {
        var decided = state.Memo(TargetConformance.Key, _ => new TargetConformance());
        string? firstProblem = null;
        var known = new List<string>(profiles.Count);
        foreach (var profile in profiles)
        {
            if (state.Schemas.ForCanonical(profile) is not { } schema) continue;
            known.Add(profile);
            var key = (target, profile);
            if (!decided.Results.TryGetValue(key, out var conforms))
            {
                if (!decided.InProgress.Add(key)) return;
                try
                {
                    conforms = state.Try(s => s.Validator.ValidateAgainst(target, schema, s), out var issues);
                    decided.Results[key] = conforms;
                    if (!conforms && issues.FirstOrDefault(i => i.IsError) is { } problem) decided.Problems[key] = $"{problem.Expression}: {problem.Message}";
                }
                finally
                {
                    decided.InProgress.Remove(key);
                }
            }
            if (conforms) return;
            firstProblem ??= decided.Problems.GetValueOrDefault(key);
        }
        if (known.Count == 0) return;
        state.Report(IssueSeverity.Error, "structure",
            $"Unable to find a profile match for {text} among choices: {string.Join(", ", known)}" +
            (firstProblem is null ? "" : $" (first problem: {firstProblem})"), node);
    }

    private sealed class TargetConformance
    {
        public static readonly object Key = new();
        public Dictionary<(ElementNode, string), bool> Results { get; } = [];
        public Dictionary<(ElementNode, string), string?> Problems { get; } = [];
        public HashSet<(ElementNode, string)> InProgress { get; } = [];
    }
}
