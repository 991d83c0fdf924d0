namespace FhirServer.Tests.Fuzz;

/// <summary>How long and how hard a fuzz run goes, and where its reproducers go.</summary>
public sealed record FuzzOptions
{
    public int Seed { get; init; } = 20_261_207;

    /// <summary>Requests to send after seeding; with <see cref="Duration"/>, whichever ends first.</summary>
    public int? Requests { get; init; }

    public TimeSpan? Duration { get; init; }

    public int Clients { get; init; } = 4;

    public IReadOnlyCollection<string> Skip { get; init; } = [];

    /// <summary>A response slower than this is a failure (a hang, in a fuzz run).</summary>
    public TimeSpan SlowAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for a response before calling the server hung.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Reproducers kept per failure class and category.</summary>
    public int ReproducersPerClass { get; init; } = 3;

    /// <summary>
    /// How long to leave the server idle after the last request before reading its memory once more: the server gives
    /// memory back after <c>Server:IdleTrimSeconds</c> (10 s) without a request. Zero reads nothing more.
    /// </summary>
    public TimeSpan IdleWait { get; init; }

    public string ReproducerFolder { get; init; } = Path.Combine(Path.GetTempPath(), "fhirserver-fuzz");
}
