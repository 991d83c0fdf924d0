using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// Quantity comparison and arithmetic (N1 §6.1.1, §6.2, §6.6): units are converted through UCUM when both are
/// comparable; calendar durations compare with the UCUM definite durations from weeks down, and year/month only
/// with each other.
/// </summary>
internal static class QuantityMath
{
    private static readonly Dictionary<string, decimal> CalendarMilliseconds = new(StringComparer.Ordinal)
    {
        ["week"] = 604800000m, ["day"] = 86400000m, ["hour"] = 3600000m, ["minute"] = 60000m, ["second"] = 1000m, ["millisecond"] = 1m,
    };

    /// <summary>b's value expressed in a's unit, or null when the units are not comparable.</summary>
    public static decimal? ConvertTo(Quantity b, Quantity a)
    {
        if (a.Unit == b.Unit) return b.Value;
        if (a.IsCalendar && b.IsCalendar)
        {
            if (a.Unit is "year" or "month" && b.Unit is "year" or "month")
                return a.Unit == "year" ? b.Value / 12 : b.Value * 12;
            if (CalendarMilliseconds.TryGetValue(a.Unit, out var fa) && CalendarMilliseconds.TryGetValue(b.Unit, out var fb))
                return b.Value * fb / fa;
            return null;
        }
        if (a.UcumUnit is not { } ua || b.UcumUnit is not { } ub) return null;
        if (ua == ub) return b.Value;
        var ca = Ucum.Parse(ua);
        var cb = Ucum.Parse(ub);
        if (ca is null || cb is null || !ca.SameDimensions(cb)) return null;
        return b.Value * cb.Factor / ca.Factor;
    }

    public static bool Comparable(Quantity a, Quantity b) => ConvertTo(b, a) is not null;

    public static bool? Equal(Quantity a, Quantity b) => ConvertTo(b, a) is { } bv ? a.Value == bv : null;

    public static bool Equivalent(Quantity a, Quantity b) =>
        ConvertTo(b, a) is { } bv && Numbers.EquivalentDecimals(a.Value, bv);

    public static int? Compare(Quantity a, Quantity b) => ConvertTo(b, a) is { } bv ? a.Value.CompareTo(bv) : null;

    public static Quantity? Add(Quantity a, Quantity b, int sign) =>
        ConvertTo(b, a) is { } bv ? a with { Value = a.Value + sign * bv } : null;

    public static Quantity? Multiply(Quantity a, Quantity b, bool divide)
    {
        if (divide && b.Value == 0) return null;
        if (a.UcumUnit is not { } ua || b.UcumUnit is not { } ub) return null;
        var ca = Ucum.Parse(ua);
        var cb = Ucum.Parse(ub);
        if (ca is null || cb is null) return null;
        var unit = Ucum.Multiply(ca, cb, divide ? -1 : 1);
        var value = divide ? a.Value * ca.Factor / (b.Value * cb.Factor) : a.Value * ca.Factor * b.Value * cb.Factor;
        return new Quantity(value, unit.UnitText);
    }
}
