using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// <see cref="FhirPathLimits"/>: an expression at the limits compiles and evaluates, one past them is a syntax error
/// that names the limit, and no expression text, however deep, exhausts the stack. What is accepted is run on a
/// thread with less than half of a thread pool thread's stack (<see cref="SmallStack"/>), so that the defaults are known to
/// leave that margin in parsing, compiling, the static check and evaluation.
/// </summary>
public sealed class FhirPathLimitTests
{
    private static readonly int MaxDepth = FhirPathLimits.Default.MaxDepth;

    // For the deepest texts, so that the depth limit is what refuses them, not the length.
    private static readonly FhirPathLimits AnyLength = new() { MaxLength = int.MaxValue };

    private static ElementNode Patient() =>
        TestData.Context.Json.Parse("""{"resourceType":"Patient","id":"p","name":[{"family":"A","given":["B"]}]}""").Resource!;

    private static FhirPathContext Context() => new() { Registry = TestData.Context.Registry, Strict = true };

    private static string Nested(string open, string inner, string close, int times) =>
        string.Concat(Enumerable.Repeat(open, times)) + inner + string.Concat(Enumerable.Repeat(close, times));

    private static FhirPathException Refused(string expression, FhirPathLimits? limits = null) =>
        Assert.Throws<FhirPathException>(() => SmallStack.Run(() => FhirPathEngine.Compile(expression, limits ?? FhirPathLimits.Default)))!;

    [Test]
    public void Parentheses_nest_up_to_the_limit_and_no_further()
    {
        // The whole expression is a level, each pair of parentheses one more.
        var atLimit = Nested("(", "1", ")", MaxDepth - 1);
        Assert.That(SmallStack.Run(() => FhirPathEngine.Evaluate(atLimit, null)), Is.EqualTo(new object[] { 1 }));

        var e = Refused(Nested("(", "1", ")", MaxDepth));
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(FhirPathErrorKind.Syntax));
            Assert.That(e.Limit, Is.EqualTo(nameof(FhirPathLimits.MaxDepth)));
            Assert.That(e.Message, Does.Contain($"limit of {MaxDepth} levels"));
            Assert.That(e.Position, Is.EqualTo(MaxDepth), "where the level too many begins");
        });
    }

    [Test]
    public void Ten_thousand_parentheses_are_refused_without_exhausting_the_stack()
    {
        var e = Refused(Nested("(", "Patient.name", ")", 10_000), AnyLength);
        Assert.That(e.Limit, Is.EqualTo(nameof(FhirPathLimits.MaxDepth)));
    }

    [Test]
    public void Nested_criteria_evaluate_at_the_limit_and_are_refused_past_it()
    {
        // where(where(…where(true)…)): each criterion is evaluated within the one around it, as deep as it is written,
        // with the strict static pass first.
        var atLimit = Nested("where(", "true", ")", MaxDepth - 1);
        var result = SmallStack.Run(() => FhirPathEngine.Evaluate(atLimit, Patient(), Context()));
        Assert.That(result, Has.Count.EqualTo(1));

        Assert.That(Refused(Nested("where(", "true", ")", MaxDepth)).Limit, Is.EqualTo(nameof(FhirPathLimits.MaxDepth)));
        Assert.That(Refused("Patient" + Nested(".where(name", ".exists()", ")", 7_000), AnyLength).Limit, Is.EqualTo(nameof(FhirPathLimits.MaxDepth)));
    }

    [TestCase("-", "")]
    [TestCase("", " + 1")]
    [TestCase("", " | 1")]
    [TestCase("", ".toString()")]
    public void Chains_of_operators_and_invocations_count_one_level_each(string prefix, string suffix)
    {
        // A left-deep chain is flat text but a deep tree (the compiler and evaluation recurse along it). The chain of
        // MaxDepth - 1 operators has a literal at the bottom: MaxDepth nodes.
        string Chain(int n) => string.Concat(Enumerable.Repeat(prefix, n)) + "1" + string.Concat(Enumerable.Repeat(suffix, n));
        Assert.That(SmallStack.Run(() => FhirPathEngine.Evaluate(Chain(MaxDepth - 1), null)), Has.Count.EqualTo(1));
        Assert.That(Refused(Chain(MaxDepth)).Limit, Is.EqualTo(nameof(FhirPathLimits.MaxDepth)));

        // With the length limit lifted, a chain of 100,000 is still refused, before anything walks it recursively.
        Assert.That(Refused(Chain(100_000), AnyLength).Limit, Is.EqualTo(nameof(FhirPathLimits.MaxDepth)));
    }

    [Test]
    public void Expressions_up_to_the_length_limit_compile_and_longer_ones_are_refused()
    {
        var limits = new FhirPathLimits { MaxLength = 1_000 };
        var atLimit = "'" + new string('a', 998) + "'";
        Assert.That(FhirPathEngine.Compile(atLimit, limits).Text, Has.Length.EqualTo(1_000));

        var e = Refused("'" + new string('b', 999) + "'", limits);
        Assert.Multiple(() =>
        {
            Assert.That(e.Limit, Is.EqualTo(nameof(FhirPathLimits.MaxLength)));
            Assert.That(e.Message, Does.Contain("1,001 characters long, over the limit of 1,000"));
        });
    }

    [Test]
    public void A_cached_expression_is_held_to_the_limits_of_each_caller()
    {
        // Compiled once within the defaults, then asked for within narrower limits: refused all the same.
        var expression = Nested("where(", "true", ")", 20);
        FhirPathEngine.Compile(expression);
        Assert.Multiple(() =>
        {
            Assert.That(Refused(expression, new FhirPathLimits { MaxDepth = 10 }).Limit, Is.EqualTo(nameof(FhirPathLimits.MaxDepth)));
            Assert.That(Refused(expression, new FhirPathLimits { MaxLength = 10 }).Limit, Is.EqualTo(nameof(FhirPathLimits.MaxLength)));
        });
    }
}
