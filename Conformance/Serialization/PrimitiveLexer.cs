using System.Buffers;

namespace FhirServer.Conformance.Serialization;

// Hand-written matchers for the regexes the R4 primitive StructureDefinitions declare on value
// (extension http://hl7.org/fhir/StructureDefinition/regex, R4 §2.24.0.1). Each one accepts exactly the language
// of its regex matched against the whole value, with the spec's XML Schema semantics: \s is ASCII whitespace
// [ \t\n\r\f\v] and [0-9] is ASCII. They exist because running the regexes cost more than parsing the resources;
// the regex stays the reference (PrimitiveRules falls back to it for any type not listed here).
internal static class PrimitiveLexer
{
    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\n\r\f\v");
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private enum DateForm { Date, DateTime, Instant }

    public static bool TryValidate(string type, ReadOnlySpan<char> s, out bool valid)
    {
        switch (type)
        {
            // true|false
            case "boolean": valid = s is "true" or "false"; return true;
            // -?([0]|([1-9][0-9]*)) — lexical only: the 32-bit range is checked after (PrimitiveRules.OutOfRange).
            case "integer": valid = IsUnsigned(s.StartsWith('-') ? s[1..] : s); return true;
            // [0]|([1-9][0-9]*)
            case "unsignedInt": valid = IsUnsigned(s); return true;
            // [1-9][0-9]*
            case "positiveInt": valid = s.Length > 0 && s[0] != '0' && IsUnsigned(s); return true;
            case "decimal": valid = IsDecimal(s); return true;
            case "date": valid = IsDate(s, DateForm.Date); return true;
            case "dateTime": valid = IsDate(s, DateForm.DateTime); return true;
            case "instant": valid = IsDate(s, DateForm.Instant); return true;
            // ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?
            case "time": valid = TimeOfDay(s) == s.Length; return true;
            case "code": valid = IsCode(s); return true;
            // [A-Za-z0-9\-\.]{1,64}
            case "id": valid = IsId(s); return true;
            // \S* — anything without ASCII whitespace, including the empty string.
            case "uri" or "url" or "canonical": valid = !s.ContainsAny(Whitespace); return true;
            case "oid": valid = IsOid(s); return true;
            case "uuid": valid = IsUuid(s); return true;
            default: valid = false; return false;
        }
    }

