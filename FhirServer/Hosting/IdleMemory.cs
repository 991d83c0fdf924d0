namespace FhirServer.Hosting;

/// <summary>
/// Gives memory back to the system once the server has been idle for <see cref="ServerSettings.IdleTrimSeconds"/>.
/// Requests of megabytes (bodies, pages, Bundles) churn the large object heap, and the GC keeps committed what that churn
/// needed, several times what is alive, ready for the next busy spell: over a fuzzing run the process held 1.1–1.5 GB
/// while some 350 MB was alive (docs/fuzzing.md, "Memory"). When no request has run for that long and some ran since the
/// last time, one blocking, compacting, aggressive collection decommits the GC's free space, and glibc's heaps give back
/// their free pages. It runs once per idle spell, when no request has begun or ended for that long; a request that
/// arrives during it waits for the collection (hundreds of milliseconds to a second or two), as it would for any full
/// collection. A request still in flight then (one that has made no progress for the whole idle time) is logged.
/// </summary>
public sealed class IdleMemory(ServerSettings settings, TimeProvider time, ILogger<IdleMemory> logger) : BackgroundService
{
    // What the log needs of each request in flight, copied when it begins: an HttpContext is pooled and reused by the
    // connection, and once its request has ended reading it throws (ObjectDisposedException), so the trim, on another
    // thread, must never touch one.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Request, byte> _inFlight = new();
    private long _served;
    private long _servedAtLastTrim;
    private long _lastActivity = time.GetTimestamp();
    private long _committedAfterLastTrim;

    /// <summary>
    /// How much the GC's committed memory must have grown since the last trim for another to be worth its pause: a
    /// server answering a request now and then is not collected after each.
    /// </summary>
    internal long MinimumGrowthBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How many times memory was given back (for tests and the log).</summary>
    public int Trims { get; private set; }

    /// <summary>A request in flight, as the log names it.</summary>
    public sealed class Request(string method, string? path, long since)
    {
        public string Method => method;
        public string? Path => path;
        public long Since => since;
    }

    /// <summary>Marks a request's start; <see cref="End"/> must follow with what this returns.</summary>
    public Request Begin(HttpContext http)
    {
        var now = time.GetTimestamp();
        var request = new Request(http.Request.Method, http.Request.Path.Value, now);
        _inFlight[request] = 0;
        Interlocked.Exchange(ref _lastActivity, now);
        return request;
    }

    /// <summary>Marks a request's end.</summary>
    public void End(Request request)
    {
        _inFlight.TryRemove(request, out _);
        Interlocked.Exchange(ref _lastActivity, time.GetTimestamp());
        Interlocked.Increment(ref _served);
    }

    /// <summary>
    /// True when a request ended since the last trim and none began or ended for the idle time. A request that has
    /// made no progress for that long (a client that went silent mid-body) does not hold the trim back: it is named in
    /// the log instead.
    /// </summary>
    public bool Due()
    {
        if (settings.IdleTrimSeconds <= 0) return false;
        if (Interlocked.Read(ref _served) == Interlocked.Read(ref _servedAtLastTrim)) return false;
        if (time.GetElapsedTime(Interlocked.Read(ref _lastActivity)) < TimeSpan.FromSeconds(settings.IdleTrimSeconds)) return false;
        return GC.GetGCMemoryInfo().TotalCommittedBytes - Interlocked.Read(ref _committedAfterLastTrim) >= MinimumGrowthBytes;
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
        var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Interlocked.Exchange(ref _committedAfterLastTrim, after);
        logger.LogInformation("Idle for {Seconds} s: memory given back, the GC's committed memory {Before:N0} → {After:N0} MB in {Ms:N0} ms",
            settings.IdleTrimSeconds, before >> 20, after >> 20, time.GetElapsedTime(started).TotalMilliseconds);
        foreach (var request in _inFlight.Keys)
            logger.LogWarning("Still in flight while idle: {Method} {Path} for {Seconds:N0} s",
                request.Method, request.Path, time.GetElapsedTime(request.Since).TotalSeconds);
        return true;
    }

    /// <summary>Requests begun and not ended.</summary>
    public int InFlight => _inFlight.Count;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.IdleTrimSeconds <= 0) return;
        // Checked a few times per idle period: the trim comes at most a quarter of it late.
        var period = TimeSpan.FromSeconds(Math.Max(1, settings.IdleTrimSeconds / 4.0));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A housekeeping failure is logged, never allowed to end the service: a failed background service
                // stops the host (HostOptions.BackgroundServiceExceptionBehavior), and the server with it.
                try
                {
                    TrimIfDue();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "The idle memory trim failed; it will be tried again at the next idle spell");
                }
            }
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
            var request = idle.Begin(http);
            try
            {
                await next(http);
            }
            finally
            {
                idle.End(request);
            }
        });
    }
}
