namespace FhirServer.Storage;

/// <summary>
/// Calls served in groups: a call that finds fewer than <c>maxInFlight</c> groups being served starts one at once
/// (alone if nothing else waits); calls that arrive meanwhile wait and are served together as the next group. Under one
/// caller nothing waits; under many, the groups grow with the load. The mechanism of group commit for single creates
/// (Rest.CreateCombiner) and of one statement for many reads by key (<see cref="ReadCombiner"/>).
/// </summary>
/// <param name="serve">
/// Serves a group: sets the result of each of its calls (<see cref="Call.Result"/>). A call it leaves unset when it
/// throws fails with its exception.
/// </param>
/// <param name="maxGroup">The most calls in one group.</param>
/// <param name="maxInFlight">Groups served at once.</param>
/// <param name="onOwnThread">
/// The groups are served on threads of their own (one per group in flight, kept while there is work and ended after
/// an idle time without any) rather than on the caller's, where a <paramref name="serve"/> that completes
/// synchronously would keep the first caller until the queue is empty. Not on the thread pool either: there the next
/// group waited behind the work queued by everything else (the requests being read and answered), though it is what
/// they all wait for. Measured with SQLite's writer, whose statements complete synchronously: interleaved A/B of
/// POST, 10 clients, medians 3,945 → 4,355 and 4,854 → 5,355 creates/s (6 and 8 rounds, 12 of 14 won;
/// benchmarks/rest/README.md).
/// </param>
/// <param name="size">The size of a call, with <paramref name="maxSize"/> the most a group holds (a group holds at least one call).</param>
/// <param name="idleTime">How long a thread of <paramref name="onOwnThread"/> waits for a next group before it ends (default <see cref="IdleTime"/>).</param>
internal sealed class CallGroups<TItem, TResult>(Func<IReadOnlyList<CallGroups<TItem, TResult>.Call>, Task> serve, int maxGroup, int maxInFlight,
    bool onOwnThread, Func<TItem, long>? size = null, long maxSize = long.MaxValue, TimeSpan? idleTime = null)
{
    public sealed class Call(TItem item)
    {
        public TItem Item { get; } = item;

        // Each caller continues on a thread of the pool, not on the one that serves the next group.
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>How long a thread of <c>onOwnThread</c> waits for a next group before it ends, by default.</summary>
    public static readonly TimeSpan IdleTime = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _idleTime = idleTime ?? IdleTime;

    private readonly object _gate = new();
    private readonly Queue<Call> _queue = new();
    private int _serving; // groups being served, or about to be (each takes its queue until it is empty)
    private int _starts; // onOwnThread: serving runs started and not yet taken by a thread
    private int _threads; // onOwnThread: threads alive, at least _serving

    /// <summary>Queues the call and returns its result once its group was served. Not cancellable once queued.</summary>
    public Task<TResult> CallAsync(TItem item)
    {
        var call = new Call(item);
        bool start, newThread = false;
        lock (_gate)
        {
            _queue.Enqueue(call);
            start = _serving < maxInFlight;
            if (start)
            {
                _serving++;
                if (onOwnThread)
                {
                    // Counted under the lock under which an idle thread decides to end: a start is never left without a thread.
                    _starts++;
                    newThread = _threads < _serving;
                    if (newThread) _threads++;
                    else Monitor.Pulse(_gate);
                }
            }
        }
        if (newThread)
        {
            // The thread serves everyone's calls: it must not run in the context (the request, its user) of the call that started it.
            using (ExecutionContext.SuppressFlow()) new Thread(Serve) { IsBackground = true, Name = "Call groups" }.Start();
        }
        else if (start && !onOwnThread) _ = ServeQueued();
        return call.Result.Task;
    }

    /// <summary>Threads of <c>onOwnThread</c> alive now.</summary>
    public int Threads
    {
        get { lock (_gate) return _threads; }
    }

    /// <summary>A thread of <c>onOwnThread</c>: takes serving runs as they start, ends once none came for the idle time.</summary>
    private void Serve()
    {
        while (true)
        {
            lock (_gate)
            {
                while (_starts == 0)
                {
                    if (!Monitor.Wait(_gate, _idleTime) && _starts == 0)
                    {
                        _threads--;
                        return;
                    }
                }
                _starts--;
            }
            // Synchronous here when serve is (SQLite); otherwise the rest of the run continues on the pool.
            ServeQueued().GetAwaiter().GetResult();
        }
    }

    /// <summary>Serves what is queued, group after group, until the queue is empty; throws nothing.</summary>
    private async Task ServeQueued()
    {
        while (true)
        {
            List<Call> group;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _serving--;
                    return;
                }
                group = new List<Call>(Math.Min(_queue.Count, maxGroup));
                var bytes = 0L;
                while (group.Count < maxGroup && _queue.TryPeek(out var next))
                {
                    var bytesOfNext = size?.Invoke(next.Item) ?? 0;
                    if (group.Count > 0 && bytes + bytesOfNext > maxSize) break;
                    group.Add(_queue.Dequeue());
                    bytes += bytesOfNext;
                }
            }
            try
            {
                await serve(group);
            }
            catch (Exception e)
            {
                foreach (var call in group) call.Result.TrySetException(e);
            }
        }
    }
}
