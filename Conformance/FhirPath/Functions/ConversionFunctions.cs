using System.Globalization;
using System.Text.RegularExpressions;
using FhirServer.Conformance.FhirPath.Compilation;
using FhirServer.Conformance.FhirPath.Operators;
using FhirServer.Conformance.FhirPath.Values;

namespace FhirServer.Conformance.FhirPath.Functions;

/// <summary>N1 §5.5 Conversion: iif, and toX / convertsToX for each System type (the conversion tables of §5.5).</summary>
internal static partial class ConversionFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("iif", 2, 3, Iif);
        Pair(r, "Boolean", ToBoolean);
        Pair(r, "Integer", ToInteger);
        Pair(r, "Long", v => ToInteger(v) is int i ? (long)i : v is string s && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : v as long?);
        Pair(r, "Decimal", ToDecimal);
        Pair(r, "String", ToText);
        Pair(r, "Date", ToDate);
        Pair(r, "DateTime", ToDateTime);
        Pair(r, "Time", v => v switch
        {
            PartialDateTime { Kind: TemporalKind.Time } t => t,
            string s => PartialDateTime.TryParse(s.StartsWith('T') ? s[1..] : s, TemporalKind.Time),
            _ => null,
        });
        r.Add("toQuantity", 0, 1, (call, input) => Items.Of(ToQuantity(call, input)));
        r.Add("convertsToQuantity", 0, 1, (call, input) => input.Count == 0 ? Items.Empty : Items.Bool(ToQuantity(call, input) is not null));
    }

    private static void Pair(FunctionRegistry r, string type, Func<object, object?> convert)
    {
        r.Add("to" + type, 0, (call, input) => Items.SingleValue(input, call.Name) is { } v ? Items.Of(convert(v)) : Items.Empty);
        r.Add("convertsTo" + type, 0, (call, input) =>
            Items.Single(input, call.Name) is { } item ? Items.Bool(SystemValues.ToSystem(item) is { } v && convert(v) is not null) : Items.Empty);
    }

    // iif's criterion must be a Boolean; with an explicit input, that input is $this of the arguments (N1 §5.5.1).
    private static IReadOnlyList<object> Iif(Call call, IReadOnlyList<object> input)
    {
        if (input.Count > 1) throw FhirPathException.Execution("iif() expects at most one input item");
        var frame = input.Count == 1 ? new Frame(call.Frame.State, input, call.Frame.Index, call.Frame.Total) : call.Frame;
        var criterion = Items.StrictBoolean(call.Args[0](frame), "iif criterion");
        if (criterion == true) return call.Args[1](frame);
        return call.Count > 2 ? call.Args[2](frame) : Items.Empty;
    }

    private static object? ToBoolean(object v) => v switch
    {
        bool b => b,
        int i => i == 1 ? true : i == 0 ? false : null,
        long l => l == 1 ? true : l == 0 ? false : null,
        decimal d => d == 1m ? true : d == 0m ? false : null,
        string s => s.ToLowerInvariant() switch
        {
            "true" or "t" or "yes" or "y" or "1" or "1.0" => true,
            "false" or "f" or "no" or "n" or "0" or "0.0" => false,
            _ => null,
        },
        _ => null,
    };

    private static object? ToInteger(object v) => v switch
    {
        int i => i,
        bool b => b ? 1 : 0,
        string s when IntegerText().IsMatch(s) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : null,
        _ => null,
    };

    private static object? ToDecimal(object v) => v switch
    {
        int i => (decimal)i,
        long l => (decimal)l,
        decimal d => d,
        bool b => b ? 1.0m : 0.0m,
        string s when DecimalText().IsMatch(s) => decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : null,
        _ => null,
    };

    private static object? ToText(object v) => v switch
    {
        string s => s,
        _ => SystemValues.Format(v),
    };

    private static object? ToDate(object v) => v switch
    {
        PartialDateTime { Kind: TemporalKind.Date } d => d,
        PartialDateTime { Kind: TemporalKind.DateTime } dt => dt with
        {
            Kind = TemporalKind.Date, Precision = dt.Precision > TemporalPrecision.Day ? TemporalPrecision.Day : dt.Precision,
            Hour = 0, Minute = 0, Second = 0, Millisecond = 0, Offset = null,
        },
        string s => PartialDateTime.TryParse(s, TemporalKind.Date) ?? (ToDateTime(s) is PartialDateTime dt ? ToDate(dt) : null),
        _ => null,
    };

    private static object? ToDateTime(object v) => v switch
    {
        PartialDateTime { Kind: TemporalKind.DateTime } dt => dt,
        PartialDateTime { Kind: TemporalKind.Date } d => d with { Kind = TemporalKind.DateTime },
        string s => PartialDateTime.TryParse(s, TemporalKind.DateTime),
        _ => null,
    };

    private static Quantity? ToQuantity(Call call, IReadOnlyList<object> input)
    {
        if (Items.SingleValue(input, call.Name) is not { } v) return null;
        Quantity? q = v switch
        {
            Quantity x => x,
            int i => new Quantity(i, "1"),
            long l => new Quantity(l, "1"),
            decimal d => new Quantity(d, "1"),
            bool b => new Quantity(b ? 1.0m : 0.0m, "1"),
            string s => Quantity.TryParse(s),
            _ => null,
        };
        if (q is null || call.Count == 0) return q;
        var unit = Items.SingleString(call.Arg(0), call.Name);
        if (unit is null) return null;
        var target = new Quantity(1, unit);
        return QuantityMath.ConvertTo(q, target) is { } converted ? new Quantity(converted, unit) : null;
    }

    [GeneratedRegex(@"^[+-]?\d+$")]
    private static partial Regex IntegerText();

    [GeneratedRegex(@"^[+-]?\d+(\.\d+)?$")]
    private static partial Regex DecimalText();
}
