using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Compilation;

/// <summary>A compiled expression: evaluated against a frame, it returns the result collection.</summary>
internal delegate IReadOnlyList<object> Evaluator(Frame frame);

/// <summary>
/// The evaluation state one (sub)expression sees: <c>$this</c> (the focus of a path that starts at the root of the
/// expression or of a function argument), <c>$index</c> and <c>$total</c> (N1 §5.2 where/select/repeat, §7 aggregate).
/// A value type: where() and its kin make one per input item, and that must not cost an allocation. An iteration's
/// <c>$this</c> is one item, kept as such (<see cref="Item"/>) so that paths and comparisons on it need no list.
/// </summary>
internal readonly struct Frame
{
    private readonly IReadOnlyList<object>? _this;

    public Frame(EvaluationState state, IReadOnlyList<object> @this, int index = 0, IReadOnlyList<object>? total = null)
    {
        State = state;
        _this = @this;
        Index = index;
        Total = total;
    }

    private Frame(EvaluationState state, object item, int index, IReadOnlyList<object>? total)
    {
        State = state;
        Item = item;
        Index = index;
        Total = total;
    }

    public EvaluationState State { get; }

    /// <summary>$this as a collection.</summary>
    public IReadOnlyList<object> This => _this ?? [Item!];

    /// <summary>$this when it is the one item of an iteration; null otherwise.</summary>
    public object? Item { get; }

    public int Index { get; }
    public IReadOnlyList<object>? Total { get; }

    public FhirPathContext Context => State.Context;

    /// <summary>The frame of an evaluation whose input is one item.</summary>
    public static Frame ForItem(EvaluationState state, object item) => new(state, item, 0, null);

    public Frame Iterate(object item, int index) => new(State, item, index, Total);

    public Frame WithTotal(object item, int index, IReadOnlyList<object> total) => new(State, item, index, total);
}

/// <summary>
/// Per-evaluation values: the context, the input, the resources behind %resource and %rootResource, and a single
/// clock reading. One instance per thread is reused from evaluation to evaluation (an evaluation that starts
/// inside another, from a hook, takes a new one): nothing outlives the evaluation that uses it.
/// </summary>
internal sealed class EvaluationState
{
    [ThreadStatic] private static EvaluationState? _free;

    private IReadOnlyList<object>? _input;
    private object? _inputItem;
    private DateTimeOffset? _now;
    private ElementNode? _resource;
    private ElementNode? _rootResource;
    private bool _resourcesKnown;

    private EvaluationState() => Context = FhirPathContext.Empty;

    public FhirPathContext Context { get; private set; }

    /// <summary>The input (%context), as a collection.</summary>
    public IReadOnlyList<object> Input => _input ??= _inputItem is null ? Items.Empty : [_inputItem];

    public static EvaluationState Rent(FhirPathContext context, IReadOnlyList<object> input)
    {
        var state = Take(context);
        state._input = input;
        return state;
    }

    public static EvaluationState Rent(FhirPathContext context, object input)
    {
        var state = Take(context);
        state._inputItem = input;
        return state;
    }

    private static EvaluationState Take(FhirPathContext context)
    {
        var state = _free ?? new EvaluationState();
        _free = null;
        state.Context = context;
        return state;
    }

    public void Return()
    {
        Context = FhirPathContext.Empty;
        _input = null;
        _inputItem = null;
        _now = null;
        _resource = _rootResource = null;
        _resourcesKnown = false;
        _free = this;
    }

    public ElementNode? Resource
    {
        get
        {
            if (!_resourcesKnown) FindResources();
            return _resource;
        }
    }

    public ElementNode? RootResource
    {
        get
        {
            if (!_resourcesKnown) FindResources();
            return _rootResource;
        }
    }

    public DateTimeOffset Now => _now ??= Context.Now ?? DateTimeOffset.Now;

    // Found when first asked: most expressions never use %resource, %rootResource or resolve().
    private void FindResources()
    {
        var first = _inputItem ?? (Input.Count > 0 ? Input[0] : null);
        var inputResource = first is ElementNode n ? n.ResourceNode : null;
        _resource = Context.Resource ?? inputResource;
        _rootResource = Context.RootResource ?? RootOf(_resource);
        _resourcesKnown = true;
    }

    // %rootResource is the resource that contains %resource when %resource is contained (FHIR R4 fhirpath.html, "FHIRPath
    // variables"); a Bundle entry's resource is its own root.
    private static ElementNode? RootOf(ElementNode? resource)
    {
        if (resource is { Name: "contained", Parent: { } parent } && parent.ResourceNode is { } container) return container;
        return resource;
    }
}
