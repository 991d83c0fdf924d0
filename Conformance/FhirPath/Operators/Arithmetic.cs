using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// The math operators of N1 §6.6 on singleton values: Integer, Long and Decimal (Integer promotes to Decimal),
/// string concatenation with <c>+</c>, quantities, and date/time ± quantity. Division by zero and overflow give
/// an empty result; operand types that do not combine are an error.
/// </summary>
internal static class Arithmetic
{
    public static object? Apply(string op, object left, object right)
    {
        var a = SystemValues.ToSystem(left);
        var b = SystemValues.ToSystem(right);
        try
        {
            return (op, a, b) switch
            {
                ("+", string x, string y) => x + y,
                ("+" or "-", PartialDateTime d, Quantity q) => DateArithmetic.Add(d, q, op == "+" ? 1 : -1),
                ("+" or "-", Quantity x, Quantity y) => QuantityMath.Add(x, y, op == "+" ? 1 : -1)
                    ?? throw FhirPathException.Execution($"Cannot combine '{x.Unit}' and '{y.Unit}'"),
                ("*", Quantity x, Quantity y) => QuantityMath.Multiply(x, y, divide: false),
                ("/", Quantity x, Quantity y) => QuantityMath.Multiply(x, y, divide: true),
                ("*", Quantity x, _) when Numbers.TryGetDecimal(b, out var n) => x with { Value = x.Value * n },
                ("*", _, Quantity y) when Numbers.TryGetDecimal(a, out var n) => y with { Value = y.Value * n },
                ("/", Quantity x, _) when Numbers.TryGetDecimal(b, out var n) => n == 0 ? null : x with { Value = x.Value / n },
                (_, int x, int y) => Integers(op, x, y),
                (_, int or long, int or long) => Longs(op, Convert.ToInt64(a), Convert.ToInt64(b)),
                _ when Numbers.TryGetDecimal(a, out var x) && Numbers.TryGetDecimal(b, out var y) => Decimals(op, x, y),
                _ => throw FhirPathException.Execution($"Operator '{op}' cannot apply to {SystemValues.TypeName(left)} and {SystemValues.TypeName(right)}"),
            };
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static object? Integers(string op, int x, int y) => op switch
    {
        "+" => checked(x + y),
        "-" => checked(x - y),
        "*" => checked(x * y),
        "/" => y == 0 ? null : (decimal)x / y,
        "div" => y == 0 ? null : x / y,
        "mod" => y == 0 ? null : x % y,
        _ => throw new InvalidOperationException(op),
    };

    private static object? Longs(string op, long x, long y) => op switch
    {
        "+" => checked(x + y),
        "-" => checked(x - y),
        "*" => checked(x * y),
        "/" => y == 0 ? null : (decimal)x / y,
        "div" => y == 0 ? null : x / y,
        "mod" => y == 0 ? null : x % y,
        _ => throw new InvalidOperationException(op),
    };

    private static object? Decimals(string op, decimal x, decimal y) => op switch
    {
        "+" => x + y,
        "-" => x - y,
        "*" => x * y,
        "/" => y == 0 ? null : Trim(x / y),
        "div" => y == 0 ? null : decimal.Truncate(x / y),
        "mod" => y == 0 ? null : x % y,
        _ => throw new InvalidOperationException(op),
    };

    // C# keeps up to 28 digits after a division; trailing zeros carry no meaning there.
    private static decimal Trim(decimal d) => d / 1.0000000000000000000000000000m;
}
