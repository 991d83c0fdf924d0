using System.Globalization;
using System.Text.RegularExpressions;

namespace FhirServer.Rest;

/// <summary>
/// A FHIR date, dateTime or instant read as the interval it denotes (R4 search.html#date: "the range of the value
/// […] the precision of the value"): <c>2024</c> is [2024-01-01, 2025-01-01). Times without a zone are UTC.
/// </summary>
public readonly record struct DateRange(DateTimeOffset Low, DateTimeOffset High)
{
    private static readonly Regex Shape = new(
        @"^(?<y>\d{4})(-(?<m>\d{2})(-(?<d>\d{2})(T(?<h>\d{2}):(?<min>\d{2})(:(?<s>\d{2})(?<f>\.\d+)?)?(?<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public static bool TryParse(string text, out DateRange range)
    {
        range = default;
        var m = Shape.Match(text);
        if (!m.Success) return false;
        try
        {
            var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
            if (!m.Groups["m"].Success) return Make(new DateTime(year, 1, 1), TimeSpan.Zero, d => d.AddYears(1), out range);
            var month = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
            if (!m.Groups["d"].Success) return Make(new DateTime(year, month, 1), TimeSpan.Zero, d => d.AddMonths(1), out range);
            var day = int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture);
            if (!m.Groups["h"].Success) return Make(new DateTime(year, month, day), TimeSpan.Zero, d => d.AddDays(1), out range);
            var offset = TimeSpan.Zero;
            if (m.Groups["tz"].Success && m.Groups["tz"].Value != "Z")
                offset = TimeSpan.ParseExact(m.Groups["tz"].Value[1..], @"hh\:mm", CultureInfo.InvariantCulture)
                         * (m.Groups["tz"].Value[0] == '-' ? -1 : 1);
            var hour = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
            var minute = int.Parse(m.Groups["min"].Value, CultureInfo.InvariantCulture);
            if (!m.Groups["s"].Success) return Make(new DateTime(year, month, day, hour, minute, 0), offset, d => d.AddMinutes(1), out range);
            var second = int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture);
            var start = new DateTime(year, month, day, hour, minute, second);
            if (!m.Groups["f"].Success) return Make(start, offset, d => d.AddSeconds(1), out range);
            var fraction = m.Groups["f"].Value[1..];
            var digits = Math.Min(fraction.Length, 7);
            var ticks = long.Parse(fraction[..digits], CultureInfo.InvariantCulture) * (long)Math.Pow(10, 7 - digits);
            var unit = (long)Math.Pow(10, 7 - digits);
            return Make(start.AddTicks(ticks), offset, d => d.AddTicks(unit), out range);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static bool Make(DateTime start, TimeSpan offset, Func<DateTime, DateTime> next, out DateRange range)
    {
        range = new DateRange(new DateTimeOffset(start, offset), new DateTimeOffset(next(start), offset));
        return true;
    }
}
