using System.Globalization;

namespace FhirServer.Conformance.FhirPath.Values;

/// <summary>
/// A System.Quantity (N1 §2.1.5.2): a decimal and a unit, either a UCUM code (<c>'mg'</c>) or one of the calendar
/// duration keywords (<c>year</c> … <c>millisecond</c>, kept singular).
/// </summary>
public sealed record Quantity(decimal Value, string Unit)
{
    private static readonly Dictionary<string, string> CalendarWords = new(StringComparer.Ordinal)
    {
        ["year"] = "year", ["years"] = "year", ["month"] = "month", ["months"] = "month", ["week"] = "week",
        ["weeks"] = "week", ["day"] = "day", ["days"] = "day", ["hour"] = "hour", ["hours"] = "hour",
        ["minute"] = "minute", ["minutes"] = "minute", ["second"] = "second", ["seconds"] = "second",
        ["millisecond"] = "millisecond", ["milliseconds"] = "millisecond",
    };

    // The calendar durations below a month equal their UCUM definite durations (N1 §6.1 "Equals", quantities);
    // year and month do not, since a UCUM 'a' and 'mo' are averages.
    private static readonly Dictionary<string, string> CalendarToUcum = new(StringComparer.Ordinal)
    {
        ["week"] = "wk", ["day"] = "d", ["hour"] = "h", ["minute"] = "min", ["second"] = "s", ["millisecond"] = "ms",
    };

    public static bool IsCalendarWord(string word) => CalendarWords.ContainsKey(word);

    public static string NormalizeCalendarWord(string word) => CalendarWords[word];

    public bool IsCalendar => CalendarWords.ContainsKey(Unit);

    /// <summary>The UCUM unit to compare with: the unit itself, or the definite duration a calendar unit equals; null for year and month.</summary>
    internal string? UcumUnit => IsCalendar ? CalendarToUcum.GetValueOrDefault(Unit) : Unit;

    public override string ToString()
    {
        var value = Value.ToString(CultureInfo.InvariantCulture);
        return IsCalendar ? $"{value} {Unit}{(Value == 1 ? "" : "s")}" : $"{value} '{Unit}'";
    }

    /// <summary>Reads the string form <c>number ('unit' | calendar word)?</c> that toQuantity() accepts (N1 §5.5 toQuantity).</summary>
    public static Quantity? TryParse(string text)
    {
        text = text.Trim();
        var i = 0;
        if (i < text.Length && text[i] is '+' or '-') i++;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
        if (!decimal.TryParse(text[..i], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return null;
        if (text[..i].EndsWith('.')) return null;
        var rest = text[i..].Trim();
        if (rest.Length == 0) return new Quantity(value, "1");
        if (rest.Length >= 2 && rest[0] == '\'' && rest[^1] == '\'') return new Quantity(value, rest[1..^1]);
        return IsCalendarWord(rest) ? new Quantity(value, NormalizeCalendarWord(rest)) : null;
    }
}
