using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.7 Math: abs, ceiling, exp, floor, ln, log, power, round, sqrt, truncate. Results outside the numbers' range are empty.</summary>
internal static class MathFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("abs", 0, (call, input) => Items.Of(Items.SingleValue(input, "abs") switch
        {
            null => null,
            int i => Math.Abs(i),
            long l => Math.Abs(l),
            decimal d => Math.Abs(d),
            Quantity q => q with { Value = Math.Abs(q.Value) },
            var v => throw NotNumber("abs", v),
        }));
        Integral(r, "ceiling", Math.Ceiling);
        Integral(r, "floor", Math.Floor);
        Integral(r, "truncate", Math.Truncate);
        ViaDouble(r, "exp", Math.Exp);
        ViaDouble(r, "ln", Math.Log);
        ViaDouble(r, "sqrt", Math.Sqrt);
        r.Add("log", 1, (call, input) =>
        {
            var x = Number(input, "log");
            var b = Number(call.Arg(0), "log");
            return x is null || b is null ? Items.Empty : FromDouble(Math.Log((double)x) / Math.Log((double)b));
        });
        r.Add("power", 1, (call, input) =>
        {
            var baseValue = Items.SingleValue(input, "power");
            var exponent = Items.SingleValue(call.Arg(0), "power");
            if (baseValue is null || exponent is null) return Items.Empty;
            if (baseValue is int b && exponent is int e && e >= 0)
            {
                var p = Math.Pow(b, e);
                return p is >= int.MinValue and <= int.MaxValue ? [(int)p] : Items.Empty;
            }
            var x = Number(input, "power")!.Value;
            var y = Number(call.Arg(0), "power")!.Value;
            return FromDouble(Math.Pow((double)x, (double)y));
        });
        r.Add("round", 0, 1, (call, input) =>
        {
            var x = Number(input, "round");
            var digits = call.Count > 0 ? Items.SingleInteger(call.Arg(0), "round") ?? 0 : 0;
            if (x is null) return Items.Empty;
            if (digits < 0) throw FhirPathException.Execution("round() precision must not be negative");
            return [Math.Round(x.Value, digits, MidpointRounding.AwayFromZero)];
        });
    }

    private static decimal? Number(IReadOnlyList<object> items, string name) => Items.SingleValue(items, name) switch
    {
        null => null,
        int i => i,
        long l => l,
        decimal d => d,
        var v => throw NotNumber(name, v),
    };

    private static FhirPathException NotNumber(string name, object v) =>
        FhirPathException.Execution($"{name}() expects a number, not {SystemValues.TypeName(v)}");

    private static void Integral(FunctionRegistry r, string name, Func<decimal, decimal> op) =>
        r.Add(name, 0, (_, input) => Number(input, name) is { } x ? Items.Of(ToInteger(op(x))) : Items.Empty);

    private static object ToInteger(decimal d) => d is >= int.MinValue and <= int.MaxValue ? (int)d : (object)(long)d;

    private static void ViaDouble(FunctionRegistry r, string name, Func<double, double> op) =>
        r.Add(name, 0, (_, input) => Number(input, name) is { } x ? FromDouble(op((double)x)) : Items.Empty);

    private static IReadOnlyList<object> FromDouble(double d) =>
        double.IsNaN(d) || double.IsInfinity(d) || Math.Abs(d) > (double)decimal.MaxValue ? Items.Empty : [(decimal)d];
}
