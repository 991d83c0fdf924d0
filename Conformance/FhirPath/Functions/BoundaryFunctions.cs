using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>
/// The FHIRPath 2.x precision functions: precision(), lowBoundary(), highBoundary() and comparable(). A decimal
/// stands for the interval its written digits allow (1.587 → [1.5865, 1.5875)); a partial date for the span of
/// its missing components, with the widest timezones (+14:00 / -12:00) when none was given.
/// </summary>
internal static class BoundaryFunctions
{
    private const int MaxDecimalDigits = 28;

    public static void Register(FunctionRegistry r)
    {
        r.Add("precision", 0, (_, input) => Items.Of(Items.SingleValue(input, "precision") switch
        {
            null => null,
            decimal d => Numbers.Scale(d),
            int => 0,
            PartialDateTime dt => Digits(dt.Kind, dt.Precision),
            var v => throw FhirPathException.Execution($"precision() cannot apply to {SystemValues.TypeName(v)}"),
        }));
        r.Add("lowBoundary", 0, 1, (call, input) => Boundary(call, input, high: false));
        r.Add("highBoundary", 0, 1, (call, input) => Boundary(call, input, high: true));
        r.Add("comparable", 1, (call, input) =>
        {
            var a = Items.SingleValue(input, "comparable");
            var b = Items.SingleValue(call.Arg(0), "comparable");
            if (a is null || b is null) return Items.Empty;
            if (a is not Quantity qa || b is not Quantity qb) throw FhirPathException.Execution("comparable() expects quantities");
            return Items.Bool(QuantityMath.Comparable(qa, qb));
        });
    }

    private static IReadOnlyList<object> Boundary(Call call, IReadOnlyList<object> input, bool high)
    {
        var value = Items.SingleValue(input, call.Name);
        if (value is null) return Items.Empty;
        int? precision = call.Count > 0 ? Items.SingleInteger(call.Arg(0), call.Name) : null;
        if (call.Count > 0 && precision is null) return Items.Empty;
        return Items.Of(value switch
        {
            int i => DecimalBoundary(i, precision ?? 8, high),
            long l => DecimalBoundary(l, precision ?? 8, high),
            decimal d => DecimalBoundary(d, precision ?? 8, high),
            Quantity q => DecimalBoundary(q.Value, precision ?? 8, high) is { } v ? q with { Value = v } : null,
            PartialDateTime dt => TemporalBoundary(dt, precision, high),
            _ => throw FhirPathException.Execution($"{call.Name}() cannot apply to {SystemValues.TypeName(value)}"),
        });
    }

    private static decimal? DecimalBoundary(decimal value, int precision, bool high)
    {
        if (precision is < 0 or > MaxDecimalDigits) return null;
        // A negative value's low boundary is the negated high boundary of its magnitude, and the reverse.
        if (value < 0) return DecimalBoundary(-value, precision, !high) is { } mirrored ? -mirrored : null;
        var half = 0.5m * Pow10(-Numbers.Scale(value));
        var boundary = high ? value + half : value - half;
        var result = high
            ? Math.Round(boundary, precision, MidpointRounding.AwayFromZero)
            : Math.Round(boundary, precision, MidpointRounding.ToZero);
        return SetScale(result, precision);
    }

    private static decimal Pow10(int exponent)
    {
        var r = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++) r = exponent > 0 ? r * 10 : r / 10;
        return r;
    }

    // Writes the result with exactly `scale` digits after the point (1.5865 at 8 → 1.58650000).
    private static decimal SetScale(decimal d, int scale) => Math.Round(d, scale) + new decimal(0, 0, 0, false, (byte)scale);

    private static int Digits(TemporalKind kind, TemporalPrecision precision) => kind == TemporalKind.Time
        ? precision switch { TemporalPrecision.Hour => 2, TemporalPrecision.Minute => 4, TemporalPrecision.Second => 6, _ => 9 }
        : precision switch
        {
            TemporalPrecision.Year => 4, TemporalPrecision.Month => 6, TemporalPrecision.Day => 8, TemporalPrecision.Hour => 10,
            TemporalPrecision.Minute => 12, TemporalPrecision.Second => 14, _ => 17,
        };

    private static PartialDateTime? TemporalBoundary(PartialDateTime value, int? digits, bool high)
    {
        var target = value.Kind switch
        {
            TemporalKind.Date => digits switch { null or 8 => TemporalPrecision.Day, 4 => TemporalPrecision.Year, 6 => TemporalPrecision.Month, _ => (TemporalPrecision?)null },
            TemporalKind.Time => digits switch { null or 9 => TemporalPrecision.Millisecond, 2 => TemporalPrecision.Hour, 4 => TemporalPrecision.Minute, 6 => TemporalPrecision.Second, _ => null },
            _ => digits switch
            {
                null or 17 => TemporalPrecision.Millisecond, 4 => TemporalPrecision.Year, 6 => TemporalPrecision.Month, 8 => TemporalPrecision.Day,
                10 => TemporalPrecision.Hour, 12 => TemporalPrecision.Minute, 14 => TemporalPrecision.Second, _ => null,
            },
        };
        if (target is not { } precision) return null;
        // An hour without minutes is not a FHIR time: like the reference implementation, read T08 as T08:00.
        var v = value.Kind == TemporalKind.DateTime && value.Precision == TemporalPrecision.Hour ? value with { Precision = TemporalPrecision.Minute } : value;
        var month = v.Precision >= TemporalPrecision.Month ? v.Month : high ? 12 : 1;
        var day = v.Precision >= TemporalPrecision.Day ? v.Day : high ? DateTime.DaysInMonth(v.Year, month) : 1;
        var hour = v.HasTime && v.Precision >= TemporalPrecision.Hour ? v.Hour : high ? 23 : 0;
        var minute = v.Precision >= TemporalPrecision.Minute ? v.Minute : high ? 59 : 0;
        var second = v.Precision >= TemporalPrecision.Second ? v.Second : high ? 59 : 0;
        var ms = v.Precision >= TemporalPrecision.Millisecond ? v.Millisecond : high ? 999 : 0;
        var offset = v.Offset;
        if (v.Kind == TemporalKind.DateTime && precision >= TemporalPrecision.Hour && offset is null)
            offset = high ? TimeSpan.FromHours(-12) : TimeSpan.FromHours(14);
        var kind = v.Kind == TemporalKind.DateTime && precision <= TemporalPrecision.Day ? TemporalKind.Date : v.Kind;
        return new PartialDateTime(kind, precision, v.Year, month, day, hour, minute, second, ms,
            precision >= TemporalPrecision.Hour ? offset : null);
    }
}
