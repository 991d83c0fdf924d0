using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// Comparison of partial dates and times (N1 §6.1.1 "=" and §6.2 comparison): components are compared from the
/// year down; when all components both values have are equal but their precisions differ, the result is unknown.
/// Values with timezones are compared in UTC.
/// </summary>
internal static class TemporalComparison
{
    /// <summary>-1, 0 or 1; null when the difference in precision leaves the answer unknown.</summary>
    public static int? Compare(PartialDateTime a, PartialDateTime b)
    {
        if ((a.Kind == TemporalKind.Time) != (b.Kind == TemporalKind.Time))
            throw FhirPathException.Execution($"Cannot compare a {a.TypeName} with a {b.TypeName}");
        // A time of day with a timezone and one without cannot be ordered (N1 §6.1.1: the result is empty).
        if (a.Kind != TemporalKind.Time && a.HasTime && b.HasTime && a.Offset.HasValue != b.Offset.HasValue) return null;
        var pa = a.ComparablePrecision;
        var pb = b.ComparablePrecision;
        var toUtc = a.Offset.HasValue && b.Offset.HasValue;
        Span<int> ca = stackalloc int[7];
        Span<int> cb = stackalloc int[7];
        Components(a, toUtc, ca);
        Components(b, toUtc, cb);
        var first = a.Kind == TemporalKind.Time ? (int)TemporalPrecision.Hour : 0;
        var last = (int)(pa < pb ? pa : pb);
        for (var i = first; i <= last; i++)
        {
            if (ca[i] != cb[i]) return ca[i] < cb[i] ? -1 : 1;
        }
        if (pa != pb) return null;
        // Fractions of a second count within the seconds precision.
        if (pa == TemporalPrecision.Second && ca[6] != cb[6]) return ca[6] < cb[6] ? -1 : 1;
        return 0;
    }

    /// <summary>
    /// A hash code for which values that <see cref="Compare"/> finds equal agree: equal values have the same comparable
    /// precision and the same components down to it, in UTC when they carry a timezone (one with a timezone and one
    /// without are never equal when they have a time; without a time the timezone does not count).
    /// </summary>
    public static int EqualityHash(PartialDateTime v)
    {
        Span<int> c = stackalloc int[7];
        Components(v, v.Offset.HasValue, c);
        var precision = v.ComparablePrecision;
        var hash = HashCode.Combine(v.Kind == TemporalKind.Time, precision);
        var first = v.Kind == TemporalKind.Time ? (int)TemporalPrecision.Hour : 0;
        for (var i = first; i <= (int)precision; i++) hash = HashCode.Combine(hash, c[i]);
        return precision == TemporalPrecision.Second ? HashCode.Combine(hash, c[6]) : hash;
    }

    private static void Components(PartialDateTime v, bool toUtc, Span<int> c)
    {
        if (toUtc && v.Kind != TemporalKind.Time && v.Precision >= TemporalPrecision.Hour)
        {
            var dt = v.ToDateTime(toUtc: true);
            (c[0], c[1], c[2], c[3], c[4], c[5], c[6]) = (dt.Year, dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second, dt.Millisecond);
            return;
        }
        (c[0], c[1], c[2], c[3], c[4], c[5], c[6]) = (v.Year, v.Month, v.Day, v.Hour, v.Minute, v.Second, v.Millisecond);
    }
}
