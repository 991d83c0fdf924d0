namespace FhirServer.Conformance.FhirPath.Values;

/// <summary>
/// Enough of UCUM (https://ucum.org/ucum) to compare and multiply quantities of common clinical units: a unit
/// expression is reduced to a factor and a product of base units with exponents. Atoms not in the table count
/// as base units of their own, so a unit always compares with itself. Units with an offset (Cel, [degF]) are not
/// converted.
/// </summary>
internal static class Ucum
{
    internal sealed record Canonical(decimal Factor, SortedDictionary<string, int> Dimensions)
    {
        public bool SameDimensions(Canonical other) =>
            Dimensions.Count == other.Dimensions.Count && Dimensions.All(kv => other.Dimensions.TryGetValue(kv.Key, out var e) && e == kv.Value);

        public string UnitText => Dimensions.Count == 0
            ? "1"
            : string.Join('.', Dimensions.Select(kv => kv.Value == 1 ? kv.Key : kv.Key + kv.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static readonly Dictionary<string, (decimal Factor, string Unit)> Metric = new(StringComparer.Ordinal)
    {
        ["g"] = (1m, "g"), ["m"] = (1m, "m"), ["s"] = (1m, "s"), ["mol"] = (1m, "mol"), ["K"] = (1m, "K"),
        ["A"] = (1m, "A"), ["cd"] = (1m, "cd"), ["L"] = (0.001m, "m3"), ["l"] = (0.001m, "m3"), ["eq"] = (1m, "eq"),
        ["U"] = (1m, "U"), ["Pa"] = (1000m, "g.m-1.s-2"), ["bar"] = (100000000m, "g.m-1.s-2"), ["N"] = (1000m, "g.m.s-2"),
        ["J"] = (1000m, "g.m2.s-2"), ["W"] = (1000m, "g.m2.s-3"), ["Hz"] = (1m, "s-1"), ["IU"] = (1m, "[IU]"),
        ["cal"] = (4184m, "g.m2.s-2"),
    };

    private static readonly Dictionary<string, (decimal Factor, string Unit)> Special = new(StringComparer.Ordinal)
    {
        ["1"] = (1m, ""), ["%"] = (0.01m, ""), ["min"] = (60m, "s"), ["h"] = (3600m, "s"), ["d"] = (86400m, "s"),
        ["wk"] = (604800m, "s"), ["mo"] = (2629800m, "s"), ["a"] = (31557600m, "s"), ["[lb_av]"] = (453.59237m, "g"),
        ["[oz_av]"] = (28.349523125m, "g"), ["[in_i]"] = (0.0254m, "m"), ["[ft_i]"] = (0.3048m, "m"),
        ["[yd_i]"] = (0.9144m, "m"), ["[mi_i]"] = (1609.344m, "m"), ["mm[Hg]"] = (133322m, "g.m-1.s-2"),
        ["[ppm]"] = (0.000001m, ""), ["[ppb]"] = (0.000000001m, ""), ["[iU]"] = (1m, "[IU]"), ["[IU]"] = (1m, "[IU]"),
        ["10*3"] = (1000m, ""), ["10*6"] = (1000000m, ""), ["10*9"] = (1000000000m, ""), ["10*12"] = (1000000000000m, ""),
    };

    private static readonly (string Prefix, decimal Factor)[] Prefixes =
    [
        ("da", 10m), ("Y", 1e24m), ("Z", 1e21m), ("E", 1e18m), ("P", 1e15m), ("T", 1e12m), ("G", 1e9m), ("M", 1e6m),
        ("k", 1e3m), ("h", 1e2m), ("d", 0.1m), ("c", 0.01m), ("m", 0.001m), ("u", 0.000001m), ("n", 0.000000001m),
        ("p", 0.000000000001m), ("f", 0.000000000000001m), ("a", 1e-18m), ("z", 1e-21m), ("y", 1e-24m),
    ];

    /// <summary>
    /// The canonical form of a unit, or null when it does not parse. Strict, every atom must be a UCUM unit
    /// (<see cref="UcumAtoms"/>); otherwise an unknown atom counts as a base unit of its own.
    /// </summary>
    public static Canonical? Parse(string unit, bool strict = false)
    {
        try
        {
            var pos = 0;
            var result = Term(unit, ref pos, strict);
            return pos == unit.Length ? result : null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    public static Canonical Multiply(Canonical a, Canonical b, int sign)
    {
        var dims = new SortedDictionary<string, int>(a.Dimensions, StringComparer.Ordinal);
        foreach (var (k, e) in b.Dimensions)
        {
            var v = dims.GetValueOrDefault(k) + sign * e;
            if (v == 0) dims.Remove(k);
            else dims[k] = v;
        }
        return new Canonical(sign > 0 ? a.Factor * b.Factor : a.Factor / b.Factor, dims);
    }

    private static Canonical Term(string s, ref int pos, bool strict)
    {
        var result = new Canonical(1m, new SortedDictionary<string, int>(StringComparer.Ordinal));
        var sign = 1;
        if (pos < s.Length && s[pos] == '/')
        {
            sign = -1;
            pos++;
        }
        while (true)
        {
            result = Multiply(result, Component(s, ref pos, strict), sign);
            if (pos >= s.Length || s[pos] == ')') return result;
            sign = s[pos] switch { '.' => 1, '/' => -1, _ => throw new FormatException() };
            pos++;
        }
    }

    private static Canonical Component(string s, ref int pos, bool strict)
    {
        if (pos < s.Length && s[pos] == '(')
        {
            pos++;
            var inner = Term(s, ref pos, strict);
            if (pos >= s.Length || s[pos] != ')') throw new FormatException();
            pos++;
            return inner;
        }
        if (pos < s.Length && s[pos] == '{')
        {
            SkipAnnotation(s, ref pos);
            return new Canonical(1m, new SortedDictionary<string, int>(StringComparer.Ordinal));
        }
        var start = pos;
        // 10*3 and similar powers of ten are atoms of their own.
        if (s.AsSpan(pos).StartsWith("10*")) pos += 3;
        while (pos < s.Length && s[pos] is not ('.' or '/' or '(' or ')' or '{'))
        {
            if (s[pos] == '[')
            {
                var close = s.IndexOf(']', pos);
                if (close < 0) throw new FormatException();
                pos = close + 1;
                continue;
            }
            if ((char.IsAsciiDigit(s[pos]) || s[pos] is '+' or '-') && pos > start && !s.AsSpan(start).StartsWith("10*")) break;
            pos++;
        }
        var atom = s[start..pos];
        var expStart = pos;
        if (pos < s.Length && s[pos] is '+' or '-') pos++;
        while (pos < s.Length && char.IsAsciiDigit(s[pos])) pos++;
        var exponent = pos > expStart ? int.Parse(s[expStart..pos], System.Globalization.CultureInfo.InvariantCulture) : 1;
        if (pos < s.Length && s[pos] == '{') SkipAnnotation(s, ref pos);
        if (atom.Length == 0) throw new FormatException();
        if (strict && !UcumAtoms.IsKnown(atom, Prefixes.Select(p => p.Prefix))) throw new FormatException();
        var baseUnit = Atom(atom);
        var factor = 1m;
        var dims = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            factor = exponent > 0 ? factor * baseUnit.Factor : factor / baseUnit.Factor;
            foreach (var (k, e) in baseUnit.Dimensions) dims[k] = dims.GetValueOrDefault(k) + Math.Sign(exponent) * e;
        }
        foreach (var k in dims.Where(kv => kv.Value == 0).Select(kv => kv.Key).ToList()) dims.Remove(k);
        return new Canonical(factor, dims);
    }

    private static void SkipAnnotation(string s, ref int pos)
    {
        var close = s.IndexOf('}', pos);
        if (close < 0) throw new FormatException();
        pos = close + 1;
    }

    private static Canonical Atom(string atom)
    {
        if (Special.TryGetValue(atom, out var special)) return Expand(special.Factor, special.Unit);
        if (Metric.TryGetValue(atom, out var metric)) return Expand(metric.Factor, metric.Unit);
        foreach (var (prefix, factor) in Prefixes)
            if (atom.Length > prefix.Length && atom.StartsWith(prefix, StringComparison.Ordinal) &&
                Metric.TryGetValue(atom[prefix.Length..], out var m))
                return Expand(factor * m.Factor, m.Unit);
        return new Canonical(1m, new SortedDictionary<string, int>(StringComparer.Ordinal) { [atom] = 1 });
    }

    private static Canonical Expand(decimal factor, string units)
    {
        var dims = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (units.Length > 0)
            foreach (var part in units.Split('.'))
            {
                var i = part.Length;
                while (i > 0 && (char.IsAsciiDigit(part[i - 1]) || part[i - 1] == '-')) i--;
                if (part.StartsWith('[')) i = part.IndexOf(']') + 1;
                var exp = i < part.Length ? int.Parse(part[i..], System.Globalization.CultureInfo.InvariantCulture) : 1;
                dims[part[..i]] = dims.GetValueOrDefault(part[..i]) + exp;
            }
        return new Canonical(factor, dims);
    }
}
