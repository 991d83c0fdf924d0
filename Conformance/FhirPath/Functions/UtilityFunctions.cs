using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.9 Utility (trace, now, today, timeOfDay), §7 aggregate, §10 type(), and the 2.x sort().</summary>
internal static class UtilityFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("trace", 1, 2, (call, input) =>
        {
            var name = Items.SingleString(call.Arg(0), "trace") ?? "";
            if (call.Context.Trace is { } trace)
            {
                var shown = call.Count > 1 ? input.SelectMany((item, i) => Iteration.Each(call, 1, item, i)).ToList() : input;
                trace(name, shown);
            }
            return input;
        });
        r.Add("now", 0, (call, _) => [FromClock(call.Frame.State.Now, TemporalKind.DateTime)]);
        r.Add("today", 0, (call, _) => [FromClock(call.Frame.State.Now, TemporalKind.Date)]);
        r.Add("timeOfDay", 0, (call, _) => [FromClock(call.Frame.State.Now, TemporalKind.Time)]);
        r.Add("aggregate", 1, 2, (call, input) =>
        {
            var total = call.Count > 1 ? call.Arg(1) : Items.Empty;
            for (var i = 0; i < input.Count; i++) total = call.Args[0](call.Frame.WithTotal(input[i], i, total));
            return total;
        });
        r.Add("type", 0, (_, input) => input.Select(i => (object)TypeOf(i)).ToList());
        r.Add("sort", 0, int.MaxValue, Sort, ArgumentKind.SortKeys);
    }

    private static PartialDateTime FromClock(DateTimeOffset now, TemporalKind kind) => new(kind,
        kind == TemporalKind.Date ? TemporalPrecision.Day : TemporalPrecision.Millisecond,
        now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, now.Millisecond,
        kind == TemporalKind.DateTime ? now.Offset : null);

    private static TypeInfoValue TypeOf(object item) => item is ElementNode n
        ? new TypeInfoValue("FHIR", n.Type)
        : new TypeInfoValue("System", SystemValues.SystemTypeName(item) ?? item.GetType().Name);

    private static IReadOnlyList<object> Sort(Call call, IReadOnlyList<object> input)
    {
        var keyed = input.Select((item, i) => (Item: item, Keys: call.Args.Select((_, k) => Items.Single(Iteration.Each(call, k, item, i), "sort key")).ToArray())).ToList();
        int Compare(object? a, object? b) => Comparison.Compare(a!, b!) ?? 0;
        var sorted = keyed.Order(Comparer<(object Item, object?[] Keys)>.Create((x, y) =>
        {
            if (call.Count == 0) return Compare(x.Item, y.Item);
            for (var k = 0; k < call.Count; k++)
            {
                // An empty key sorts first in either direction, as the R4 suite's sort(-family, …) expects.
                if (x.Keys[k] is null || y.Keys[k] is null)
                {
                    if (x.Keys[k] is null && y.Keys[k] is null) continue;
                    return x.Keys[k] is null ? -1 : 1;
                }
                var c = Compare(x.Keys[k], y.Keys[k]);
                if (c != 0) return call.Descending![k] ? -c : c;
            }
            return 0;
        }));
        return sorted.Select(x => x.Item).ToList();
    }
}
