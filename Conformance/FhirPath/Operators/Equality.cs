using System.Text.RegularExpressions;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// Equality (<c>=</c>, N1 §6.1.1) and equivalence (<c>~</c>, §6.1.3). Equality is three-valued: values of
/// different precision (dates, quantities of incomparable units) give an unknown (null) answer. Equivalence is
/// always true or false: strings ignore case and whitespace differences, decimals compare at the precision of the
/// less precise, dates of different precision are not equivalent.
/// </summary>
internal static partial class Equality
{
    public static bool? CollectionsEqual(IReadOnlyList<object> a, IReadOnlyList<object> b)
    {
        if (a.Count == 0 || b.Count == 0) return null;
        if (a.Count != b.Count) return false;
        var unknown = false;
        for (var i = 0; i < a.Count; i++)
        {
            var r = ItemsEqual(a[i], b[i]);
            if (r == false) return false;
            if (r is null) unknown = true;
        }
        return unknown ? null : true;
    }

    public static bool CollectionsEquivalent(IReadOnlyList<object> a, IReadOnlyList<object> b)
    {
        if (a.Count != b.Count) return false;
        var used = new bool[b.Count];
        foreach (var x in a)
        {
            var found = false;
            for (var j = 0; j < b.Count && !found; j++)
            {
                if (used[j] || !ItemsEquivalent(x, b[j])) continue;
                used[j] = found = true;
            }
            if (!found) return false;
        }
        return true;
    }

    public static bool? ItemsEqual(object a, object b)
    {
        // A node is equal to itself (a union of paths that meet the same elements).
        if (ReferenceEquals(a, b) && a is ElementNode) return true;
        var va = SystemValues.ToSystem(a);
        var vb = SystemValues.ToSystem(b);
        if (va is null || vb is null)
            return va is null && vb is null && a is ElementNode na && b is ElementNode nb ? NodesEqual(na, nb, equivalent: false) : false;
        switch (va, vb)
        {
            case (string x, string y): return string.Equals(x, y, StringComparison.Ordinal);
            case (bool x, bool y): return x == y;
            case (PartialDateTime x, PartialDateTime y):
                if ((x.Kind == TemporalKind.Time) != (y.Kind == TemporalKind.Time)) return false;
                var c = TemporalComparison.Compare(x, y);
                return c is null ? null : c == 0;
            case (Quantity x, Quantity y): return QuantityMath.Equal(x, y);
        }
        if (Numbers.TryGetDecimal(va, out var da) && Numbers.TryGetDecimal(vb, out var db)) return da == db;
        return false;
    }

    public static bool ItemsEquivalent(object a, object b)
    {
        var va = SystemValues.ToSystem(a);
        var vb = SystemValues.ToSystem(b);
        if (va is null || vb is null)
            return va is null && vb is null && a is ElementNode na && b is ElementNode nb && NodesEqual(na, nb, equivalent: true);
        switch (va, vb)
        {
            case (string x, string y): return NormalizeString(x) == NormalizeString(y);
            case (bool x, bool y): return x == y;
            case (PartialDateTime x, PartialDateTime y):
                if ((x.Kind == TemporalKind.Time) != (y.Kind == TemporalKind.Time)) return false;
                return x.ComparablePrecision == y.ComparablePrecision && TemporalComparison.Compare(x, y) == 0;
            case (Quantity x, Quantity y): return QuantityMath.Equivalent(x, y);
        }
        if (Numbers.TryGetDecimal(va, out var da) && Numbers.TryGetDecimal(vb, out var db))
            return Numbers.EquivalentDecimals(da, db);
        return false;
    }

    // Complex values are equal when all their child properties are (N1 §6.1.1 "complex types").
    private static bool NodesEqual(ElementNode a, ElementNode b, bool equivalent)
    {
        if (a.HasValue != b.HasValue) return false;
        if (a.HasValue && (equivalent ? !ItemsEquivalent(a, b) : ItemsEqual(a, b) != true)) return false;
        var ca = a.Children;
        var cb = b.Children;
        if (!equivalent && ca.Count != cb.Count) return false;
        // Child by child in order; equivalence ignores ids.
        int i = 0, j = 0;
        while (true)
        {
            if (equivalent)
            {
                while (i < ca.Count && ca[i].Name == "id") i++;
                while (j < cb.Count && cb[j].Name == "id") j++;
            }
            if (i == ca.Count || j == cb.Count) return i == ca.Count && j == cb.Count;
            var x = ca[i++];
            var y = cb[j++];
            if (x.Name != y.Name) return false;
            if (x.Value is null && y.Value is null ? !NodesEqual(x, y, equivalent)
                : equivalent ? !ItemsEquivalent(x, y) || !NodesEqual(x, y, equivalent)
                : ItemsEqual(x, y) != true || !NodesEqual(x, y, equivalent)) return false;
        }
    }

    private static string NormalizeString(string s) => Whitespace().Replace(s.Trim(), " ").ToLowerInvariant();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
