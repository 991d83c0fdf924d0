using FhirServer.Conformance.Definitions;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Syntax;

namespace FhirServer.Conformance.FhirPath.Compilation;

/// <summary>
/// The static pass of strict mode: walks the syntax tree with what the definitions say each step may hold, and
/// reports as semantic errors what evaluation cannot always see, because the data that would show it is absent:
/// a name that no possible type of the focus has (<c>(Observation.value as Period).unit</c>: Period has no unit),
/// a choice element named with its type, and, when asked (checkOrderedFunctions), an order-dependent function on
/// a collection whose order is undefined (<c>children().skip(1)</c>).
/// <para>
/// It only reports what is certain: wherever the type is unknown (resolve(), a Resource-typed element, most
/// function results, variables) checking stops until a type test (is/as/ofType, a type name) makes it known again.
/// </para>
/// </summary>
internal sealed class TypeChecker
{
    // Order-dependent functions (N1 §5.3 Subsetting; §5.8 children()/descendants(): "the order is undefined").
    private static readonly HashSet<string> OrderDependent = new(StringComparer.Ordinal) { "first", "last", "tail", "skip", "take" };

    // Functions whose argument is evaluated once per input item, with that item as $this.
    private static readonly HashSet<string> Iterating = new(StringComparer.Ordinal)
    {
        "where", "select", "exists", "all", "repeat", "repeatAll", "sort", "aggregate",
    };

    // Functions that return some of their input (the input's kinds and order).
    private static readonly HashSet<string> Filtering = new(StringComparer.Ordinal)
    {
        "where", "first", "last", "tail", "skip", "take", "single", "distinct", "intersect", "exclude", "trace", "slice",
    };

    private readonly DefinitionRegistry _registry;
    private readonly bool _checkNames;
    private readonly bool _checkOrder;
    private readonly Shape _input;

    private TypeChecker(DefinitionRegistry registry, Shape input, bool checkNames, bool checkOrder)
    {
        _registry = registry;
        _input = input;
        _checkNames = checkNames;
        _checkOrder = checkOrder;
    }

    /// <summary>Throws a semantic <see cref="FhirPathException"/> for the first problem found.</summary>
    /// <param name="input">What the input may be: types (a resource or data type name) with the element that defines
    /// them when the input is an element within a resource (null: the type's own root); null when unknown.</param>
    public static void Check(Expr expr, DefinitionRegistry registry, IReadOnlyList<(ElementDefinitionInfo? Element, string Type)>? input,
        bool checkNames, bool checkOrder)
    {
        var shape = input is null ? Shape.Any : new Shape([.. input.Select(i => new Kind(i.Element, i.Type))], true);
        new TypeChecker(registry, shape, checkNames, checkOrder).Visit(expr, shape);
    }

    /// <summary>The input kinds of an element's invariants: the element itself, with each of its types.</summary>
    public static IReadOnlyList<(ElementDefinitionInfo? Element, string Type)>? InputOf(ElementDefinitionInfo element)
    {
        if (element.Parent is null) return [(null, element.Structure.Type)];
        if (element.HasInlineChildren) return [(element, element.TypeCode ?? "BackboneElement")];
        if (element.Types.Count == 0) return null;
        return [.. element.Types.Select(t => ((ElementDefinitionInfo?)element, t.Code))];
    }

    /// <summary>One kind of node a collection may hold: a node of <see cref="Type"/> defined by <see cref="Element"/> (null: the type's own root).</summary>
    private sealed record Kind(ElementDefinitionInfo? Element, string Type);

    /// <summary>What a collection may hold: its node kinds (null: unknown; System values have none) and whether its order is defined.</summary>
    private readonly record struct Shape(IReadOnlyList<Kind>? Kinds, bool Ordered)
    {
        public static readonly Shape Any = new(null, true);
        public static readonly Shape Values = new([], true);

        public Shape WithOrder(bool ordered) => this with { Ordered = ordered };

        public static Shape Merge(Shape a, Shape b) =>
            new(a.Kinds is null || b.Kinds is null ? null : [.. a.Kinds.Concat(b.Kinds).Distinct()], a.Ordered && b.Ordered);
    }

