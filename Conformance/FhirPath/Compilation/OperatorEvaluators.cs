using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Compilation;

/// <summary>The collection-level behaviour of each operator (N1 §6): empty propagation, singletons, three-valued logic.</summary>
internal static class OperatorEvaluators
{
    public static Evaluator Binary(string op, Evaluator left, Evaluator right) => op switch
    {
        "and" => f =>
        {
            var l = Items.AsBoolean(left(f), "and");
            if (l == false) return Items.False;
            var r = Items.AsBoolean(right(f), "and");
            return r == false ? Items.False : l == true && r == true ? Items.True : Items.Empty;
        },
        "or" => f =>
        {
            var l = Items.AsBoolean(left(f), "or");
            if (l == true) return Items.True;
            var r = Items.AsBoolean(right(f), "or");
            return r == true ? Items.True : l == false && r == false ? Items.False : Items.Empty;
        },
        "xor" => f =>
        {
            var l = Items.AsBoolean(left(f), "xor");
            var r = Items.AsBoolean(right(f), "xor");
            return l is null || r is null ? Items.Empty : Items.Bool(l != r);
        },
        "implies" => f =>
        {
            var l = Items.AsBoolean(left(f), "implies");
            if (l == false) return Items.True;
            var r = Items.AsBoolean(right(f), "implies");
            return r == true ? Items.True : l == true && r == false ? Items.False : Items.Empty;
        },
        "=" => f => Items.Bool(Equality.CollectionsEqual(left(f), right(f))),
        "!=" => f => Items.Bool(!Equality.CollectionsEqual(left(f), right(f))),
        "~" => f => Items.Bool(Equality.CollectionsEquivalent(left(f), right(f))),
        "!~" => f => Items.Bool(!Equality.CollectionsEquivalent(left(f), right(f))),
        "<" or ">" or "<=" or ">=" => f => Compare(op, left(f), right(f)),
        "|" => f => Union(left(f), right(f)),
        "in" => f => Membership(left(f), right(f), "in"),
        "contains" => f => Membership(right(f), left(f), "contains"),
        "&" => f =>
        {
            var l = Items.SingleString(left(f), "&") ?? "";
            var r = Items.SingleString(right(f), "&") ?? "";
            return [l + r];
        },
        "+" or "-" or "*" or "/" or "div" or "mod" => f =>
        {
            var l = Items.Single(left(f), op);
            var r = Items.Single(right(f), op);
            return l is null || r is null ? Items.Empty : Items.Of(Arithmetic.Apply(op, l, r));
        },
        _ => throw FhirPathException.Semantic($"Unknown operator '{op}'"),
    };

    /// <summary>
    /// A comparison of a path from $this with a constant, with the semantics of the general operators (N1 §6.1,
    /// §6.2): empty gives empty; = and != compare collections (several items are not equal to one); the ordering
    /// operators need a single item.
    /// </summary>
    public static Evaluator PathAgainstConstant(string op, MemberPath path, object constant, bool pathOnLeft)
    {
        return op switch
        {
            "=" => f => Items.Bool(PathEquals(f, path, constant, pathOnLeft)),
            "!=" => f => Items.Bool(!PathEquals(f, path, constant, pathOnLeft)),
            _ => f =>
            {
                var items = new ItemBuilder();
                path.Collect(f, ref items);
                if (items.Count > 1) throw FhirPathException.Execution($"{op} expects a single item but got {items.Count}");
                return items.Count == 0 ? Items.Empty
                    : pathOnLeft ? CompareItems(op, items[0], constant) : CompareItems(op, constant, items[0]);
            },
        };
    }

    private static bool? PathEquals(in Frame f, MemberPath path, object constant, bool pathOnLeft)
    {
        var items = new ItemBuilder();
        path.Collect(f, ref items);
        if (items.Count == 0) return null;
        if (items.Count > 1) return false;
        return pathOnLeft ? Equality.ItemsEqual(items[0], constant) : Equality.ItemsEqual(constant, items[0]);
    }

    public static Evaluator Negate(Evaluator operand) => f =>
    {
        var item = Items.Single(operand(f), "unary -");
        if (item is null) return Items.Empty;
        return SystemValues.ToSystem(item) switch
        {
            int i => [-i],
            long l => [-l],
            decimal d => [-d],
            Quantity q => [q with { Value = -q.Value }],
            _ => throw FhirPathException.Execution($"Cannot negate a {SystemValues.TypeName(item)}"),
        };
    };

    public static Evaluator Plus(Evaluator operand) => f =>
    {
        var items = operand(f);
        var item = Items.Single(items, "unary +");
        if (item is null) return Items.Empty;
        return SystemValues.ToSystem(item) is int or long or decimal or Quantity
            ? items
            : throw FhirPathException.Execution($"Unary + cannot apply to a {SystemValues.TypeName(item)}");
    };

    private static IReadOnlyList<object> Compare(string op, IReadOnlyList<object> left, IReadOnlyList<object> right)
    {
        var l = Items.Single(left, op);
        var r = Items.Single(right, op);
        if (l is null || r is null) return Items.Empty;
        return CompareItems(op, l, r);
    }

    private static IReadOnlyList<object> CompareItems(string op, object l, object r)
    {
        var c = Comparison.Compare(l, r);
        if (c is null) return Items.Empty;
        return Items.Bool(op switch { "<" => c < 0, ">" => c > 0, "<=" => c <= 0, _ => c >= 0 });
    }

    public static IReadOnlyList<object> Union(IReadOnlyList<object> left, IReadOnlyList<object> right) => UnionOf([left, right]);

    /// <summary>
    /// <c>a | b | c …</c> as one union: union is associative and keeps first occurrences in order, so the chain
    /// the parser builds ((a | b) | c) gives the same collection without one intermediate per operator. The R4
    /// SearchParameters that span many resource types are unions of dozens of paths.
    /// </summary>
    public static Evaluator UnionAll(Evaluator[] parts) => f =>
    {
        var results = new IReadOnlyList<object>[parts.Length];
        for (var i = 0; i < parts.Length; i++) results[i] = parts[i](f);
        return UnionOf(results);
    };

    // Up to this many items, comparing each with those kept costs less than hashing them.
    private const int SmallUnion = 16;

    private static IReadOnlyList<object> UnionOf(ReadOnlySpan<IReadOnlyList<object>> parts)
    {
        var total = 0;
        foreach (var part in parts) total += part.Count;
        if (total > SmallUnion)
        {
            var distinct = new DistinctItems();
            foreach (var part in parts)
                for (var i = 0; i < part.Count; i++) distinct.Add(part[i]);
            return distinct.Items;
        }
        var result = new ItemBuilder();
        foreach (var part in parts) AddDistinct(ref result, part);
        return result.ToList();
    }

    private static void AddDistinct(ref ItemBuilder result, IReadOnlyList<object> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var seen = false;
            for (var j = 0; j < result.Count && !seen; j++) seen = Equality.ItemsEqual(result[j], item) == true;
            if (!seen) result.Add(item);
        }
    }

    private static IReadOnlyList<object> Membership(IReadOnlyList<object> element, IReadOnlyList<object> collection, string op)
    {
        var item = Items.Single(element, op);
        if (item is null) return Items.Empty;
        return Items.Bool(collection.Any(x => Equality.ItemsEqual(item, x) == true));
    }
}
