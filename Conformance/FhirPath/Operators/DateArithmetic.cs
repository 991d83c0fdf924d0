using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// Date/time plus or minus a time-valued quantity (N1 §6.7 "Date/Time Arithmetic"): calendar units and the
/// UCUM definite durations from weeks down ('wk' 'd' 'h' 'min' 's' 'ms'); 'a' and 'mo' are refused because their
/// length is not a calendar year or month. The quantity is truncated to a whole number of its unit, and a unit
/// finer than the value's precision is first converted to that precision.
/// </summary>
internal static class DateArithmetic
{
    private static readonly Dictionary<string, string> UcumToCalendar = new(StringComparer.Ordinal)
    {
        ["wk"] = "week", ["d"] = "day", ["h"] = "hour", ["min"] = "minute", ["s"] = "second", ["ms"] = "millisecond",
    };

    private static readonly Dictionary<string, long> Milliseconds = new(StringComparer.Ordinal)
    {
        ["week"] = 604_800_000, ["day"] = 86_400_000, ["hour"] = 3_600_000, ["minute"] = 60_000, ["second"] = 1000, ["millisecond"] = 1,
    };

    public static PartialDateTime Add(PartialDateTime value, Quantity quantity, int sign)
    {
        var unit = quantity.IsCalendar ? quantity.Unit
            : UcumToCalendar.TryGetValue(quantity.Unit, out var u) ? u
            : throw FhirPathException.Execution($"Cannot add a quantity in '{quantity.Unit}' to a {value.TypeName}");
        var amount = (long)decimal.Truncate(quantity.Value) * sign;
        try
        {
            if (unit is "year" or "month")
            {
                if (value.Kind == TemporalKind.Time) throw FhirPathException.Execution("Cannot add years or months to a time");
                var months = unit == "year" ? amount * 12 : amount;
                var dt = value.ToDateTime(toUtc: false);
                dt = value.Precision == TemporalPrecision.Year ? dt.AddYears((int)(months / 12)) : dt.AddMonths((int)months);
                return PartialDateTime.FromDateTime(dt, value);
            }
            var ms = amount * Milliseconds[unit];
            if (value.Kind == TemporalKind.Time)
            {
                const long day = 86_400_000;
                var current = ((value.Hour * 60L + value.Minute) * 60 + value.Second) * 1000 + value.Millisecond;
                var next = ((current + Truncate(ms, value.Precision)) % day + day) % day;
                return PartialDateTime.FromDateTime(new DateTime(1, 1, 1).AddMilliseconds(next), value);
            }
            var result = value.Precision switch
            {
                TemporalPrecision.Year => value.ToDateTime(false).AddYears((int)(ms / (365L * 86_400_000))),
                TemporalPrecision.Month => value.ToDateTime(false).AddMonths((int)(ms / (30L * 86_400_000))),
                _ => value.ToDateTime(false).AddMilliseconds(Truncate(ms, value.Precision)),
            };
            return PartialDateTime.FromDateTime(result, value);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw FhirPathException.Execution("Date/time arithmetic out of range");
        }
    }

    private static long Truncate(long ms, TemporalPrecision precision)
    {
        var unit = precision switch
        {
            TemporalPrecision.Day => 86_400_000L,
            TemporalPrecision.Hour => 3_600_000L,
            TemporalPrecision.Minute => 60_000L,
            TemporalPrecision.Second => 1000L,
            _ => 1L,
        };
        return ms / unit * unit;
    }
}