    private Shape Visit(Expr expr, Shape @this) => expr switch
    {
        LiteralExpr or EmptyExpr => Shape.Values,
        IdentifierExpr id => Navigate(@this, id.Name, head: true, id.Position),
        MemberExpr m => Navigate(Visit(m.Target, @this), m.Name, head: false, m.Position),
        SpecialVariableExpr { Name: "this" } => @this,
        SpecialVariableExpr { Name: "index" } => Shape.Values,
        SpecialVariableExpr => Shape.Any,
        VariableExpr { Name: "context" } => _input,
        VariableExpr { Name: "resource" or "rootResource" } => Shape.Any,
        VariableExpr => Shape.Any,
        FunctionCallExpr call => Function(call, @this),
        IndexerExpr ix => Indexer(ix, @this),
        UnaryExpr u => ValuesAfter(u.Operand, @this),
        BinaryExpr b => Binary(b, @this),
        TypeOperatorExpr { Operator: "is" } t => ValuesAfter(t.Operand, @this),
        TypeOperatorExpr t => OfType(Visit(t.Operand, @this), t.Type),
        _ => Shape.Any,
    };

    // An expression whose result is System values, once its operand is checked.
    private Shape ValuesAfter(Expr operand, Shape @this)
    {
        Visit(operand, @this);
        return Shape.Values;
    }

    private Shape Binary(BinaryExpr b, Shape @this)
    {
        var left = Visit(b.Left, @this);
        var right = Visit(b.Right, @this);
        return b.Operator == "|" ? Shape.Merge(left, right) : Shape.Values;
    }

    private Shape Indexer(IndexerExpr ix, Shape @this)
    {
        var target = Visit(ix.Target, @this);
        Visit(ix.Index, @this);
        if (_checkOrder && !target.Ordered)
            throw FhirPathException.Semantic("An indexer on a collection whose order is undefined (from children() or descendants())", ix.Position);
        return target;
    }

    private Shape Function(FunctionCallExpr call, Shape @this)
    {
        var input = call.Target is null ? @this : Visit(call.Target, @this);
        var name = call.Name;
        if (_checkOrder && !input.Ordered && OrderDependent.Contains(name))
            throw FhirPathException.Semantic($"{name}() depends on the order of a collection whose order is undefined (from children() or descendants())", call.Position);

        if (name is "is" or "as" or "ofType")
            return name == "is" || call.Arguments.Count != 1 || TypeName(call.Arguments[0]) is not { } type ? Shape.Values : OfType(input, type);

        // Iterating functions see each input item as $this; iif with an explicit input sees that input; the others
        // evaluate their arguments in the caller's frame.
        var argumentThis = Iterating.Contains(name) ? input.WithOrder(true)
            : name == "iif" && call.Target is not null ? input
            : @this;
        var arguments = call.Arguments.Select(a => Visit(a, argumentThis)).ToList();

        return name switch
        {
            _ when Filtering.Contains(name) => input,
            "select" => arguments[0].WithOrder(input.Ordered && arguments[0].Ordered),
            "sort" => input.WithOrder(true),
            "children" or "descendants" => Shape.Any.WithOrder(false),
            "union" or "combine" => Shape.Merge(input, arguments[0]),
            "iif" => arguments.Count > 2 ? Shape.Merge(arguments[1], arguments[2]) : arguments[1],
            "extension" => new Shape([new Kind(null, "Extension")], input.Ordered),
            "elementDefinition" => new Shape([new Kind(null, "ElementDefinition")], input.Ordered),
            "exists" or "all" or "empty" or "count" or "not" or "hasValue" or "allTrue" or "anyTrue" or "allFalse" or "anyFalse"
                or "subsetOf" or "supersetOf" or "isDistinct" or "memberOf" or "conformsTo" or "htmlChecks" or "getValue" => Shape.Values,
            _ => Shape.Any,
        };
    }

