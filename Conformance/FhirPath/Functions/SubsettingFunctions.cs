using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.3 Subsetting: single, first, last, tail, skip, take, intersect, exclude.</summary>
internal static class SubsettingFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("single", 0, (_, input) => Items.Of(Items.Single(input, "single")));
        r.Add("first", 0, (_, input) => input.Count > 0 ? [input[0]] : Items.Empty);
        r.Add("last", 0, (_, input) => input.Count > 0 ? [input[^1]] : Items.Empty);
        r.Add("tail", 0, (_, input) => input.Skip(1).ToList());
        r.Add("skip", 1, (call, input) => Items.SingleInteger(call.Arg(0), "skip") is { } n ? input.Skip(Math.Max(n, 0)).ToList() : input);
        r.Add("take", 1, (call, input) => Items.SingleInteger(call.Arg(0), "take") is { } n ? input.Take(Math.Max(n, 0)).ToList() : Items.Empty);
        r.Add("intersect", 1, (call, input) =>
        {
            var other = DistinctItems.Of(call.Arg(0));
            return Iteration.Distinct(input.Where(other.Contains));
        });
        r.Add("exclude", 1, (call, input) =>
        {
            var other = DistinctItems.Of(call.Arg(0));
            return input.Where(x => !other.Contains(x)).ToList();
        });
    }
}
