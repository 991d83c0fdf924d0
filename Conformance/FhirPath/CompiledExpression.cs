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
    }

    public string Text { get; }
    public Expr Syntax { get; }

    /// <summary>Evaluates against one node (a resource or any element); a null input is the empty collection.</summary>
    public IReadOnlyList<object> Evaluate(ElementNode? input, FhirPathContext? context = null) =>
        Evaluate(input is null ? [] : [input], context);

    public IReadOnlyList<object> Evaluate(IReadOnlyList<object> input, FhirPathContext? context = null)
    {
        var state = EvaluationState.Rent(context ?? FhirPathContext.Empty, input);
        try
        {
            return _evaluator(new Frame(state, input));
        }
        finally
        {
            state.Return();
        }
    }

    /// <summary>The result as a Boolean (N1 §4.5 "Singleton Evaluation of Collections"): null when empty.</summary>
    public bool? Predicate(ElementNode? input, FhirPathContext? context = null) =>
        Items.AsBoolean(Evaluate(input, context), "expression");

    public override string ToString() => Text;
}
