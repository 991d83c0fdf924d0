using FhirServer.Conformance.FhirPath.Functions;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Syntax;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Compilation;

/// <summary>
/// Turns the syntax tree into nested delegates, once per expression. Unknown functions, wrong argument counts and
/// misplaced type names are semantic errors found here, before any evaluation.
/// </summary>
internal static class Compiler
{
    private const string Ucum = "http://unitsofmeasure.org";

    public static Evaluator Compile(Expr expr) => expr switch
    {
        LiteralExpr l => Constant(l.Value),
        EmptyExpr => _ => Items.Empty,
        IdentifierExpr or MemberExpr => PathFrom(expr),
        SpecialVariableExpr s => s.Name switch
        {
            "this" => f => f.This,
            "index" => f => [f.Index],
            _ => f => f.Total ?? throw FhirPathException.Execution("$total is only defined within aggregate()"),
        },
        VariableExpr v => Variable(v),
        FunctionCallExpr call => Function(call),
        IndexerExpr ix => Indexer(ix),
        UnaryExpr { Operator: "-", Operand: LiteralExpr lit } u => Constant(NegateConstant(lit.Value, u.Position)),
        UnaryExpr u => u.Operator == "-" ? OperatorEvaluators.Negate(Compile(u.Operand)) : OperatorEvaluators.Plus(Compile(u.Operand)),
        BinaryExpr { Operator: "|" } b => OperatorEvaluators.UnionAll([.. UnionOperands(b).Select(Compile)]),
        BinaryExpr b => PathAgainstConstant(b) ?? OperatorEvaluators.Binary(b.Operator, Compile(b.Left), Compile(b.Right)),
        TypeOperatorExpr t => TypeOperator(t),
        _ => throw FhirPathException.Semantic($"Unsupported expression {expr.GetType().Name}", expr.Position),
    };

    private static IEnumerable<Expr> UnionOperands(Expr e) => e is BinaryExpr { Operator: "|" } b
        ? UnionOperands(b.Left).Concat(UnionOperands(b.Right))
        : [e];

    private static Evaluator Constant(object value)
    {
        IReadOnlyList<object> result = [value];
        return _ => result;
    }

    private static object NegateConstant(object value, int position) => value switch
    {
        int i => -i,
        long l => -l,
        decimal d => -d,
        Quantity q => q with { Value = -q.Value },
        _ => throw FhirPathException.Semantic($"Unary '-' cannot apply to a {SystemValues.TypeName(value)}", position),
    };

    // A chain of names becomes one MemberPath, from $this when it starts with an identifier, else from its target's result.
    private static Evaluator PathFrom(Expr expr)
    {
        if (RootedPath(expr) is { } rooted) return f => rooted.Evaluate(f);
        var names = new List<string>();
        var e = expr;
        while (e is MemberExpr m)
        {
            names.Add(m.Name);
            e = m.Target;
        }
        names.Reverse();
        var target = Compile(e);
        var path = new MemberPath(null, [.. names]);
        return f => path.Evaluate(target(f), f.State.Context);
    }

    /// <summary>A chain of names that starts with an identifier (<c>name.given</c>, <c>Patient.birthDate</c>): a path from $this.</summary>
    private static MemberPath? RootedPath(Expr expr)
    {
        var names = new List<string>();
        var e = expr;
        while (e is MemberExpr m)
        {
            names.Add(m.Name);
            e = m.Target;
        }
        if (e is not IdentifierExpr id) return null;
        names.Reverse();
        var typeName = id.Name.Length > 0 && char.IsUpper(id.Name[0]) ? id.Name : null;
        if (typeName is null) names.Insert(0, id.Name);
        return new MemberPath(typeName, [.. names]);
    }

    // path = 'literal', birthDate < @1960-01-01 …: the path's items are compared where they are found, without a
    // collection for either side (the usual shape of where() criteria and search expressions).
    private static Evaluator? PathAgainstConstant(BinaryExpr b)
    {
        if (b.Operator is not ("=" or "!=" or "<" or ">" or "<=" or ">=")) return null;
        if (RootedPath(b.Left) is { } left && ConstantOf(b.Right) is { } right)
            return OperatorEvaluators.PathAgainstConstant(b.Operator, left, right, pathOnLeft: true);
        if (ConstantOf(b.Left) is { } constant && RootedPath(b.Right) is { } path)
            return OperatorEvaluators.PathAgainstConstant(b.Operator, path, constant, pathOnLeft: false);
        return null;
    }

