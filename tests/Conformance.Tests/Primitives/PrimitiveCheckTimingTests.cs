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
        void RunBefore((string Type, string Value, Kind Kind)[] subset)
        {
            foreach (var (type, value, kind) in subset) Before(type, value, kind);
        }
        void RunAfter((string Type, string Value, Kind Kind)[] subset)
        {
            foreach (var (type, value, _) in subset) rules.Check(type, value, options);
        }

        // Warm up both paths long enough for tiered compilation to finish optimizing them before anything is timed.
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < 60 || warmUp.ElapsedMilliseconds < 1500; i++)
        {
            RunBefore(values);
            RunAfter(values);
        }
        Thread.Sleep(300);

        foreach (var (label, only) in new (string, Kind[])[]
        {
            ("regex types", [Kind.Lexed]),
            ("xhtml", [Kind.Xhtml]),
            ("both", [Kind.Lexed, Kind.Xhtml]),
            ("all values", [Kind.Lexed, Kind.Xhtml, Kind.Other]),
        })
        {
            var subset = values.Where(v => only.Contains(v.Kind)).ToArray();
            // Interleaved passes; min and median, since other processes share the machine; bytes allocated per pass.
            var times = (Before: new List<double>(), After: new List<double>());
            var bytes = (Before: 0L, After: 0L);
            for (var i = 0; i < Passes; i++)
            {
                bytes.Before += Time(() => RunBefore(subset), times.Before);
                bytes.After += Time(() => RunAfter(subset), times.After);
            }
            TestContext.Out.WriteLine($"{label,-11} before {Describe(times.Before, bytes.Before / Passes)}   after {Describe(times.After, bytes.After / Passes)}");
        }
    }

    private const int Passes = 15;

    private static long Time(Action pass, List<double> times)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        pass();
        times.Add(watch.Elapsed.TotalMilliseconds);
        return GC.GetAllocatedBytesForCurrentThread() - allocated;
    }

    private static string Describe(List<double> times, long bytes)
    {
        times.Sort();
        return $"min {times[0],7:F2} ms, median {times[times.Count / 2],7:F2} ms, {bytes / 1024.0,8:N0} KB";
    }

    private static bool IsOptimized(Type type) =>
        type.Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];
}
