using System.Diagnostics;
using FhirServer.Conformance.Serialization;
using FhirServer.Conformance.Tests.Support;
namespace FhirServer.Conformance.Tests.Primitives;
public class TmpProbe
{
    [Test]
    public void ByType()
    {
        var rules = TestData.Context.Primitives;
        foreach (var g in ExampleValues.All.GroupBy(v => v.Type))
        {
            if (!ExampleValues.LexerTypes.Contains(g.Key)) continue;
            var arr = g.ToArray();
            var re = ExampleValues.SpecRegex(g.Key)!;
            double T(Action a) { var w0 = Stopwatch.StartNew(); while (w0.ElapsedMilliseconds < 300) a(); var best = double.MaxValue; for (var k = 0; k < 30; k++) { var w = Stopwatch.StartNew(); a(); best = Math.Min(best, w.Elapsed.TotalMilliseconds); } return best; }
            var lex = T(() => { foreach (var (t, v) in arr) PrimitiveLexer.TryValidate(t, v, out _); });
            var chk = T(() => { foreach (var (t, v) in arr) rules.Check(t, v, ParserOptions.Default); });
            var rx = T(() => { foreach (var (t, v) in arr) re.IsMatch(v); });
            TestContext.Out.WriteLine($"{g.Key,-12} {arr.Length,7} lexer {lex,8:F3} check {chk,8:F3} regex {rx,8:F3} ms");
        }
    }
}
