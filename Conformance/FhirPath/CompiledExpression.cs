using System.Collections.Concurrent;
using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath;

/// <summary>A parsed and compiled FHIRPath expression; thread-safe, evaluate as often as needed.</summary>
public sealed class CompiledExpression
{
    private readonly Evaluator _evaluator;

    internal CompiledExpression(string text, Expr syntax, Evaluator evaluator)
    {
        Text = text;
        Syntax = syntax;
        _evaluator = evaluator;
        Depth = SyntaxDepth.Of(syntax).Depth;
    }

    public string Text { get; }
    public Expr Syntax { get; }

    /// <summary>The depth of <see cref="Syntax"/> (<see cref="FhirPathLimits.MaxDepth"/>): how deep compiling and evaluating it recurse.</summary>
    public int Depth { get; }

    /// <summary>Evaluates against one node (a resource or any element); a null input is the empty collection.</summary>
    public IReadOnlyList<object> Evaluate(ElementNode? input, FhirPathContext? context = null)
    {
        if (input is null) return Evaluate(Items.Empty, context);
        context ??= FhirPathContext.Empty;
        CheckStatically(input, context);
        // The input stays one item (no collection made for it unless the expression asks for $this as one).
        var state = EvaluationState.Rent(context, input);
        try
        {
            return _evaluator(Frame.ForItem(state, input));
        }
        finally
        {
            state.Return();
        }
    }

    public IReadOnlyList<object> Evaluate(IReadOnlyList<object> input, FhirPathContext? context = null)
    {
        context ??= FhirPathContext.Empty;
        CheckStatically(input.Count == 1 ? input[0] as ElementNode : null, context);
        var state = EvaluationState.Rent(context, input);
        try
        {
            return _evaluator(new Frame(state, input));
        }
        finally
        {
            state.Return();
        }
    }

    // Strict mode's static pass, once per input type (and definition, for an element within a resource).
    private void CheckStatically(ElementNode? node, FhirPathContext context)
    {
        if (!(context.Strict || context.CheckOrderedFunctions) || context.Registry is not { } registry) return;
        var key = new CheckKey(registry, node?.Type, node is { IsResource: false } ? node.Definition : null, context.Strict, context.CheckOrderedFunctions);
        Throw(_checks.GetOrAdd(key, k => StaticProblem(k.Registry, k.Type is null ? null : [(k.Element, k.Type)], k.Names, k.Order)));
    }

    /// <summary>
    /// The static pass of strict mode on its own: throws a semantic <see cref="FhirPathException"/> when the
    /// expression names an element no possible type of its focus has, evaluated on an input of
    /// <paramref name="inputType"/> (and, with <paramref name="checkOrderedFunctions"/>, when it applies an
    /// order-dependent function to a collection whose order is undefined).
    /// </summary>
    public void Check(string inputType, DefinitionRegistry registry, bool checkOrderedFunctions = false) =>
        Throw(StaticProblem(registry, [(null, inputType)], checkNames: true, checkOrderedFunctions));

    /// <summary>The same check for an invariant of an element (ElementDefinition.constraint): the element is the input.</summary>
    public void Check(ElementDefinitionInfo element, DefinitionRegistry registry, bool checkOrderedFunctions = false) =>
        Throw(StaticProblem(registry, TypeChecker.InputOf(element), checkNames: true, checkOrderedFunctions));

    private static void Throw(Problem? problem)
    {
        if (problem is not null) throw new FhirPathException(FhirPathErrorKind.Semantic, problem.Detail, problem.Position);
    }

    private sealed record CheckKey(DefinitionRegistry Registry, string? Type, ElementDefinitionInfo? Element, bool Names, bool Order);

    private sealed record Problem(string Detail, int Position);

    private readonly ConcurrentDictionary<CheckKey, Problem?> _checks = new();

    private Problem? StaticProblem(DefinitionRegistry registry, IReadOnlyList<(ElementDefinitionInfo? Element, string Type)>? input, bool checkNames, bool checkOrder)
    {
        try
        {
            TypeChecker.Check(Syntax, registry, input, checkNames, checkOrder);
            return null;
        }
        catch (FhirPathException e)
        {
            return new Problem(e.Detail, e.Position);
        }
    }

    /// <summary>The result as a Boolean (N1 §4.5 "Singleton Evaluation of Collections"): null when empty.</summary>
    public bool? Predicate(ElementNode? input, FhirPathContext? context = null) =>
        Items.AsBoolean(Evaluate(input, context), "expression");

    public override string ToString() => Text;
}
