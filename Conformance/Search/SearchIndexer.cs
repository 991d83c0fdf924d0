using System.Collections.Concurrent;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Search;

/// <summary>Something the indexer could not index in one resource; the rest of the resource was indexed.</summary>
public sealed record IndexDiagnostic(string Param, string Url, string Message)
{
    public override string ToString() => $"{Param} ({Url}): {Message}";
}

/// <summary>
/// Extracts a resource's index rows: for each SearchParameter of its type, the parameter's FHIRPath expression
/// (compiled once per type, narrowed to the branches that concern the type) and each item it selects turned into
/// index values of the parameter's type. Thread-safe; one instance per registry.
/// </summary>
public sealed class SearchIndexer
{
    private readonly SearchParameterRegistry _parameters;
    private readonly DefinitionRegistry _registry;
    private readonly FhirPathContext _context;
    private readonly ConcurrentDictionary<string, ParameterPlan[]> _plans = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ElementNode> _stubs = new(StringComparer.Ordinal);

    private readonly bool _fullText;

    /// <param name="fullText">Index the words of <c>_text</c> (the narrative) and <c>_content</c> (every text of the
    /// resource) as string rows (<see cref="FullText"/>); off, those two parameters are not indexed.</param>
    public SearchIndexer(SearchParameterRegistry parameters, DefinitionRegistry registry, bool fullText = false)
    {
        _parameters = parameters;
        _registry = registry;
        _fullText = fullText;
        // resolve() on a reference the resource does not contain has no store to look in: a stub of the referenced
        // type answers what the expressions ask of it (where(resolve() is Patient)), by the reference's type.
        _context = new FhirPathContext { Registry = registry, Resolver = ResolveByType };
    }

    /// <summary>
    /// Changes whenever the rows extracted for the same parameters change (a stored index built by an earlier
    /// version is then rebuilt). 2: an absolute reference on another server's base has no local target.
    /// 3: phonetic parameters hold <see cref="PhoneticKey"/>s. 4: contained resources a reference parameter points
    /// at are indexed under <see cref="ContainedParam"/>. 5: and the contained resources those point at in turn
    /// (<see cref="ContainedLinks"/>).
    /// </summary>
    public const int Version = 5;

    /// <summary>
    /// How many contained resources a chain may pass through, one after the other, inside one container: 2, PDSm's
    /// author (a contained PractitionerRole whose <c>practitioner</c> is <c>#…</c>, another resource of the same
    /// container). Each link multiplies the rows a container may hold, so it stops there; a chain that goes on from
    /// the last contained resource to a stored one still works (its reference rows are kept).
    /// </summary>
    public const int ContainedLinks = 2;

    /// <summary>The contained links a parameter code of <see cref="ContainedParam"/> has already passed (one per '.').</summary>
    public static int ContainedDepth(string code) => code.Count(c => c == '.');

    /// <summary>
    /// The code under which the container keeps a contained resource's index rows: the reference parameter that
    /// points at it (<c>#id</c>), its type and its own parameter, as the chain would be written with its type
    /// (<c>author:Practitioner.given</c>). R4 search.html#contained: "a chained condition will be evaluated inside
    /// contained resources"; the chain's query reads these rows beside the references to stored resources.
    /// </summary>
    public static string ContainedParam(string referenceParam, string containedType, string param) =>
        $"{referenceParam}:{containedType}.{param}";

    public IReadOnlyList<IndexEntry> Extract(ElementNode resource) => Extract(resource, ServerBases.None, null);

    public IReadOnlyList<IndexEntry> Extract(ElementNode resource, ICollection<IndexDiagnostic>? diagnostics) => Extract(resource, ServerBases.None, diagnostics);

    /// <summary>
    /// Whether resources of the type get index rows for the parameter: false for the parameters without an expression
    /// (<c>_query</c>; <c>_content</c> and <c>_text</c> unless full text is on), the special ones, and those whose
    /// expression did not compile. A search on such a parameter would find no rows and answer as if nothing matched.
    /// </summary>
    public bool Indexes(string resourceType, SearchParameterInfo parameter) =>
        PlanFor(resourceType).Any(p => ReferenceEquals(p.Parameter, parameter) && p.Problem is null);

    /// <summary>
    /// The index entries of a resource (distinct per parameter). A parameter whose expression fails, or an item its
    /// type cannot hold, is skipped and reported in <paramref name="diagnostics"/>; extraction itself does not throw.
    /// An absolute reference is to a local resource only on one of the <paramref name="local"/> bases.
    /// </summary>
    public IReadOnlyList<IndexEntry> Extract(ElementNode resource, ServerBases local, ICollection<IndexDiagnostic>? diagnostics = null)
    {
        if (!resource.IsResource) throw new ArgumentException("Expected a resource node, got " + resource.Type, nameof(resource));
        return Extract(resource, new Container(resource), local, diagnostics, ContainedLinks);
    }

