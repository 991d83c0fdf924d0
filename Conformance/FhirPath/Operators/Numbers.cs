namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>Numeric helpers: Integer and Long convert implicitly to Decimal (N1 §4.1 "Conversion").</summary>
internal static class Numbers
{
    public static bool TryGetDecimal(object? value, out decimal result)
    {
        switch (value)
        {
            case int i: result = i; return true;
            case long l: result = l; return true;
            case decimal d: result = d; return true;
            default: result = 0; return false;
        }
    }

    public static bool IsNumber(object? value) => value is int or long or decimal;

    /// <summary>Digits after the decimal point as written (1.10 → 2).</summary>
    public static int Scale(decimal d) => (decimal.GetBits(d)[3] >> 16) & 0xFF;

    // Decimal equivalence compares at the precision of the less precise operand (N1 §6.1.3).
    public static bool EquivalentDecimals(decimal a, decimal b)
    {
        var scale = Math.Min(Scale(a), Scale(b));
        return Math.Round(a, scale, MidpointRounding.AwayFromZero) == Math.Round(b, scale, MidpointRounding.AwayFromZero);
    }
}
