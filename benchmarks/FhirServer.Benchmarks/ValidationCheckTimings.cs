using System.Diagnostics;
using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Cli;

/// <summary>
/// <c>validation --check-timings</c>: a validator whose every check is timed (each aspect's checks wrapped as they
/// are compiled), run over a workload's warm loop, and the checks that cost most printed, invariants by key: what
/// to make native next. The timings are inclusive (a check that validates against a profile counts that profile's
/// checks too) and include the stopwatch's own cost, so they rank rather than measure.
/// </summary>
internal static class ValidationCheckTimings
{
    private sealed class Cost
    {
        public long Ticks;
        public long Calls;
        public long Failures;
    }

    private sealed class TimedAspect(IAspectBuilder inner, Dictionary<string, Cost> costs) : IAspectBuilder
    {
        public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
        {
            var start = checks.Count;
            inner.Build(element, json, checks);
            for (var i = start; i < checks.Count; i++)
            {
                // Invariant checks name themselves by key; the other aspects' checks by their type.
                var key = checks[i].ToString() ?? checks[i].GetType().Name;
                lock (costs)
                {
                    if (!costs.TryGetValue(key, out var cost)) costs[key] = cost = new Cost();
                    checks[i] = new TimedCheck(checks[i], cost);
                }
            }
        }
    }

    private sealed class TimedCheck(IElementCheck inner, Cost cost) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            var issues = state.Issues.Count;
            var start = Stopwatch.GetTimestamp();
            inner.Check(node, state);
            cost.Ticks += Stopwatch.GetTimestamp() - start;
            cost.Calls++;
            if (state.Issues.Count > issues) cost.Failures++;
        }
    }

    public static void Run(string workload, List<ElementNode> resources, double seconds, Func<IReadOnlyList<IAspectBuilder>, ResourceValidator> create)
    {
        var costs = new Dictionary<string, Cost>(StringComparer.Ordinal);
        var validator = create([.. ValidationAspects.Default.Select(a => new TimedAspect(a, costs))]);
        foreach (var r in resources) validator.Validate(r);
        foreach (var c in costs.Values) c.Ticks = c.Calls = c.Failures = 0;
        long validations = 0;
        var sw = Stopwatch.StartNew();
        var rate = ValidateBenchCommand.Loop(resources.Count, seconds, i =>
        {
            validator.Validate(resources[i]);
            validations++;
        });
        var total = sw.Elapsed.TotalSeconds;
        var inChecks = costs.Values.Sum(c => c.Ticks) / (double)Stopwatch.Frequency;
        Console.WriteLine($"{workload}: checks timed over {validations:N0} validations ({rate:N0}/s with the timing): {inChecks / total:P0} of the time in checks, the rest in the walker");
        Console.WriteLine($"  {"check",-28} {"share",6} {"µs/validation",14} {"ns/call",8} {"calls/validation",17} {"failing",8}");
        foreach (var (key, cost) in costs.OrderByDescending(c => c.Value.Ticks).Take(20))
        {
            var seconds1 = cost.Ticks / (double)Stopwatch.Frequency;
            Console.WriteLine($"  {key,-28} {seconds1 / total,6:P1} {seconds1 * 1e6 / validations,14:F1} {(cost.Calls == 0 ? 0 : seconds1 * 1e9 / cost.Calls),8:F0} " +
                $"{cost.Calls / (double)validations,17:F1} {cost.Failures,8:N0}");
        }
    }
}
