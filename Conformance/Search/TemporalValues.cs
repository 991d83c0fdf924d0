using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Search;

/// <summary>
/// Date values as [low, high) in microseconds since the Unix epoch, UTC (R4 search.html §2.1.1.5.4: "the date
/// parameter format … represents an implicit range"): a value covers all of its precision (<c>2024</c> is the
/// whole year), a Period runs from its start's low to its end's high, a Timing spans its events and bounds.
/// </summary>
public static class TemporalValues
{
    private const long TicksPerMicrosecond = 10;
    // 10000-01-01, one past DateTime.MaxValue: the high end of anything in the year 9999.
    private static readonly long EndOfTime = DateTime.MaxValue.Ticks + 1;

    internal static bool Add(object item, List<IndexValue> values)
    {
        switch (item)
        {
            case ElementNode { Type: "date" or "dateTime" or "instant" } node:
                if (node.Value is not { } text) return true;
                if (!TryParse(text, out var low, out var high)) return false;
                values.Add(new DateIndex(low, high));
                return true;
            case ElementNode { Type: "Period" } period:
                AddPeriod(period, values);
                return true;
            case ElementNode { Type: "Timing" } timing:
                AddTiming(timing, values);
                return true;
            case PartialDateTime { Kind: not TemporalKind.Time } dt:
                if (!TryParse(dt.ToString(), out var l, out var h)) return false;
                values.Add(new DateIndex(l, h));
                return true;
            default:
                return false;
        }
    }

    private static void AddPeriod(ElementNode period, List<IndexValue> values)
    {
        var start = period.Child("start")?.Value;
        var end = period.Child("end")?.Value;
        if (start is null && end is null) return;
        var low = long.MinValue;
        var high = long.MaxValue;
        if (start is not null && !TryParse(start, out low, out _)) return;
        if (end is not null && !TryParse(end, out _, out high)) return;
        values.Add(new DateIndex(low, high));
    }

    // "the specified scheduling details are ignored and only the outer limits matter" (§2.1.1.5.4): the events
    // and repeat.boundsPeriod, whichever reach further.
    private static void AddTiming(ElementNode timing, List<IndexValue> values)
    {
        var low = long.MaxValue;
        var high = long.MinValue;
        foreach (var e in timing.ChildrenNamed("event"))
            if (e.Value is { } text && TryParse(text, out var l, out var h))
            {
                low = Math.Min(low, l);
                high = Math.Max(high, h);
            }
        if (timing.Child("repeat")?.Child("bounds") is { Type: "Period" } bounds)
        {
            var before = values.Count;
            AddPeriod(bounds, values);
            if (values.Count > before)
            {
                var b = (DateIndex)values[^1];
                values.RemoveAt(values.Count - 1);
                low = Math.Min(low, b.Low);
                high = Math.Max(high, b.High);
            }
        }
        if (low <= high) values.Add(new DateIndex(low, high));
    }

    /// <summary>
    /// Reads an R4 date, dateTime or instant (partial times such as <c>T10:30</c> too) into the UTC interval its
    /// precision covers. A value without a zone is taken as UTC.
    /// </summary>
    public static bool TryParse(string text, out long low, out long high)
    {
        low = high = 0;
        var p = 0;
        if (!Digits(text, ref p, 4, out var year) || year < 1) return false;
        int month = 1, day = 1, hour = 0, minute = 0, second = 0;
        long fraction = 0; // in ticks
        var fractionDigits = 0;
        var precision = Precision.Year;
        if (Take(text, ref p, '-'))
        {
            if (!Digits(text, ref p, 2, out month) || month is < 1 or > 12) return false;
            precision = Precision.Month;
            if (Take(text, ref p, '-'))
            {
                if (!Digits(text, ref p, 2, out day) || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
                precision = Precision.Day;
            }
        }
        if (precision == Precision.Day && Take(text, ref p, 'T'))
        {
            if (!Digits(text, ref p, 2, out hour) || hour > 23 || !Take(text, ref p, ':') ||
                !Digits(text, ref p, 2, out minute) || minute > 59) return false;
            precision = Precision.Minute;
            if (Take(text, ref p, ':'))
            {
                // 60: a leap second (the R4 regex allows it); it is the last second of its minute.
                if (!Digits(text, ref p, 2, out second) || second > 60) return false;
                second = Math.Min(second, 59);
                precision = Precision.Second;
                if (Take(text, ref p, '.'))
                {
                    var start = p;
                    while (p < text.Length && char.IsAsciiDigit(text[p]))
                    {
                        // Beyond 7 digits (100 ns, a tick) the digits are below what the index keeps.
                        if (p - start < 7) fraction = fraction * 10 + (text[p] - '0');
                        p++;
                    }
                    fractionDigits = Math.Min(p - start, 7);
                    if (fractionDigits == 0) return false;
                    for (var i = fractionDigits; i < 7; i++) fraction *= 10;
                    precision = Precision.Fraction;
                }
            }
        }
        var offset = TimeSpan.Zero;
        if (p < text.Length && text[p] == 'Z') p++;
        else if (p < text.Length && text[p] is '+' or '-')
        {
            var negative = text[p] == '-';
            p++;
            if (!Digits(text, ref p, 2, out var oh) || oh > 14 || !Take(text, ref p, ':') || !Digits(text, ref p, 2, out var om) || om > 59) return false;
            offset = new TimeSpan(oh, om, 0) * (negative ? -1 : 1);
        }
        if (p != text.Length) return false;

        var startTicks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fraction;
        var endTicks = precision switch
        {
            Precision.Year => year == 9999 ? EndOfTime : new DateTime(year + 1, 1, 1).Ticks,
            Precision.Month => month == 12 ? (year == 9999 ? EndOfTime : new DateTime(year + 1, 1, 1).Ticks) : new DateTime(year, month + 1, 1).Ticks,
            Precision.Day => startTicks + TimeSpan.TicksPerDay,
            Precision.Minute => startTicks + TimeSpan.TicksPerMinute,
            Precision.Second => startTicks + TimeSpan.TicksPerSecond,
            _ => startTicks + Pow10(7 - fractionDigits),
        };
        low = ToMicroseconds(startTicks - offset.Ticks, roundUp: false);
        high = ToMicroseconds(endTicks - offset.Ticks, roundUp: true);
        return true;
    }

    private static long ToMicroseconds(long ticks, bool roundUp)
    {
        var relative = ticks - DateTime.UnixEpoch.Ticks;
        var micro = Math.DivRem(relative, TicksPerMicrosecond, out var rest);
        // Floor the low end, ceil the high end: the interval never shrinks below what was written.
        if (rest < 0) micro--;
        if (roundUp && rest > 0) micro++;
        return micro;
    }

    private static long Pow10(int n)
    {
        var r = 1L;
        for (var i = 0; i < n; i++) r *= 10;
        return r;
    }

    private static bool Take(string s, ref int p, char c)
    {
        if (p >= s.Length || s[p] != c) return false;
        p++;
        return true;
    }

    private static bool Digits(string s, ref int p, int count, out int value)
    {
        value = 0;
        if (p + count > s.Length) return false;
        for (var i = 0; i < count; i++)
        {
            var c = s[p + i];
            if (!char.IsAsciiDigit(c)) return false;
            value = value * 10 + (c - '0');
        }
        p += count;
        return true;
    }

    private enum Precision { Year, Month, Day, Minute, Second, Fraction }
}
