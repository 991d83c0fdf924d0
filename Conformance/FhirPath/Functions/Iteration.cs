using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>Evaluating an argument once per input item, with <c>$this</c> and <c>$index</c> set (N1 §5.2 where/select).</summary>
internal static class Iteration
{
    public static IReadOnlyList<object> Each(Call call, int arg, object item, int index) => call.Args[arg](call.Frame.Iterate(item, index));

    public static bool? Criterion(Call call, int arg, object item, int index) =>
        Items.AsBoolean(Each(call, arg, item, index), call.Name);

    /// <summary>Adds an item unless an equal one is there (nodes by identity: a tree node is itself).</summary>
    public static bool AddDistinct(List<object> result, object item)
    {
        foreach (var x in result)
        {
            if (ReferenceEquals(x, item)) return false;
            if (item is ElementNode && x is ElementNode) continue;
            if (Equality.ItemsEqual(x, item) == true) return false;
        }
        result.Add(item);
        return true;
    }

    public static IReadOnlyList<object> Distinct(IEnumerable<object> items) => DistinctItems.Of(items).Items;
}
