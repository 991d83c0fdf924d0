using System.Globalization;
using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Search;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// ElementDefinition.minValue[x] and maxValue[x] (R4 elementdefinition-definitions.html#ElementDefinition.minValue_x_):
/// numbers by value; date, dateTime and instant by the interval their precision covers (R4 datatypes.html#dateTime),
/// so that a value is out of range only when all of it is (<c>2020</c> is not below a minimum of <c>2020-06-01</c>);
/// time of day; Quantity by value when the units compare (the same code, or UCUM units with one canonical form).
/// The bounds are parsed once; a bound that does not parse is ignored.
/// </summary>
public sealed class ValueRangeAspect : IAspectBuilder
{
    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        var min = Bound.Read(json, "minValue");
        var max = Bound.Read(json, "maxValue");
        if (min is not null || max is not null) checks.Add(new RangeCheck(min, max));
    }

    private sealed class RangeCheck(Bound? min, Bound? max) : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (min is not null && min.Compare(node) is < 0)
                state.Report(IssueSeverity.Error, "value", min.Message(node, below: true), node);
            if (max is not null && max.Compare(node) is > 0)
                state.Report(IssueSeverity.Error, "value", max.Message(node, below: false), node);
        }
    }

    /// <summary>One bound, parsed: <see cref="Compare"/> says where a node's value lies against it (null: cannot tell).</summary>
    private abstract class Bound(string text)
    {
        public string Text { get; } = text;

        public abstract int? Compare(ElementNode node);

        public virtual string Message(ElementNode node, bool below) => below
            ? $"The value {node.Value} is less than the allowed minimum of {Text}"
            : $"The value {node.Value} is greater than the allowed maximum of {Text}";

        public static Bound? Read(JsonElement json, string prefix)
        {
            if (ValueTree.FromElement(json, prefix, out var type) is not { } value) return null;
            var text = value.Value;
            switch (type)
            {
                case "integer" or "integer64" or "positiveInt" or "unsignedInt" or "decimal":
                    return Number(text) is { } n ? new NumberBound(text!, n) : null;
                case "date" or "dateTime" or "instant":
                    return text is not null && TemporalValues.TryParse(text, out var low, out var high) ? new TemporalBound(text, low, high) : null;
                case "time":
                    return text is not null && TimeOnly.TryParse(text, CultureInfo.InvariantCulture, out var time) ? new TimeBound(text, time) : null;
                case "quantity":
                    return QuantityBound.Read(value);
                case "duration":
                    return DurationBound.Read(value, later: prefix == "maxValue");
                default:
                    return null;
            }
        }

        public static decimal? Number(string? text) =>
            decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private sealed class NumberBound(string text, decimal value) : Bound(text)
    {
        public override int? Compare(ElementNode node) => Number(node.Value) is { } n ? n.CompareTo(value) : null;
    }

    // Below: the whole interval before the bound's start; above: the whole interval after the bound's end.
    private sealed class TemporalBound(string text, long low, long high) : Bound(text)
    {
        public override int? Compare(ElementNode node)
        {
            if (node.Value is not { } v || !TemporalValues.TryParse(v, out var l, out var h)) return null;
            return h <= low ? -1 : l >= high ? 1 : 0;
        }

        public override string Message(ElementNode node, bool below) => below
            ? $"date/time value '{node.Value}' is less than permitted minimum value of {Text}"
            : $"date/time value '{node.Value}' is greater than permitted maximum value of {Text}";
    }

    /// <summary>
    /// A Duration bound on a date, dateTime or instant (minValueDuration / maxValueDuration, as the HL7 validator reads
    /// them): measured from the clock when the value is checked, a maximum lies that long after now and a minimum that
    /// long before (a birthDate at most 10 years ahead, at least 100 years back). Calendar units (a, mo) move the date
    /// by whole years and months; the others by their length in UCUM.
    /// </summary>
    private sealed class DurationBound(string text, decimal amount, string unit, bool later) : Bound(text)
    {
        public static DurationBound? Read(ValueTree duration, bool later)
        {
            string? Part(string name) => duration.Children.FirstOrDefault(c => c.Name == name)?.Items[0].Value;
            if (Number(Part("value")) is not { } value || Part("code") is not { } code) return null;
            if (code is not ("a" or "mo" or "wk" or "d" or "h" or "min" or "s" or "ms")) return null;
            return new DurationBound($"{Part("value")} {Part("unit") ?? code}", value, code, later);
        }

        public override int? Compare(ElementNode node)
        {
            if (node.Value is not { } v || !TemporalValues.TryParse(v, out var l, out var h)) return null;
            if (Limit(DateTime.UtcNow) is not { } limit || !TemporalValues.TryParse(limit.ToString("o", CultureInfo.InvariantCulture), out var at, out _))
                return null;
            return h <= at ? -1 : l > at ? 1 : 0;
        }

        private DateTime? Limit(DateTime now)
        {
            var sign = later ? 1 : -1;
            try
            {
                return unit switch
                {
                    "a" => now.AddYears(sign * (int)amount),
                    "mo" => now.AddMonths(sign * (int)amount),
                    "wk" => now.AddDays(sign * (double)amount * 7),
                    "d" => now.AddDays(sign * (double)amount),
                    "h" => now.AddHours(sign * (double)amount),
                    "min" => now.AddMinutes(sign * (double)amount),
                    "s" => now.AddSeconds(sign * (double)amount),
                    _ => now.AddMilliseconds(sign * (double)amount),
                };
            }
            catch (ArgumentOutOfRangeException)
            {
                return null; // past the calendar's range: no value can lie beyond it
            }
        }

        public override string Message(ElementNode node, bool below) => below
            ? $"date/time value '{node.Value}' is more than {Text} before now, the permitted minimum"
            : $"date/time value '{node.Value}' is more than {Text} after now, the permitted maximum";
    }

    private sealed class TimeBound(string text, TimeOnly value) : Bound(text)
    {
        public override int? Compare(ElementNode node) =>
            TimeOnly.TryParse(node.Value, CultureInfo.InvariantCulture, out var t) ? t.CompareTo(value) : null;
    }

    private sealed class QuantityBound(string text, decimal value, string? system, string? code) : Bound(text)
    {
        public static QuantityBound? Read(ValueTree quantity)
        {
            string? Part(string name) => quantity.Children.FirstOrDefault(c => c.Name == name)?.Items[0].Value;
            if (Number(Part("value")) is not { } value) return null;
            var code = Part("code");
            return new QuantityBound($"{Part("value")} {Part("unit") ?? code}".TrimEnd(), value, Part("system"), code);
        }

        public override int? Compare(ElementNode node)
        {
            if (Number(node.Child("value")?.Value) is not { } v) return null;
            var nodeSystem = node.Child("system")?.Value;
            var nodeCode = node.Child("code")?.Value;
            if (nodeSystem == system && nodeCode == code) return v.CompareTo(value);
            // UCUM units of one dimension compare once both are in canonical form (g and kg; min and h).
            if (NumericValues.CanonicalUnit(nodeSystem, nodeCode) is { } a && NumericValues.CanonicalUnit(system, code) is { } b && a.Code == b.Code)
                return (v * a.Factor).CompareTo(value * b.Factor);
            return null;
        }

        public override string Message(ElementNode node, bool below) =>
            $"The value in the instance ({node.Child("value")?.Value} {node.Child("unit")?.Value ?? node.Child("code")?.Value}) is " +
            $"{(below ? "less than the specified minimum" : "greater than the specified maximum")} value ({Text})";
    }
}
