using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.2 Filtering and projection: where, select, repeat, ofType; and the function forms of is/as (N1 §6.3).</summary>
internal static class FilteringFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("where", 1, (call, input) =>
        {
            var result = new ItemBuilder();
            for (var i = 0; i < input.Count; i++)
                if (Iteration.Criterion(call, 0, input[i], i) == true) result.Add(input[i]);
            return result.ToList();
        });
        r.Add("select", 1, (call, input) =>
        {
            if (input.Count == 1) return Iteration.Each(call, 0, input[0], 0);
            var result = new ItemBuilder();
            for (var i = 0; i < input.Count; i++) result.AddRange(Iteration.Each(call, 0, input[i], i));
            return result.ToList();
        });
        r.Add("repeat", 1, (call, input) => Repeat(call, input, distinct: true));
        r.Add("repeatAll", 1, (call, input) => Repeat(call, input, distinct: false));
        r.Add("is", 1, 1, (call, input) =>
        {
            TypeOperations.EnsureKnown(call.Type!, call.Context.Registry);
            var item = Items.Single(input, "is");
            return item is null ? Items.Empty : Items.Bool(TypeOperations.Is(item, call.Type!, call.Context.Registry));
        }, ArgumentKind.TypeName);
        r.Add("as", 1, 1, (call, input) => TypeOperations.As(input, call.Type!, call.Context, filterSeveral: false), ArgumentKind.TypeName);
        r.Add("ofType", 1, 1, (call, input) =>
        {
            var registry = call.Context.Registry;
            TypeOperations.EnsureKnown(call.Type!, registry);
            var result = new ItemBuilder();
            for (var i = 0; i < input.Count; i++)
                if (TypeOperations.Is(input[i], call.Type!, registry, exact: true)) result.Add(input[i]);
            return result.ToList();
        }, ArgumentKind.TypeName);
    }

    // Items found at each round feed the next; an item already found is not followed again (N1 §5.2 repeat).
    private static IReadOnlyList<object> Repeat(Call call, IReadOnlyList<object> input, bool distinct)
    {
        var result = new List<object>();
        var current = input;
        var rounds = 0;
        while (current.Count > 0)
        {
            if (++rounds > 10_000) throw FhirPathException.Execution("repeat() does not terminate");
            var next = new List<object>();
            for (var i = 0; i < current.Count; i++)
                foreach (var item in Iteration.Each(call, 0, current[i], i))
                {
                    if (distinct && !Iteration.AddDistinct(result, item)) continue;
                    if (!distinct) result.Add(item);
                    next.Add(item);
                }
            current = next;
        }
        return result;
    }
}
