using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// A hash code consistent with <see cref="Equality.ItemsEqual"/>: two items it finds equal have the same code, so that
/// removing duplicates (union, <c>distinct()</c>, N1 §6.5.1, §5.1) compares an item only with those of the same code
/// instead of with every item kept so far — a union over 50,000 components was 50,000² comparisons.
/// </summary>
internal static class ItemHashing
{
    // Complex values are hashed this many levels down; below, only the children's names count (still consistent:
    // equal nodes have equal names all the way down).
    private const int NodeDepth = 3;

    public static int Hash(object item)
    {
        var value = SystemValues.ToSystem(item);
        if (value is null) return item is ElementNode node ? NodeHash(node, NodeDepth) : 0;
        return SystemHash(value);
    }

    private static int SystemHash(object value)
    {
        switch (value)
        {
            case string s: return string.GetHashCode(s, StringComparison.Ordinal);
            case bool b: return b ? 1 : 2;
            case PartialDateTime d: return TemporalComparison.EqualityHash(d);
            case Quantity q: return QuantityHash(q);
        }
        // 1 and 1.0 are equal (N1 §6.1.1): the hash of the decimal value, whatever its scale or type.
        return Numbers.TryGetDecimal(value, out var number) ? CanonicalDecimalHash(number) : 0;
    }

    // Quantities are equal across comparable units (1000 'mg' = 1 'g'): the hash is of the value in the units'
    // canonical form (UCUM base units; months for calendar years and months), rounded to 12 significant digits, so that
    // the last-digit differences of the decimal conversions meet in one code.
    private static int QuantityHash(Quantity q)
    {
        if (q.IsCalendar && q.UcumUnit is null) return HashCode.Combine("calendar-month", Rounded(q.Unit == "year" ? q.Value * 12 : q.Value));
        if (q.UcumUnit is { } unit && Ucum.Parse(unit) is { } canonical)
        {
            var dimensions = 0;
            foreach (var (name, exponent) in canonical.Dimensions) dimensions = HashCode.Combine(dimensions, name, exponent);
            decimal scaled;
            try { scaled = q.Value * canonical.Factor; }
            catch (OverflowException) { return dimensions; }
            return HashCode.Combine(dimensions, Rounded(scaled));
        }
        // Units that are not UCUM compare as written.
        return HashCode.Combine(q.Unit, CanonicalDecimalHash(q.Value));
    }

    private static double Rounded(decimal value)
    {
        var d = (double)value;
        if (d == 0 || !double.IsFinite(d)) return 0;
        var magnitude = Math.Floor(Math.Log10(Math.Abs(d)));
        var unit = Math.Pow(10, magnitude - 11);
        return Math.Round(d / unit) * unit;
    }

    // decimal.GetHashCode is the same for 1.0 and 1.00 (it ignores trailing zeros), as equality does.
    private static int CanonicalDecimalHash(decimal value) => value.GetHashCode();

    // Consistent with Equality.NodesEqual (not equivalence): same number of children, same names in order, children
    // with a value equal as values, children without one equal as nodes.
    private static int NodeHash(ElementNode node, int depth)
    {
        var children = node.Children;
        var hash = children.Count;
        foreach (var child in children)
        {
            hash = HashCode.Combine(hash, child.Name);
            if (depth == 0) continue;
            hash = HashCode.Combine(hash, child.Value is null ? NodeHash(child, depth - 1) : Hash(child));
        }
        return hash;
    }
}
