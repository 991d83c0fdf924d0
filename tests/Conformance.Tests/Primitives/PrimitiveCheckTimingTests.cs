using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.Primitives;

// Prints what PrimitiveRules.Check costs over every primitive value of the JSON examples, before (declared regex,
// XmlReader per narrative) and after (PrimitiveLexer, XhtmlChecker). Timings are printed, never asserted.
[NonParallelizable]
public class PrimitiveCheckTimingTests
{
    private enum Kind { Lexed, Xhtml, Other }

    [Test]
    public void Time_check_over_the_example_corpus_before_and_after()
    {
        var rules = TestData.Context.Primitives;
        var options = ParserOptions.Default;
        var lexed = ExampleValues.LexerTypes.ToHashSet(StringComparer.Ordinal);
        var values = ExampleValues.All
            .Select(v => (v.Type, v.Value, Kind: v.Type == "xhtml" ? Kind.Xhtml : lexed.Contains(v.Type) ? Kind.Lexed : Kind.Other))
            .ToArray();
        var regexes = new ConcurrentDictionary<string, Regex?>(StringComparer.Ordinal);

        // The code Check ran before the fast paths: a cached regex per type, an XmlReader per narrative.
        string? Before(string type, string value, Kind kind) => kind switch
        {
            Kind.Xhtml => PrimitiveRules.CheckXhtml(value),
            Kind.Lexed => regexes.GetOrAdd(type, ExampleValues.SpecRegex) is { } regex && !regex.IsMatch(value)
                ? $"The value '{PrimitiveRules.Shorten(value)}' is not a valid {type}" : null,
            _ => rules.Check(type, value, options),
        };

        // Same verdicts first, so the timing compares like with like.
        foreach (var (type, value, kind) in values)
            Assert.That(rules.Check(type, value, options), Is.EqualTo(Before(type, value, kind)), $"{type} '{value}'");

        TestContext.Out.WriteLine($"{values.Length:N0} primitive values ({values.Count(v => v.Kind == Kind.Lexed):N0} lexed, "
            + $"{values.Count(v => v.Kind == Kind.Xhtml):N0} narratives) from {TestData.ExamplesFolder}; "
            + $"library optimized: {IsOptimized(typeof(PrimitiveRules))}");
        foreach (var (label, only) in new (string, Kind?)[] { ("regex types", Kind.Lexed), ("xhtml", Kind.Xhtml), ("all values", null) })
        {
            var subset = values.Where(v => only is null || v.Kind == only).ToArray();
            var before = Median(() => { foreach (var (t, v, k) in subset) Before(t, v, k); });
            var after = Median(() => { foreach (var (t, v, _) in subset) rules.Check(t, v, options); });
            TestContext.Out.WriteLine($"{label,-12} before {before,8:F2} ms   after {after,8:F2} ms   ({before / after:F1}x)");
        }
    }

    private static double Median(Action pass)
    {
        // Warm up long enough for tiered compilation to reach optimized code on both paths.
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < 3 || warmUp.ElapsedMilliseconds < 400; i++) pass();
        var times = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            var watch = Stopwatch.StartNew();
            pass();
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static bool IsOptimized(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];
}
