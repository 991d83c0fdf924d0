using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>The ordering behind <c>&lt; &gt; &lt;= &gt;=</c> (N1 §6.2): strings, numbers, dates and times, quantities.</summary>
internal static class Comparison
{
    /// <summary>-1, 0 or 1; null when the answer is unknown (precision, incomparable units); an error for values that cannot be ordered.</summary>
    public static int? Compare(object a, object b)
    {
        var va = SystemValues.ToSystem(a);
        var vb = SystemValues.ToSystem(b);
        switch (va, vb)
        {
            case (string x, string y): return Math.Sign(string.CompareOrdinal(x, y));
            case (PartialDateTime x, PartialDateTime y): return TemporalComparison.Compare(x, y);
            case (Quantity x, Quantity y): return QuantityMath.Compare(x, y) is { } c ? Math.Sign(c) : null;
        }
        if (Numbers.TryGetDecimal(va, out var da) && Numbers.TryGetDecimal(vb, out var db)) return da.CompareTo(db);
        throw FhirPathException.Execution($"Cannot compare {SystemValues.TypeName(a)} with {SystemValues.TypeName(b)}");
    }
}
