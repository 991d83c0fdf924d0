using System.Globalization;
using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Search;

/// <summary>
/// Number and quantity values with the interval their precision implies (R4 search.html §2.1.1.5.3 number:
/// "100" means [99.5, 100.5), "1e2" [50, 150)), and quantities also in canonical UCUM units (§2.1.1.5.6), so that
/// <c>5 mg</c> and <c>0.005 g</c> meet.
/// </summary>
public static class NumericValues
{
    public const string UcumSystem = "http://unitsofmeasure.org";
    public const string CurrencySystem = "urn:iso:std:iso:4217";

    internal static bool AddNumber(object item, List<IndexValue> values)
    {
        switch (item)
        {
            case ElementNode { Type: "decimal" or "integer" or "positiveInt" or "unsignedInt" or "integer64" } node:
                if (node.Value is not { } text) return true;
                if (!TryParse(text, out var value, out var low, out var high)) return false;
                values.Add(new NumberIndex(value, low, high));
                return true;
            case ElementNode { Type: "Range" } range:
                if (ReadRange(range) is { } r) values.Add(new NumberIndex(r.Value, r.Low, r.High));
                return true;
            case int or long or decimal:
                if (!TryParse(SystemValues.Format(item)!, out var v, out var l, out var h)) return false;
                values.Add(new NumberIndex(v, l, h));
                return true;
            default:
                return false;
        }
    }

    internal static bool AddQuantity(object item, List<IndexValue> values)
    {
        switch (item)
        {
            case ElementNode { Type: "Money" } money:
                if (money.Child("value")?.Value is not { } amount) return true;
                if (!TryParse(amount, out var value, out var low, out var high)) return false;
                var currency = money.Child("currency")?.Value;
                values.Add(new QuantityIndex(value, low, high, currency is null ? null : CurrencySystem, currency, null));
                return true;
            case ElementNode { Type: "Range" } range:
                if (ReadRange(range) is { } r)
                    values.Add(new QuantityIndex(r.Value, r.Low, r.High, r.Units.System, r.Units.Code, r.Units.Unit,
                        r.Canonical?.Value, r.Canonical?.Code) { CanonicalLow = r.Canonical?.Low, CanonicalHigh = r.Canonical?.High });
                return true;
            case ElementNode node when SystemValues.IsQuantityNode(node):
                if (node.Child("value") is null) return true;
                if (ReadQuantity(node) is not { } q) return false;
                values.Add(q);
                return true;
            case Quantity system:
                if (!TryParse(system.Value.ToString(CultureInfo.InvariantCulture), out var v, out var l, out var h)) return false;
                var ucum = system.IsCalendar ? null : UcumSystem;
                values.Add(WithCanonical(new QuantityIndex(v, l, h, ucum, system.Unit, system.Unit)));
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// A decimal literal (<c>1.50</c>, <c>-3</c>, <c>1e2</c>) and the interval half a unit of its last significant
    /// digit either side of it: [low, high).
    /// </summary>
    public static bool TryParse(string text, out decimal value, out decimal low, out decimal high)
    {
        value = low = high = 0;
        var p = 0;
        if (p < text.Length && text[p] is '-' or '+') p++;
        var digitsStart = p;
        while (p < text.Length && char.IsAsciiDigit(text[p])) p++;
        if (p == digitsStart) return false;
        var fractionDigits = 0;
        if (p < text.Length && text[p] == '.')
        {
            p++;
            var start = p;
            while (p < text.Length && char.IsAsciiDigit(text[p])) p++;
            fractionDigits = p - start;
            if (fractionDigits == 0) return false;
        }
        var exponent = 0;
        if (p < text.Length && text[p] is 'e' or 'E')
        {
            p++;
            if (!int.TryParse(text.AsSpan(p), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)) return false;
            p = text.Length;
        }
        if (p != text.Length || !decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value)) return false;
        // Half a unit of the last digit: 5 × 10^(unit - 1), where the last digit is worth 10^unit.
        var half = Power(exponent - fractionDigits - 1);
        if (half is null) return false;
        try
        {
            low = value - half.Value;
            high = value + half.Value;
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    // 5 × 10^n; below decimal's 28 digits of scale the half-unit is the smallest the type holds.
    private static decimal? Power(int n)
    {
        if (n < -28) return new decimal(1, 0, 0, false, 28);
        if (n < 0) return new decimal(5, 0, 0, false, (byte)-n);
        if (n > 27) return null;
        var r = 5m;
        for (var i = 0; i < n; i++) r *= 10;
        return r;
    }

    private static QuantityIndex? ReadQuantity(ElementNode node)
    {
        if (node.Child("value")?.Value is not { } text || !TryParse(text, out var value, out var low, out var high)) return null;
        var q = new QuantityIndex(value, low, high, node.Child("system")?.Value, node.Child("code")?.Value, node.Child("unit")?.Value);
        return WithCanonical(q);
    }

    private static QuantityIndex WithCanonical(QuantityIndex q)
    {
        if (Canonical(q.System, q.Code) is not { } unit) return q;
        try
        {
            return q with
            {
                CanonicalValue = q.Value * unit.Factor, CanonicalCode = unit.UnitText,
                CanonicalLow = q.Low * unit.Factor, CanonicalHigh = q.High * unit.Factor,
            };
        }
        catch (OverflowException)
        {
            return q;
        }
    }

    /// <summary>
    /// A searched quantity in the canonical UCUM form the index keeps (<c>250 mg</c> → <c>0.25 g</c>): the factor to
    /// multiply by and the canonical unit; null when the system is not UCUM or the code does not parse.
    /// </summary>
    public static (decimal Factor, string Code)? CanonicalUnit(string? system, string? code) =>
        Canonical(system, code) is { } unit ? (unit.Factor, unit.UnitText) : null;

    // Only UCUM codes convert; FhirPath.Values.Ucum knows the common clinical atoms and treats others as units of
    // their own, so every UCUM code has a canonical form that at least equals itself.
    private static Ucum.Canonical? Canonical(string? system, string? code) =>
        system == UcumSystem && code is { Length: > 0 } ? Ucum.Parse(code) : null;

    private sealed record RangeValue(decimal Value, decimal Low, decimal High, QuantityIndex Units,
        (decimal Value, string Code, decimal Low, decimal High)? Canonical);

    // A Range is one interval from its low end to its high end; a missing end is open.
    private static RangeValue? ReadRange(ElementNode range)
    {
        var low = range.Child("low") is { } l ? ReadQuantity(l) : null;
        var high = range.Child("high") is { } h ? ReadQuantity(h) : null;
        var units = low ?? high;
        if (units is null) return null;
        (decimal, string, decimal, decimal)? canonical = null;
        if ((low is null || low.CanonicalCode is not null) && (high is null || high.CanonicalCode is not null) &&
            (low is null || high is null || low.CanonicalCode == high.CanonicalCode))
            canonical = (units.CanonicalValue!.Value, units.CanonicalCode!, low?.CanonicalLow ?? decimal.MinValue, high?.CanonicalHigh ?? decimal.MaxValue);
        return new RangeValue(units.Value, low?.Low ?? decimal.MinValue, high?.High ?? decimal.MaxValue, units, canonical);
    }
}
