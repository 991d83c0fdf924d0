namespace FhirServer.Samples;

/// <summary>
/// The generator's randomness: one <see cref="Random"/> per generated entity, seeded from the run's seed, the kind of
/// entity and its index. An entity's content then depends on nothing generated before it, so output is the same for
/// the same seed whatever the size, and nothing needs remembering between entities (constant memory).
/// </summary>
internal sealed class SampleRandom
{
    private readonly Random _random;

    public SampleRandom(int seed, string stream, long index)
    {
        // SplitMix64 finalizer over the three inputs: well-spread seeds for neighbouring indexes. The stream name is
        // hashed by hand, as string.GetHashCode differs between processes.
        ulong x = (ulong)seed * 0x9E3779B97F4A7C15UL;
        foreach (var c in stream) x = (x ^ c) * 0x100000001B3UL;
        x ^= (ulong)index * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        // Random(int) is the seeded algorithm .NET keeps stable across versions for exactly this use.
        _random = new Random((int)(x & 0x7FFFFFFF));
    }

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    public int Between(int min, int maxInclusive) => _random.Next(min, maxInclusive + 1);

    public bool Chance(double probability) => _random.NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    public string Digits(int count)
    {
        Span<char> digits = stackalloc char[count];
        for (var i = 0; i < count; i++) digits[i] = (char)('0' + _random.Next(10));
        return new string(digits);
    }

    /// <summary>A version 4 UUID (RFC 4122 §4.4) from this entity's randomness, as <c>urn:uuid:</c>.</summary>
    public string UuidUrn()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return "urn:uuid:" + new Guid(bytes, bigEndian: true).ToString("D");
    }

    /// <summary>A date and time between <paramref name="from"/> and <paramref name="to"/>, to the minute, in Paris winter time.</summary>
    public DateTimeOffset Moment(DateOnly from, DateOnly to)
    {
        var days = to.DayNumber - from.DayNumber;
        var day = from.AddDays(_random.Next(days + 1));
        return new DateTimeOffset(day.Year, day.Month, day.Day, _random.Next(8, 19), _random.Next(60), 0, TimeSpan.FromHours(1));
    }
}
