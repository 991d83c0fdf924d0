using System.Globalization;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Conformance.Tests.FhirPath;

/// <summary>
/// Runs one suite case and says whether it passed, without asserting: the suite test asserts on it, and the
/// skip-list test checks that listed cases still fail. An <c>invalid</c> case passes when FHIRPath reports an
/// error: a syntax error for <c>invalid="syntax"</c>, any FHIRPath error (compile or evaluation) otherwise, as the
/// HL7 reference runner accepts.
/// </summary>
public static class SuiteRunner
{
    public static (bool Passed, string Message) Run(SuiteCase test)
    {
        var input = test.InputFile is null ? null : OfficialSuite.Input(test.InputFile);
        var context = new FhirPathContext
        {
            Registry = TestData.Context.Registry,
            Strict = test.Strict,
            CheckOrderedFunctions = test.CheckOrderedFunctions,
        };
        if (test.Invalid is { } invalid)
        {
            try
            {
                var compiled = FhirPathEngine.Compile(test.Expression);
                if (invalid == "syntax") return (false, "expected a syntax error; the expression compiled");
                var result = compiled.Evaluate(input, context);
                return (false, $"expected a {invalid} error; got {Show(result)}");
            }
            catch (FhirPathException e)
            {
                return invalid == "syntax" && e.Kind != FhirPathErrorKind.Syntax
                    ? (false, $"expected a syntax error; got {e.Kind}: {e.Message}")
                    : (true, e.Message);
            }
        }
        IReadOnlyList<object> actual;
        try
        {
            actual = FhirPathEngine.Compile(test.Expression).Evaluate(input, context);
        }
        catch (FhirPathException e)
        {
            return (false, $"{e.Kind} error: {e.Message}");
        }
        if (test.Predicate) actual = [actual.Count == 1 && SystemValues.ToSystem(actual[0]) is bool b ? b : actual.Count > 0];
        var expected = test.Outputs;
        if (actual.Count != expected.Count) return (false, $"expected {Show(expected)}; got {Show(actual)}");
        var remaining = actual.ToList();
        for (var i = 0; i < expected.Count; i++)
        {
            var match = test.Ordered ? (Matches(remaining[0], expected[i]) ? 0 : -1) : remaining.FindIndex(a => Matches(a, expected[i]));
            if (match < 0) return (false, $"expected {Show(expected)}; got {Show(actual)}");
            remaining.RemoveAt(match);
        }
        return (true, "");
    }

    private static bool Matches(object item, SuiteOutput expected)
    {
        if (expected.Type is { } type && !string.Equals(type, SystemValues.TypeName(item), StringComparison.Ordinal)) return false;
        var text = Literal(item);
        if (text == expected.Value) return true;
        // Decimals compare by value and digits written, so -0.0 matches 0.0.
        return SystemValues.ToSystem(item) is decimal d &&
               decimal.TryParse(expected.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) && d == e &&
               d.Scale == e.Scale;
    }

    /// <summary>The suite writes dates and times as FHIRPath literals (<c>@2012-04-15</c>, <c>@T10:00</c>).</summary>
    private static string? Literal(object item)
    {
        var text = SystemValues.Format(item);
        var type = SystemValues.TypeName(item);
        return type switch
        {
            "date" or "dateTime" or "instant" => "@" + text,
            "time" => "@T" + text,
            _ => text,
        };
    }

    private static string Show(IEnumerable<object> items) =>
        "[" + string.Join(", ", items.Select(i => $"{SystemValues.TypeName(i)} {Literal(i) ?? "(complex)"}")) + "]";

    private static string Show(IEnumerable<SuiteOutput> outputs) =>
        "[" + string.Join(", ", outputs.Select(o => $"{o.Type} {o.Value}")) + "]";
}