    private static object? ConstantOf(Expr e) => e switch
    {
        LiteralExpr l => l.Value,
        UnaryExpr { Operator: "-", Operand: LiteralExpr lit } u => NegateConstant(lit.Value, u.Position),
        _ => null,
    };

    // Environment variables of N1 §9 and FHIR R4 fhirpath.html ("Variables").
    private static Evaluator Variable(VariableExpr v)
    {
        switch (v.Name)
        {
            case "ucum": return Constant(Ucum);
            case "sct": return Constant("http://snomed.info/sct");
            case "loinc": return Constant("http://loinc.org");
            case "context": return f => f.State.Context.Variables.GetValueOrDefault("context") ?? f.State.Input;
            case "resource": return f => f.State.Context.Variables.GetValueOrDefault("resource") ?? Items.Of(f.State.Resource);
            case "rootResource": return f => f.State.Context.Variables.GetValueOrDefault("rootResource") ?? Items.Of(f.State.RootResource);
        }
        if (v.Name.StartsWith("vs-", StringComparison.Ordinal)) return Constant("http://hl7.org/fhir/ValueSet/" + v.Name[3..]);
        if (v.Name.StartsWith("ext-", StringComparison.Ordinal)) return Constant("http://hl7.org/fhir/StructureDefinition/" + v.Name[4..]);
        return f => f.State.Context.Variables.TryGetValue(v.Name, out var value)
            ? value
            : throw FhirPathException.Execution($"Unknown environment variable '%{v.Name}'");
    }

    private static Evaluator Indexer(IndexerExpr ix)
    {
        var target = Compile(ix.Target);
        var index = Compile(ix.Index);
        return f =>
        {
            var items = target(f);
            var i = Items.SingleInteger(index(f), "[]");
            return i is { } n && n >= 0 && n < items.Count ? [items[n]] : Items.Empty;
        };
    }

    private static Evaluator TypeOperator(TypeOperatorExpr t)
    {
        var operand = Compile(t.Operand);
        var type = t.Type;
        if (t.Operator == "is")
            return f =>
            {
                TypeOperations.EnsureKnown(type, f.State.Context.Registry);
                var item = Items.Single(operand(f), "is");
                return item is null ? Items.Empty : Items.Bool(TypeOperations.Is(item, type, f.State.Context.Registry));
            };
        return f => TypeOperations.As(operand(f), type, f.State.Context, filterSeveral: true);
    }

    private static Evaluator Function(FunctionCallExpr call)
    {
        var definition = FunctionTable.Find(call.Name, call.Arguments.Count) ?? throw (FunctionTable.Exists(call.Name)
            ? FhirPathException.Semantic($"Function '{call.Name}' does not take {call.Arguments.Count} argument(s)", call.Position)
            : FhirPathException.Semantic($"Unknown function '{call.Name}'", call.Position));
        var target = call.Target is null ? null : Compile(call.Target);
        TypeSpecifier? type = null;
        bool[]? descending = null;
        Evaluator[] args;
        switch (definition.Arguments)
        {
            case ArgumentKind.TypeName:
                type = ToTypeSpecifier(call.Arguments[0]);
                args = [];
                break;
            case ArgumentKind.SortKeys:
                // sort(-key) orders by the key descending, whatever its type (N1 2.x sort(); strings cannot be negated).
                descending = call.Arguments.Select(a => a is UnaryExpr { Operator: "-" }).ToArray();
                args = call.Arguments.Select(a => Compile(a is UnaryExpr { Operator: "-" } u ? u.Operand : a)).ToArray();
                break;
            default:
                args = call.Arguments.Select(Compile).ToArray();
                break;
        }
        var body = definition.Body;
        var name = call.Name;
        return f => body(new Call(f, args, type, name, descending), target is null ? f.This : target(f));
    }

    // The argument of is(), as() and ofType() is a type name, parsed as an identifier or a qualified member access.
    private static TypeSpecifier ToTypeSpecifier(Expr e) => e switch
    {
        IdentifierExpr id => new TypeSpecifier(null, id.Name),
        MemberExpr { Target: IdentifierExpr ns } m => new TypeSpecifier(ns.Name, m.Name),
        _ => throw FhirPathException.Semantic("Expected a type name", e.Position),
    };
}
