using System.Text.Json;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ElementDefinition.constraint: each invariant's FHIRPath, compiled once, evaluated on every node of the element
/// (R4 conformance-rules.html §constraints). Checked natively, without FHIRPath: <c>ele-1</c> and <c>ext-1</c>, which
/// every element and extension carries, <c>dom-3</c> (<see cref="ContainedReferencedCheck"/>), <c>ref-1</c>
/// (<see cref="LocalReferenceCheck"/>), <c>txt-1</c> and <c>txt-2</c> (<see cref="NarrativeInvariantCheck"/>) and the
/// invariants that only test paths with exists()/empty() (<see cref="ExistenceInvariantCheck"/>). Invariants marked best practice run only when the options ask for them,
/// as in the HL7 validator.
/// </summary>
public sealed class ConstraintAspect : IAspectBuilder
{
    private const string BestPracticeExtension = "http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice";

    // dom-3 as R4 4.0.1 writes it (DomainResource): checked natively only when a definition has it exactly so.
    private const string Dom3Expression = "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | " +
        "%resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or " +
        "descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()";

    // ref-1 as R4 4.0.1 writes it (Reference).
    private const string Ref1Expression = "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))";

    /// <summary>
    /// Invariants whose published R4 expression contradicts their own description, replaced by the expression later
    /// versions publish (as the HL7 validator does): que-12 says "more than one enableWhen" but counts "> 2" in 4.0.1
    /// (corrected in R4B and R5).
    /// </summary>
    private static readonly Dictionary<(string Key, string Expression), string> Corrections = new()
    {
        [("que-12", "enableWhen.count() > 2 implies enableBehavior.exists()")] = "enableWhen.count() > 1 implies enableBehavior.exists()",
    };

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (!json.TryGetProperty("constraint", out var constraints) || constraints.ValueKind != JsonValueKind.Array) return;
        foreach (var c in constraints.EnumerateArray())
        {
            var key = Str(c, "key") ?? "";
            var expression = Str(c, "expression");
            if (expression is null) continue;
            if (Corrections.TryGetValue((key, expression), out var corrected)) expression = corrected;
            var severity = Str(c, "severity") == "warning" ? IssueSeverity.Warning : IssueSeverity.Error;
            var human = Str(c, "human") ?? key;
            var source = Str(c, "source") ?? element.Profile.Url;
            var bestPractice = IsBestPractice(c);
            switch (key)
            {
                case "ele-1":
                    checks.Add(new HasValueOrChildrenCheck(human, source));
                    continue;
                case "ext-1" when element.Definition.Path == "Extension":
                    checks.Add(new ExtensionOrValueCheck(human, source));
                    continue;
                case "dom-3" when expression == Dom3Expression:
                    checks.Add(new ContainedReferencedCheck(severity));
                    continue;
                case "ref-1" when expression == Ref1Expression:
                    checks.Add(new LocalReferenceCheck(severity, human, source));
                    continue;
                case "txt-1" or "txt-2" when expression == NarrativeInvariantCheck.Expression:
                    checks.Add(new NarrativeInvariantCheck(key, severity, human, source));
                    continue;
            }
            // Best-practice invariants stay with InvariantCheck, which knows when to skip them.
            if (!bestPractice && ExistenceInvariantCheck.TryCreate(key, severity, human, source, expression) is { } existence)
            {
                checks.Add(existence);
                continue;
            }
            CompiledExpression? compiled = null;
            string? error = null;
            try { compiled = FhirPathEngine.Compile(expression); }
            catch (FhirPathException e) { error = e.Message; }
            checks.Add(new InvariantCheck(key, severity, human, expression, source, compiled, error, bestPractice,
                element.Definition.Path.Contains('.')));
        }
    }

    private static bool IsBestPractice(JsonElement constraint)
    {
        if (!constraint.TryGetProperty("extension", out var exts) || exts.ValueKind != JsonValueKind.Array) return false;
        foreach (var e in exts.EnumerateArray())
            if (Str(e, "url") == BestPracticeExtension && e.TryGetProperty("valueBoolean", out var v) && v.ValueKind == JsonValueKind.True)
                return true;
        return false;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static string Message(string key, string human, string source) => $"Constraint failed: {key}: '{human}' (defined in {source})";

    /// <summary>ele-1 (<c>hasValue() or (children().count() > id.count())</c>): an element has a value or children other than id.</summary>
    private sealed class HasValueOrChildrenCheck(string human, string source) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            // Content the parser refused was reported there; the element was not empty as written.
            if (node.HasValue || node.IsResource || node.HasRefusedContent) return;
            // By index: enumerating the IReadOnlyList would allocate an enumerator per node.
            var children = node.Children;
            for (var i = 0; i < children.Count; i++)
                if (children[i].Name != "id") return;
            state.Report(IssueSeverity.Error, "invariant", Message("ele-1", human, source), node);
        }

        public override string ToString() => "ele-1";
    }

    /// <summary>ext-1 (<c>extension.exists() != value.exists()</c>): an extension has a value or extensions, not both.</summary>
    private sealed class ExtensionOrValueCheck(string human, string source) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            bool extensions = false, value = false;
            var children = node.Children;
            for (var i = 0; i < children.Count; i++)
            {
                if (children[i].Name == "extension") extensions = true;
                else if (children[i].Name == "value") value = true;
            }
            if (extensions == value) state.Report(IssueSeverity.Error, "invariant", Message("ext-1", human, source), node);
        }

        public override string ToString() => "ext-1";
    }

    private sealed class InvariantCheck(string key, IssueSeverity severity, string human, string expression, string source,
        CompiledExpression? compiled, string? compileError, bool bestPractice, bool onChildElement) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (bestPractice && !state.Options.BestPracticeInvariants) return;
            if (compiled is null)
            {
                state.Report(IssueSeverity.Warning, "invariant",
                    $"Constraint {key} (defined in {source}) cannot be checked: its expression '{expression}' does not compile ({compileError}).", node);
                return;
            }
            bool? result;
            // Invariants with the same expression on the same node (R4 Narrative.div: txt-1 and txt-2 are both
            // htmlChecks()) run one after the other: the second takes the first's answer.
            if (ReferenceEquals(state.LastInvariant.Node, node) && state.LastInvariant.Expression == expression) result = state.LastInvariant.Result;
            else
            {
                try { result = compiled.Predicate(node, ContextFor(node, state)); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A FhirPathException (a limit reached, a type error at run time) or a failure of a function: the
                    // invariant is not decided, which is a warning on the node, not the end of the validation.
                    state.Report(IssueSeverity.Warning, "invariant",
                        $"Constraint {key} (defined in {source}) could not be evaluated: {e.Message}", node);
                    return;
                }
                state.LastInvariant = (node, expression, result);
            }
            // An empty result (the expression has nothing to say about this node) is not a failure.
            if (result == false) state.Report(severity, "invariant", Message(key, human, source), node);
        }

        // Names the check in timings (benchmarks' `validation --check-timings`).
        public override string ToString() => key;

        // An invariant on an element of a resource (Bundle.entry.resource, DomainResource.contained) that holds a
        // resource belongs to the outer resource: there %resource is the Bundle or the container, not the resource in
        // the element (FHIR R4 fhirpath.html §"FHIRPath variables": the resource that contains the node the
        // constraint is defined on), as the HL7 validator evaluates it.
        private FhirPathContext ContextFor(ElementNode node, ValidationState state) =>
            onChildElement && node.IsResource && node.Parent?.ResourceNode is { } outer
                ? state.FhirPath.WithResource(outer)
                : state.FhirPath;
    }
}
