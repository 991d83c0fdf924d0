using System.Globalization;
using FhirServer.Conformance.Search;

namespace FhirServer.Conformance.Tests.Search;

/// <summary>The intervals dates and numbers stand for (R4 search.html: date §2.1.1.5.4, number §2.1.1.5.3).</summary>
public class IndexIntervalTests
{
    private static long Us(string instant) =>
        (DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    [TestCase("2024", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z")]
    [TestCase("2024-02", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")]
    [TestCase("2024-12", "2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z")]
    [TestCase("2024-02-29", "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z")]
    [TestCase("2024-02-29T23:59:59+02:00", "2024-02-29T21:59:59Z", "2024-02-29T22:00:00Z")]
    [TestCase("2024-03-01T00:30:00-05:00", "2024-03-01T05:30:00Z", "2024-03-01T05:30:01Z")]
    [TestCase("2024-02-29T10:00:00.5Z", "2024-02-29T10:00:00.5Z", "2024-02-29T10:00:00.6Z")]
    [TestCase("2024-02-29T10:00:00.120Z", "2024-02-29T10:00:00.120Z", "2024-02-29T10:00:00.121Z")]
    [TestCase("2024-02-29T10:00:00.123456Z", "2024-02-29T10:00:00.123456Z", "2024-02-29T10:00:00.123457Z")]
    [TestCase("2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z", "2017-01-01T00:00:00Z")] // a leap second
    [TestCase("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "1970-01-01T00:00:01Z")]
    [TestCase("1900", "1900-01-01T00:00:00Z", "1901-01-01T00:00:00Z")]
    public void A_date_covers_its_precision(string value, string low, string high)
    {
        Assert.That(TemporalValues.TryParse(value, out var l, out var h), Is.True);
        Assert.That((l, h), Is.EqualTo((Us(low), Us(high))));
    }

    [Test]
    public void Beyond_a_microsecond_the_interval_is_still_one_microsecond_wide()
    {
        Assert.That(TemporalValues.TryParse("2024-02-29T10:00:00.1234567891Z", out var l, out var h), Is.True);
        Assert.That((l, h), Is.EqualTo((Us("2024-02-29T10:00:00.123456Z"), Us("2024-02-29T10:00:00.123457Z"))));
    }

    [Test]
    public void The_last_year_ends_at_the_year_10000()
    {
        Assert.That(TemporalValues.TryParse("9999", out var low, out var high), Is.True);
        Assert.That(low, Is.EqualTo(Us("9999-01-01T00:00:00Z")));
        Assert.That(high, Is.EqualTo((DateTime.MaxValue.Ticks + 1 - DateTime.UnixEpoch.Ticks) / 10));
    }

    [TestCase("24")]
    [TestCase("2024-13")]
    [TestCase("2024-02-30")]
    [TestCase("2024-02-29T25:00:00Z")]
    [TestCase("2024-02-29T10:00:00.Z")]
    [TestCase("2024-02-29T10:00:00+15:00")]
    [TestCase("2024-02-29 10:00")]
    [TestCase("January 2012")]
    public void Not_a_date(string value) => Assert.That(TemporalValues.TryParse(value, out _, out _), Is.False);

    [TestCase("100", "100", "99.5", "100.5")]
    [TestCase("1.5", "1.5", "1.45", "1.55")]
    [TestCase("1.50", "1.50", "1.495", "1.505")]
    [TestCase("-3.20", "-3.20", "-3.205", "-3.195")]
    [TestCase("0", "0", "-0.5", "0.5")]
    [TestCase("1e2", "100", "50", "150")]
    [TestCase("1.0e2", "100", "95", "105")]
    [TestCase("2.5E-3", "0.0025", "0.00245", "0.00255")]
    [TestCase("+7", "7", "6.5", "7.5")]
    public void A_number_covers_half_a_unit_of_its_last_digit(string value, string expected, string low, string high)
    {
        Assert.That(NumericValues.TryParse(value, out var v, out var l, out var h), Is.True);
        Assert.That((v, l, h), Is.EqualTo((D(expected), D(low), D(high))));
    }

    [TestCase("")]
    [TestCase("1.")]
    [TestCase(".5")]
    [TestCase("1e")]
    [TestCase("12abc")]
    [TestCase("-1.0E+245")] // beyond decimal's range
    public void Not_a_number(string value) => Assert.That(NumericValues.TryParse(value, out _, out _, out _), Is.False);

    private static decimal D(string s) => decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}
