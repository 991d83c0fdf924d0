namespace FhirServer.Hosting;

/// <summary>
/// Gives memory back to the system once the server has been idle for <see cref="ServerSettings.IdleTrimSeconds"/>.
/// Requests of megabytes (bodies, pages, Bundles) churn the large object heap, and the GC keeps committed what that churn
/// needed, several times what is alive, ready for the next busy spell: over a fuzzing run the process held 1.1–1.5 GB
/// while some 350 MB was alive (docs/fuzzing.md, "Memory"). When no request has run for that long and some ran since the
/// last time, one blocking, compacting, aggressive collection decommits the GC's free space, and glibc's heaps give back
/// their free pages. It runs once per idle spell and never while a request is in flight; a request that arrives during
/// it waits for the collection (tens to hundreds of milliseconds), as it would for any full collection.
/// </summary>
public sealed class IdleMemory(ServerSettings settings, TimeProvider time, ILogger<IdleMemory> logger) : BackgroundService
{
    private long _inFlight;
    private long _served;
    private long _servedAtLastTrim;
    private long _lastEnd = time.GetTimestamp();

    /// <summary>How many times memory was given back (for tests and the log).</summary>
    public int Trims { get; private set; }

    /// <summary>Marks a request's start; <see cref="End"/> must follow.</summary>
    public void Begin() => Interlocked.Increment(ref _inFlight);

    /// <summary>Marks a request's end.</summary>
    public void End()
    {
        Interlocked.Exchange(ref _lastEnd, time.GetTimestamp());
        Interlocked.Increment(ref _served);
        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>True when no request is in flight, one ended since the last trim, and the last ended long enough ago.</summary>
    public bool Due()
    {
        if (settings.IdleTrimSeconds <= 0) return false;
        if (Interlocked.Read(ref _inFlight) > 0) return false;
        if (Interlocked.Read(ref _served) == Interlocked.Read(ref _servedAtLastTrim)) return false;
        return time.GetElapsedTime(Interlocked.Read(ref _lastEnd)) >= TimeSpan.FromSeconds(settings.IdleTrimSeconds);
    }

    /// <summary>Trims when <see cref="Due"/>; true when it did.</summary>
    public bool TrimIfDue()
    {
        if (!Due()) return false;
        Interlocked.Exchange(ref _servedAtLastTrim, Interlocked.Read(ref _served));
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = time.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeAllocator.Trim();
        Trims++;
        logger.LogInformation("Idle for {Seconds} s: memory given back, the GC's committed memory {Before:N0} → {After:N0} MB in {Ms:N0} ms",
            settings.IdleTrimSeconds, before >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20, time.GetElapsedTime(started).TotalMilliseconds);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.IdleTrimSeconds <= 0) return;
        // Checked a few times per idle period: the trim comes at most a quarter of it late.
        var period = TimeSpan.FromSeconds(Math.Max(1, settings.IdleTrimSeconds / 4.0));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                TrimIfDue();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

internal static class IdleMemoryExtensions
{
    /// <summary>Counts the requests in flight for <see cref="IdleMemory"/>; first in the pipeline, so that it sees them all.</summary>
    public static IApplicationBuilder UseIdleMemory(this IApplicationBuilder app)
    {
        var idle = app.ApplicationServices.GetRequiredService<IdleMemory>();
        return app.Use(async (http, next) =>
        {
            idle.Begin();
            try
            {
                await next(http);
            }
            finally
            {
                idle.End();
            }
        });
    }
}