    // 0 | [1-9][0-9]*
    private static bool IsUnsigned(ReadOnlySpan<char> s) =>
        s.Length > 0 && (s is "0" || (s[0] != '0' && SkipDigits(s, 0) == s.Length));

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private static bool IsDecimal(ReadOnlySpan<char> s)
    {
        var i = 0;
        if (i < s.Length && s[i] == '-') i++;
        var start = i;
        i = SkipDigits(s, i);
        if (i == start || (s[start] == '0' && i - start > 1)) return false;
        if (i < s.Length && s[i] == '.')
        {
            start = ++i;
            i = SkipDigits(s, i);
            if (i == start) return false;
        }
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
            start = i;
            i = SkipDigits(s, i);
            if (i == start) return false;
        }
        return i == s.Length;
    }

    // date:     YEAR(-MM(-DD)?)?
    // dateTime: YEAR(-MM(-DD(THH:MM:SS(\.[0-9]+)?ZONE)?)?)?   — a time always carries a zone
    // instant:  YEAR-MM-DDTHH:MM:SS(\.[0-9]+)?ZONE
    // with YEAR ([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000): four digits other than 0000,
    // MM (0[1-9]|1[0-2]) and DD (0[1-9]|[1-2][0-9]|3[0-1]) — the regex does not tie the day to the month (PrimitiveRules.OutOfRange does).
    private static bool IsDate(ReadOnlySpan<char> s, DateForm form)
    {
        if (s.Length < 4 || !IsYear(s)) return false;
        if (s.Length == 4) return form != DateForm.Instant;
        if (s.Length < 7 || s[4] != '-' || !IsMonth(s[5], s[6])) return false;
        if (s.Length == 7) return form != DateForm.Instant;
        if (s.Length < 10 || s[7] != '-' || !IsDay(s[8], s[9])) return false;
        if (s.Length == 10) return form != DateForm.Instant;
        if (form == DateForm.Date || s[10] != 'T') return false;
        var time = s[11..];
        var end = TimeOfDay(time);
        return end > 0 && IsZone(time[end..]);
    }

    private static bool IsYear(ReadOnlySpan<char> s) =>
        char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && char.IsAsciiDigit(s[3])
        && !s.StartsWith("0000");

    private static bool IsMonth(char a, char b) =>
        (a == '0' && b is >= '1' and <= '9') || (a == '1' && b is >= '0' and <= '2');

    private static bool IsDay(char a, char b) =>
        (a == '0' && b is >= '1' and <= '9') || (a is '1' or '2' && char.IsAsciiDigit(b)) || (a == '3' && b is '0' or '1');

    // ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)? at the start of s: returns the length matched, or
    // -1. The fraction is greedy: what may follow it (end of value, or a zone) never starts with a digit.
    private static int TimeOfDay(ReadOnlySpan<char> s)
    {
        if (s.Length < 8) return -1;
        var hour = (s[0] is '0' or '1' && char.IsAsciiDigit(s[1])) || (s[0] == '2' && s[1] is >= '0' and <= '3');
        if (!hour || s[2] != ':' || !IsMinute(s[3], s[4]) || s[5] != ':') return -1;
        // Leap second: 60 is allowed in any minute (R4 §2.24.0.1 time/dateTime/instant regexes).
        if (!IsMinute(s[6], s[7]) && !(s[6] == '6' && s[7] == '0')) return -1;
        if (s.Length == 8 || s[8] != '.') return 8;
        var end = SkipDigits(s, 9);
        return end == 9 ? -1 : end;
    }

    private static bool IsMinute(char a, char b) => a is >= '0' and <= '5' && char.IsAsciiDigit(b);

    // Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)
    private static bool IsZone(ReadOnlySpan<char> s)
    {
        if (s is "Z") return true;
        if (s.Length != 6 || s[0] is not ('+' or '-') || s[3] != ':') return false;
        if (s[1] == '1' && s[2] == '4') return s[4] == '0' && s[5] == '0';
        var hour = (s[1] == '0' && char.IsAsciiDigit(s[2])) || (s[1] == '1' && s[2] is >= '0' and <= '3');
        return hour && IsMinute(s[4], s[5]);
    }

    // [^\s]+(\s[^\s]+)* — non-empty, no whitespace at either end, never two whitespace characters in a row.
    // Codes are short: a plain loop beats a vectorized search here.
    private static bool IsCode(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || IsSpace(s[0]) || IsSpace(s[^1])) return false;
        var previousSpace = false;
        foreach (var c in s)
        {
            var space = IsSpace(c);
            if (space && previousSpace) return false;
            previousSpace = space;
        }
        return true;
    }

    // \s under XML Schema / ECMAScript rules: space, or \t \n \v \f \r (U+0009–U+000D).
    private static bool IsSpace(char c) => c == ' ' || (uint)(c - '\t') <= '\r' - '\t';

    // [A-Za-z0-9\-\.]{1,64}
    private static bool IsId(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > 64) return false;
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')) return false;
        return true;
    }

    // urn:oid:[0-2](\.(0|[1-9][0-9]*))+
    private static bool IsOid(ReadOnlySpan<char> s)
    {
        if (!s.StartsWith("urn:oid:") || s.Length < 10 || s[8] is < '0' or > '2' || s[9] != '.') return false;
        var i = 9;
        while (i < s.Length)
        {
            if (s[i] != '.') return false;
            var start = ++i;
            i = SkipDigits(s, i);
            if (i == start || (s[start] == '0' && i - start > 1)) return false;
        }
        return true;
    }

    // urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} — lower case only.
    private static bool IsUuid(ReadOnlySpan<char> s)
    {
        if (s.Length != 45 || !s.StartsWith("urn:uuid:")) return false;
        var u = s[9..];
        return u[8] == '-' && u[13] == '-' && u[18] == '-' && u[23] == '-'
            && !u[..8].ContainsAnyExcept(LowerHex) && !u[9..13].ContainsAnyExcept(LowerHex)
            && !u[14..18].ContainsAnyExcept(LowerHex) && !u[19..23].ContainsAnyExcept(LowerHex)
            && !u[24..].ContainsAnyExcept(LowerHex);
    }

    // A plain loop: digit runs are short, and IndexOfAnyExceptInRange allocates on every call (measured on .NET 10).
    private static int SkipDigits(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        return i;
    }
}
