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
/// The groups are served on a thread of the pool rather than on the caller's: a <paramref name="serve"/> that completes
/// synchronously would otherwise keep the first caller until the queue is empty.
/// </param>
/// <param name="size">The size of a call, with <paramref name="maxSize"/> the most a group holds (a group holds at least one call).</param>
internal sealed class CallGroups<TItem, TResult>(Func<IReadOnlyList<CallGroups<TItem, TResult>.Call>, Task> serve, int maxGroup, int maxInFlight,
    bool onOwnThread, Func<TItem, long>? size = null, long maxSize = long.MaxValue)
{
    public sealed class Call(TItem item)
    {
        public TItem Item { get; } = item;

        // Each caller continues on a thread of the pool, not on the one that serves the next group.
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly object _gate = new();
    private readonly Queue<Call> _queue = new();
    private int _serving;

    /// <summary>Queues the call and returns its result once its group was served. Not cancellable once queued.</summary>
    public Task<TResult> CallAsync(TItem item)
    {
        var call = new Call(item);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(call);
            start = _serving < maxInFlight;
            if (start) _serving++;
        }
        if (start)
        {
            if (onOwnThread) _ = Task.Run(ServeQueued);
            else _ = ServeQueued();
        }
        return call.Result.Task;
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
                while (group.Count < maxGroup && _queue.TryPeek(out var next)
                       && (group.Count == 0 || size is null || bytes + size(next.Item) <= maxSize))
                {
                    group.Add(_queue.Dequeue());
                    if (size is not null) bytes += size(next.Item);
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
