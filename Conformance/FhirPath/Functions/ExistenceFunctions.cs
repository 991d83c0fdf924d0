using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.1 Existence: empty, exists, all, allTrue/anyTrue/allFalse/anyFalse, subsetOf, supersetOf, count, distinct, isDistinct.</summary>
internal static class ExistenceFunctions
{
    public static void Register(FunctionRegistry r)
    {
        // not() is the Boolean negation of N1 §6.5, on a collection evaluated as a singleton Boolean.
        r.Add("not", 0, (_, input) => Items.AsBoolean(input, "not") is { } b ? Items.Bool(!b) : Items.Empty);
        r.Add("empty", 0, (_, input) => Items.Bool(input.Count == 0));
        r.Add("exists", 0, 1, (call, input) =>
        {
            if (call.Count == 0) return Items.Bool(input.Count > 0);
            for (var i = 0; i < input.Count; i++)
                if (Iteration.Criterion(call, 0, input[i], i) == true) return Items.True;
            return Items.False;
        });
        r.Add("all", 1, (call, input) =>
        {
            for (var i = 0; i < input.Count; i++)
                if (Iteration.Criterion(call, 0, input[i], i) != true) return Items.False;
            return Items.True;
        });
        r.Add("allTrue", 0, (_, input) => Items.Bool(Booleans(input, "allTrue").All(b => b)));
        r.Add("anyTrue", 0, (_, input) => Items.Bool(Booleans(input, "anyTrue").Any(b => b)));
        r.Add("allFalse", 0, (_, input) => Items.Bool(Booleans(input, "allFalse").All(b => !b)));
        r.Add("anyFalse", 0, (_, input) => Items.Bool(Booleans(input, "anyFalse").Any(b => !b)));
        r.Add("subsetOf", 1, (call, input) => Items.Bool(SubsetOf(input, call.Arg(0))));
        r.Add("supersetOf", 1, (call, input) => Items.Bool(SubsetOf(call.Arg(0), input)));
        r.Add("count", 0, (_, input) => [input.Count]);
        r.Add("distinct", 0, (_, input) => Iteration.Distinct(input));
        r.Add("isDistinct", 0, (_, input) => Items.Bool(Iteration.Distinct(input).Count == input.Count));
    }

    // Each item must be a Boolean: the suite's (true | 'foo').allTrue() is an error.
    private static List<bool> Booleans(IReadOnlyList<object> input, string name) =>
        input.Select(i => SystemValues.ToSystem(i) is bool b ? b : throw FhirPathException.Execution($"{name} expects Booleans")).ToList();

    private static bool SubsetOf(IReadOnlyList<object> subset, IReadOnlyList<object> superset)
    {
        var kept = DistinctItems.Of(superset);
        return subset.All(kept.Contains);
    }
}