    // as / ofType: the kinds of the focus that are of the type, or the type itself when the focus is unknown.
    private Shape OfType(Shape input, TypeSpecifier type)
    {
        if (type.Namespace == "System" || !_registry.IsKnownType(type.Name)) return Shape.Values;
        if (input.Kinds is null) return new Shape([new Kind(null, type.Name)], input.Ordered);
        var kinds = input.Kinds.Where(k => TypeOperations.Inherits(k.Type, type.Name, _registry)).ToList();
        // An abstract kind (Resource, DomainResource) may turn out to be the type asked.
        if (input.Kinds.Any(k => IsAbstract(k.Type) && TypeOperations.Inherits(type.Name, k.Type, _registry)))
            kinds.Add(new Kind(null, type.Name));
        return new Shape(kinds, input.Ordered);
    }

    private Shape Navigate(Shape focus, string name, bool head, int position)
    {
        if (focus.Kinds is null) return focus;
        if (head && name.Length > 0 && char.IsUpper(name[0]) && _registry.IsKnownType(name))
        {
            // A type name at the head of a path selects the focus when it is of that type (checked at evaluation).
            var matching = focus.Kinds.Where(k => TypeOperations.Inherits(k.Type, name, _registry) || IsAbstract(k.Type)).ToList();
            return new Shape(matching, focus.Ordered);
        }
        var result = new List<Kind>();
        var allKnown = focus.Kinds.Count > 0;
        foreach (var kind in focus.Kinds)
        {
            var children = ChildrenOf(kind);
            if (children is null)
                return Shape.Any.WithOrder(focus.Ordered);
            var found = false;
            foreach (var c in children)
            {
                if (c.Name == name)
                {
                    found = true;
                    if (KindsOf(c) is not { } kinds) return Shape.Any.WithOrder(focus.Ordered);
                    result.AddRange(kinds);
                    continue;
                }
                if (c.IsChoice && name.StartsWith(c.Name, StringComparison.Ordinal) && c.Types.Any(t => c.Name + t.ChoiceSuffix == name))
                    throw FhirPathException.Semantic($"'{name}' is not an element name: use '{c.Name}' (optionally with ofType())", position);
            }
            allKnown &= !found;
        }
        if (_checkNames && allKnown && result.Count == 0)
            throw FhirPathException.Semantic($"'{name}' is not an element of {string.Join(" or ", focus.Kinds.Select(k => k.Type).Distinct())}", position);
        return new Shape(result, focus.Ordered);
    }

    // The element definitions under a kind; null when they depend on the instance (abstract types) or are unknown.
    private IReadOnlyList<ElementDefinitionInfo>? ChildrenOf(Kind kind)
    {
        if (kind.Element is { HasInlineChildren: true } inline) return inline.Children;
        var sd = _registry.GetTypeDefinition(kind.Type);
        if (sd?.Root is null || sd.IsAbstract) return null;
        return sd.Root.Children;
    }

    // The kinds a child element may hold: one per type of a choice; null when the definition does not say.
    private static IEnumerable<Kind>? KindsOf(ElementDefinitionInfo child)
    {
        if (child.HasInlineChildren) return [new Kind(child, child.TypeCode ?? "BackboneElement")];
        if (child.Types.Count == 0) return null;
        return child.Types.Select(t => new Kind(child, t.Code));
    }

    private bool IsAbstract(string type) => _registry.GetTypeDefinition(type)?.IsAbstract == true;

    private static TypeSpecifier? TypeName(Expr e) => e switch
    {
        IdentifierExpr id => new TypeSpecifier(null, id.Name),
        MemberExpr { Target: IdentifierExpr ns } m => new TypeSpecifier(ns.Name, m.Name),
        _ => null,
    };
}
