using System.Globalization;
using System.Text;

namespace FhirServer.Conformance.FhirPath.Values;

public enum TemporalKind
{
    Date,
    DateTime,
    Time,
}

// Seconds and milliseconds are one precision for comparison (N1 §6.1 "seconds and milliseconds are considered a
// single precision using a decimal"), kept apart here only to print the literal as written.
public enum TemporalPrecision
{
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
}

/// <summary>
/// A System.Date, System.DateTime or System.Time value with the precision it was written with (N1 §2.1.5): the
/// unspecified components are zero and ignored. <see cref="Offset"/> is the timezone when one was given.
/// </summary>
public sealed record PartialDateTime(TemporalKind Kind, TemporalPrecision Precision, int Year, int Month, int Day,
    int Hour, int Minute, int Second, int Millisecond, TimeSpan? Offset)
{
    public string TypeName => Kind switch { TemporalKind.Date => "date", TemporalKind.DateTime => "dateTime", _ => "time" };

    public bool HasTime => Kind == TemporalKind.Time || Precision >= TemporalPrecision.Hour;

    /// <summary>Precision for comparison: milliseconds fold into seconds.</summary>
    public TemporalPrecision ComparablePrecision => Precision == TemporalPrecision.Millisecond ? TemporalPrecision.Second : Precision;

    public static PartialDateTime? TryParse(string text, TemporalKind kind)
    {
        var p = new Reader(text);
        int year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0;
        TemporalPrecision precision;
        TimeSpan? offset = null;
        if (kind != TemporalKind.Time)
        {
            if (!p.Digits(4, out year)) return null;
            precision = TemporalPrecision.Year;
            if (p.Take('-'))
            {
                if (!p.Digits(2, out month) || month is < 1 or > 12) return null;
                precision = TemporalPrecision.Month;
                if (p.Take('-'))
                {
                    if (!p.Digits(2, out day) || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month)) return null;
                    precision = TemporalPrecision.Day;
                }
            }
            if (kind == TemporalKind.Date) return p.AtEnd ? new(kind, precision, year, month, day, 0, 0, 0, 0, null) : null;
            // A FHIRPath dateTime literal may end in 'T' at any date precision (@2015T, @2015-02T).
            if (p.Take('T') && !p.AtEnd && p.Peek != 'Z' && p.Peek != '+' && p.Peek != '-')
            {
                if (!ReadTime(ref p, out hour, out minute, out second, out ms, out var timePrecision)) return null;
                precision = timePrecision;
            }
        }
        else
        {
            if (!ReadTime(ref p, out hour, out minute, out second, out ms, out precision)) return null;
            return p.AtEnd ? new(kind, precision, 1, 1, 1, hour, minute, second, ms, null) : null;
        }
        if (p.Take('Z')) offset = TimeSpan.Zero;
        else if (p.Peek is '+' or '-')
        {
            var negative = p.Peek == '-';
            p.Skip();
            if (!p.Digits(2, out var oh) || !p.Take(':') || !p.Digits(2, out var om)) return null;
            offset = new TimeSpan(oh, om, 0) * (negative ? -1 : 1);
        }
        return p.AtEnd ? new(kind, precision, year, month, day, hour, minute, second, ms, offset) : null;
    }

    private static bool ReadTime(ref Reader p, out int hour, out int minute, out int second, out int ms, out TemporalPrecision precision)
    {
        minute = second = ms = 0;
        precision = TemporalPrecision.Hour;
        if (!p.Digits(2, out hour) || hour > 23) return false;
        if (!p.Take(':')) return true;
        if (!p.Digits(2, out minute) || minute > 59) return false;
        precision = TemporalPrecision.Minute;
        if (!p.Take(':')) return true;
        if (!p.Digits(2, out second) || second > 59) return false;
        precision = TemporalPrecision.Second;
        if (!p.Take('.')) return true;
        var start = p.Position;
        while (!p.AtEnd && char.IsAsciiDigit(p.Peek)) p.Skip();
        var fraction = p.Slice(start);
        if (fraction.Length == 0) return false;
        ms = int.Parse(fraction.PadRight(3, '0')[..3], CultureInfo.InvariantCulture);
        precision = TemporalPrecision.Millisecond;
        return true;
    }

    /// <summary>The literal text without the leading <c>@</c>, as FHIR writes it.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Kind != TemporalKind.Time)
        {
            sb.Append(Year.ToString("D4", CultureInfo.InvariantCulture));
            if (Precision >= TemporalPrecision.Month) sb.Append('-').Append(Month.ToString("D2", CultureInfo.InvariantCulture));
            if (Precision >= TemporalPrecision.Day) sb.Append('-').Append(Day.ToString("D2", CultureInfo.InvariantCulture));
            if (Kind == TemporalKind.Date) return sb.ToString();
            // FHIR writes a dateTime of date precision without the 'T' the FHIRPath literal needs (@2015T).
            if (Precision < TemporalPrecision.Hour) return sb.ToString();
            sb.Append('T');
        }
        sb.Append(Hour.ToString("D2", CultureInfo.InvariantCulture));
        if (Precision >= TemporalPrecision.Minute) sb.Append(':').Append(Minute.ToString("D2", CultureInfo.InvariantCulture));
        if (Precision >= TemporalPrecision.Second) sb.Append(':').Append(Second.ToString("D2", CultureInfo.InvariantCulture));
        if (Precision >= TemporalPrecision.Millisecond) sb.Append('.').Append(Millisecond.ToString("D3", CultureInfo.InvariantCulture));
        if (Offset is { } o)
        {
            if (o == TimeSpan.Zero) sb.Append('Z');
            else sb.Append(o < TimeSpan.Zero ? '-' : '+').Append(o.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>The value as a .NET DateTime (components beyond the precision are zero), shifted to UTC when <paramref name="toUtc"/> and an offset is known.</summary>
    internal DateTime ToDateTime(bool toUtc)
    {
        var dt = new DateTime(Year, Month, Day, Hour, Minute, Second, Millisecond, DateTimeKind.Unspecified);
        return toUtc && Offset is { } o ? dt - o : dt;
    }

    internal static PartialDateTime FromDateTime(DateTime dt, PartialDateTime template) =>
        template with
        {
            Year = dt.Year, Month = dt.Month, Day = dt.Day, Hour = dt.Hour, Minute = dt.Minute, Second = dt.Second,
            Millisecond = dt.Millisecond,
        };

    private ref struct Reader(string text)
    {
        private int _pos;
        public readonly bool AtEnd => _pos >= text.Length;
        public readonly char Peek => _pos < text.Length ? text[_pos] : '\0';
        public readonly int Position => _pos;
        public void Skip() => _pos++;
        public readonly string Slice(int start) => text[start.._pos];

        public bool Take(char c)
        {
            if (Peek != c) return false;
            _pos++;
            return true;
        }

        public bool Digits(int count, out int value)
        {
            value = 0;
            if (_pos + count > text.Length) return false;
            for (var i = 0; i < count; i++)
            {
                var c = text[_pos + i];
                if (!char.IsAsciiDigit(c)) return false;
                value = value * 10 + (c - '0');
            }
            _pos += count;
            return true;
        }
    }
}