    // The contained resources of one container, found by id, and the rows of those already extracted: a resource
    // pointed at from several places (or paths) is extracted once per depth.
    private sealed class Container(ElementNode resource)
    {
        private Dictionary<string, ElementNode>? _byId;
        public readonly Dictionary<(ElementNode, int), List<IndexEntry>> Extracted = new(new NodeAndDepth());

        public ElementNode Resource => resource;

        // The contained resource a reference item points at (#id), if the container has it.
        public ElementNode? Target(object item)
        {
            if (item is not ElementNode { Type: "Reference" } reference
                || reference.Child("reference")?.Value is not { Length: > 1 } literal || literal[0] != '#') return null;
            if (_byId is null)
            {
                _byId = new Dictionary<string, ElementNode>(StringComparer.Ordinal);
                foreach (var node in resource.ChildrenNamed("contained"))
                    if (node.IsResource && node.Child("id")?.Value is { } id) _byId.TryAdd(id, node);
            }
            return _byId.GetValueOrDefault(literal[1..]);
        }

        private sealed class NodeAndDepth : IEqualityComparer<(ElementNode, int)>
        {
            public bool Equals((ElementNode, int) x, (ElementNode, int) y) => ReferenceEquals(x.Item1, y.Item1) && x.Item2 == y.Item2;
            public int GetHashCode((ElementNode, int) obj) => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Item1), obj.Item2);
        }
    }

    // With links > 0: for each reference parameter's #id pointing at a contained resource of one of its target types,
    // that resource's own rows under ContainedParam, and (links > 1) those of the resources of the same container it
    // points at in turn (R4 §1.15.2 contained resources may refer to each other; PDSm's contained PractitionerRole to
    // its contained Practitioner), named with the whole path (author:PractitionerRole.practitioner:Practitioner.family).
    // A contained resource's diagnostics are not reported (they are its own definitions' quirks, already reported for
    // stored resources of its type), nor are its words (the container's own text holds them).
    private List<IndexEntry> Extract(ElementNode resource, Container container, ServerBases local, ICollection<IndexDiagnostic>? diagnostics, int links)
    {
        var entries = new List<IndexEntry>();
        var top = ReferenceEquals(resource, container.Resource);
        List<(string Param, ElementNode Resource)>? pointedAt = null;
        var values = new List<IndexValue>();
        var seen = new HashSet<IndexValue>();
        foreach (var plan in PlanFor(resource.Type))
        {
            var parameter = plan.Parameter;
            if (plan.Problem is not null)
            {
                diagnostics?.Add(new(parameter.Code, parameter.Url, plan.Problem));
                continue;
            }
            values.Clear();
            if (plan.Words is { } words)
            {
                // Distinct already. A contained resource's words are its container's own (_content reads them there).
                if (top)
                    foreach (var word in FullText.Words(resource, words)) entries.Add(new IndexEntry(parameter.Code, parameter.Type, new StringIndex(word, word)));
                continue;
            }
            try
            {
                var items = plan.Expression!.Evaluate(resource, _context);
                foreach (var item in items)
                {
                    if (links > 0 && parameter.Type == SearchParamType.Reference && container.Target(item) is { } target
                        && !ReferenceEquals(target, resource) && parameter.Targets.Contains(target.Type))
                        (pointedAt ??= []).Add((parameter.Code, target));
                    var problem = plan.Components.Count > 0
                        ? AddComposite(plan, item, values, local)
                        : IndexValues.Add(parameter.Type, item, values, _registry, local);
                    if (problem is not null) diagnostics?.Add(new(parameter.Code, parameter.Url, problem));
                }
            }
            // One parameter's failure must not cost the resource its other index rows (nor its write): an
            // expression error (FhirPathException) or any engine fault is reported as a diagnostic.
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                diagnostics?.Add(new(parameter.Code, parameter.Url, $"evaluation failed: {e.Message}"));
                continue;
            }
            if (parameter.IsPhonetic) Phonetic(values);
            seen.Clear();
            foreach (var value in values)
                if (seen.Add(value)) entries.Add(new IndexEntry(parameter.Code, parameter.Type, value));
        }
        if (pointedAt is not null)
        {
            // Distinct rows: contained resources that point at each other from many places would otherwise repeat them.
            var added = new HashSet<IndexEntry>();
            foreach (var (param, target) in pointedAt.Distinct())
            {
                if (!container.Extracted.TryGetValue((target, links - 1), out var rows))
                    container.Extracted[(target, links - 1)] = rows = Extract(target, container, local, null, links - 1);
                foreach (var row in rows)
                    if (row.Param is not ("_id" or "_lastUpdated") && FullText.Of(row.Param) is null
                        && row with { Param = ContainedParam(param, target.Type, row.Param) } is var renamed && added.Add(renamed))
                        entries.Add(renamed);
            }
        }
        return entries;
    }

    // A phonetic parameter's strings become their phonetic keys: the key of the whole text and of each of its words
    // (Jean-Pierre: "jn prr", "jn", "prr"), so a search for one word of a name finds it. The text stays for :exact.
    internal static void Phonetic(List<IndexValue> values)
    {
        var count = values.Count;
        for (var i = 0; i < count; i++)
        {
            if (values[i] is not StringIndex text) continue;
            var words = PhoneticKey.Words(text.Exact).ToList();
            values[i] = new StringIndex(string.Join(' ', words), text.Exact);
            // One value per distinct word, at most FullText.MaxWords: a name of one short word repeated 300,000 times
            // made as many values, each carrying the whole name, hashed whole to drop the repeats; its create ran for
            // minutes.
            if (words.Count > 1) values.AddRange(words.Distinct(StringComparer.Ordinal).Take(FullText.MaxWords).Select(word => new StringIndex(word, text.Exact)));
        }
        values.RemoveAll(v => v is StringIndex { Normalized.Length: 0 });
    }

    // A composite (R4 search.html §2.1.1.5.9): for each item the composite's expression selects, every combination
    // of its components' values, each component read by its own parameter's type.
    private string? AddComposite(ParameterPlan plan, object item, List<IndexValue> values, ServerBases local)
    {
        var perComponent = new List<List<IndexValue>>(plan.Components.Count);
        string? problem = null;
        foreach (var component in plan.Components)
        {
            var componentValues = new List<IndexValue>();
            foreach (var part in component.Expression.Evaluate([item], _context))
                problem ??= IndexValues.Add(component.Type, part, componentValues, _registry, local);
            if (componentValues.Count == 0) return problem;
            perComponent.Add(componentValues);
        }
        var combination = new IndexValue[perComponent.Count];
        AddCombinations(perComponent, 0, combination, values);
        return problem;
    }

    private static void AddCombinations(List<List<IndexValue>> perComponent, int index, IndexValue[] combination, List<IndexValue> values)
    {
        if (index == perComponent.Count)
        {
            values.Add(new CompositeIndex([.. combination]));
            return;
        }
        foreach (var value in perComponent[index])
        {
            combination[index] = value;
            AddCombinations(perComponent, index + 1, combination, values);
        }
    }

    private ParameterPlan[] PlanFor(string resourceType) =>
        _plans.TryGetValue(resourceType, out var plans) ? plans : _plans.GetOrAdd(resourceType, BuildPlans);

    // Compiled the first time a type is indexed. Left out: parameters without an expression (_query; _content and
    // _text unless full text is on, then their words) and the 'special' ones (Location near: needs geometry): they
    // have no index type.
    private ParameterPlan[] BuildPlans(string resourceType)
    {
        var plans = new List<ParameterPlan>();
        foreach (var parameter in _parameters.For(resourceType).Values.OrderBy(p => p.Code, StringComparer.Ordinal))
        {
            if (_fullText && parameter.Expression is null && FullText.Of(parameter.Code) is { } words)
            {
                plans.Add(new ParameterPlan(parameter, null, [], null, words));
                continue;
            }
            if (parameter.Type == SearchParamType.Special || parameter.Expression is null) continue;
            try
            {
                // A branch is kept unless it starts with the name of a type this one is not (element names are lower-case).
                var expression = SearchExpressions.Narrow(SearchExpressions.AdaptR4(parameter.Expression), head =>
                    !char.IsUpper(head[0]) || !_registry.IsKnownType(head) || TypeOperations.Inherits(resourceType, head, _registry));
                if (expression is null) continue;
                var components = new List<ComponentPlan>();
                foreach (var component in parameter.Components)
                {
                    if (component.Type is not { } type || type is SearchParamType.Composite or SearchParamType.Special)
                        throw new InvalidOperationException($"component {component.DefinitionUrl} has no indexable type");
                    components.Add(new ComponentPlan(type, FhirPathEngine.Compile(SearchExpressions.AdaptR4(component.Expression))));
                }
                if (parameter.Type == SearchParamType.Composite && components.Count == 0)
                    throw new InvalidOperationException("a composite parameter without components");
                plans.Add(new ParameterPlan(parameter, FhirPathEngine.Compile(expression), components, null));
            }
            catch (Exception e) when (e is FhirPathException or InvalidOperationException)
            {
                plans.Add(new ParameterPlan(parameter, null, [], $"not indexed: {e.Message}"));
            }
        }
        return [.. plans];
    }

    private ElementNode? ResolveByType(string reference)
    {
        if (ReferenceValues.Parse(reference, _registry) is not { } target) return null;
        return _stubs.TryGetValue(target.Type, out var stub)
            ? stub
            : _stubs.GetOrAdd(target.Type, type => ElementNode.Resource(type, _registry.GetTypeDefinition(type)?.Root));
    }

    private sealed record ParameterPlan(SearchParameterInfo Parameter, CompiledExpression? Expression, IReadOnlyList<ComponentPlan> Components, string? Problem,
        FullTextSource? Words = null);

    private sealed record ComponentPlan(SearchParamType Type, CompiledExpression Expression);
}
