using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Slicing;

/// <summary>
/// A slicing discriminator's path (ElementDefinition.slicing.discriminator.path), compiled once into steps and
/// followed on instances without the FHIRPath evaluator: R4 profiling.html §5.1.0.7 restricts these paths to element
/// names, <c>extension('url')</c>, <c>ofType()</c> / <c>as()</c>, <c>$this</c> and <c>resolve()</c>, which a walk
/// over the children follows without allocating.
/// </summary>
public sealed class DiscriminatorPath
{
    private DiscriminatorPath(string text, Step[] steps)
    {
        Text = text;
        Steps = steps;
    }

    /// <summary>The path as the profile writes it.</summary>
    public string Text { get; }

    internal Step[] Steps { get; }

    /// <summary>Whether the path follows a reference (<c>resolve()</c>) somewhere.</summary>
    public bool Resolves => Array.Exists(Steps, s => s.Kind == StepKind.Resolve);

    /// <summary>Whether the last step is <c>resolve()</c>.</summary>
    public bool EndsWithResolve => Steps.Length > 0 && Steps[^1].Kind == StepKind.Resolve;

    /// <summary>The path without its last <c>resolve()</c> (the reference itself).</summary>
    internal DiscriminatorPath WithoutResolve() => EndsWithResolve ? new DiscriminatorPath(Text, Steps[..^1]) : this;

    /// <summary>The path followed by <c>resolve()</c> (a profile discriminator on a Reference means its target's profile).</summary>
    internal DiscriminatorPath WithResolve() => new($"({Text}).resolve()", [.. Steps, new Step(StepKind.Resolve, "")]);

    /// <summary>The path compiled; null when it is not a FHIRPath expression or leaves the subset discriminators may use.</summary>
    public static DiscriminatorPath? Parse(string text)
    {
        CompiledExpression expression;
        try
        {
            expression = FhirPathEngine.Compile(text);
        }
        catch (FhirPathException)
        {
            return null;
        }
        var steps = new List<Step>();
        return Flatten(expression.Syntax, steps) ? new DiscriminatorPath(text, [.. steps]) : null;
    }

    /// <summary>Called on each node the path reaches; returns false to stop the walk.</summary>
    public interface IVisitor
    {
        bool Visit(ElementNode node);
    }

    /// <summary>
    /// Visits every node the path reaches from <paramref name="item"/>, in document order, until the visitor stops.
    /// A reference <paramref name="resolve"/> cannot follow (or none given) counts in <paramref name="unresolved"/>.
    /// </summary>
    /// <returns>False when the visitor stopped the walk.</returns>
    public bool Walk<TVisitor>(ElementNode item, ref TVisitor visitor, Func<ElementNode, ElementNode?>? resolve, ref int unresolved)
        where TVisitor : struct, IVisitor =>
        Walk(item, 0, ref visitor, resolve, ref unresolved);

    private bool Walk<TVisitor>(ElementNode node, int i, ref TVisitor visitor, Func<ElementNode, ElementNode?>? resolve, ref int unresolved)
        where TVisitor : struct, IVisitor
    {
        if (i == Steps.Length) return visitor.Visit(node);
        var step = Steps[i];
        switch (step.Kind)
        {
            case StepKind.Name:
            {
                var children = node.Children;
                for (var c = 0; c < children.Count; c++)
                    if (children[c].Name == step.Text && !Walk(children[c], i + 1, ref visitor, resolve, ref unresolved)) return false;
                return true;
            }
            case StepKind.Extension:
            {
                var children = node.Children;
                for (var c = 0; c < children.Count; c++)
                    if (children[c] is { Name: "extension" } x && x.Child("url")?.Value == step.Text &&
                        !Walk(x, i + 1, ref visitor, resolve, ref unresolved)) return false;
                return true;
            }
            case StepKind.Type:
                return node.Type != step.Text || Walk(node, i + 1, ref visitor, resolve, ref unresolved);
            default:
                if (resolve?.Invoke(node) is { } target) return Walk(target, i + 1, ref visitor, resolve, ref unresolved);
                unresolved++;
                return true;
        }
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

    internal enum StepKind { Name, Extension, Type, Resolve }

    internal readonly record struct Step(StepKind Kind, string Text);

    public override string ToString() => Text;
}
