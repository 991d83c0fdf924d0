using FhirServer.Storage;

namespace FhirServer.Tests.Storage;

/// <summary>
/// Groups served on threads of their own (CallGroups with onOwnThread, as single creates are): where a group runs, and
/// that calls arriving around the moment such a thread ends are still served.
/// </summary>
public class CallGroupsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static CallGroups<int, int> Doubling(List<(int[] Items, Thread Thread)> served, TimeSpan? idle = null, int maxInFlight = 1) =>
        new(group =>
        {
            lock (served) served.Add(([.. group.Select(c => c.Item)], Thread.CurrentThread));
            foreach (var call in group) call.Result.SetResult(call.Item * 2);
            return Task.CompletedTask;
        }, maxGroup: 64, maxInFlight, onOwnThread: true, idleTime: idle);

    [Test]
    public async Task A_group_that_completes_synchronously_runs_on_a_thread_of_its_own_not_the_callers_nor_the_pools()
    {
        var served = new List<(int[] Items, Thread Thread)>();
        var groups = Doubling(served);
        Assert.That(await groups.CallAsync(21).WaitAsync(Wait), Is.EqualTo(42));
        var (items, thread) = served.Single();
        Assert.That(items, Is.EqualTo(new[] { 21 }));
        Assert.That(thread, Is.Not.SameAs(Thread.CurrentThread));
        Assert.That(thread.IsThreadPoolThread, Is.False);
        Assert.That(thread.IsBackground, Is.True, "does not keep the process alive");
        Assert.That(groups.Threads, Is.EqualTo(1));

        // The next call, while the thread waits for work, is served by that same thread.
        Assert.That(await groups.CallAsync(5).WaitAsync(Wait), Is.EqualTo(10));
        lock (served) Assert.That(served[1].Thread, Is.SameAs(thread));
    }

    [Test]
    public async Task The_thread_ends_once_idle_and_a_later_call_starts_another()
    {
        var served = new List<(int[] Items, Thread Thread)>();
        var groups = Doubling(served, idle: TimeSpan.FromMilliseconds(50));
        Assert.That(await groups.CallAsync(1).WaitAsync(Wait), Is.EqualTo(2));
        Thread first;
        lock (served) first = served[0].Thread;
        Assert.That(() => groups.Threads, Is.EqualTo(0).After(5000, 10));
        Assert.That(first.Join(Wait), Is.True, "the idle thread ended");

        Assert.That(await groups.CallAsync(2).WaitAsync(Wait), Is.EqualTo(4));
        lock (served) Assert.That(served[1].Thread, Is.Not.SameAs(first));
    }

    [Test]
    public async Task Calls_racing_the_end_of_idle_threads_are_all_served([Values(1, 2)] int maxInFlight)
    {
        // An idle time about as long as the gaps between the bursts: calls keep arriving as threads decide to end.
        var served = new List<(int[] Items, Thread Thread)>();
        var groups = Doubling(served, idle: TimeSpan.FromMilliseconds(1), maxInFlight);
        var random = new Random(7);
        var asked = new List<int>();
        for (var burst = 0; burst < 300; burst++)
        {
            var calls = Enumerable.Range(0, random.Next(1, 6)).Select(i => Task.Run(() => groups.CallAsync(burst * 10 + i))).ToList();
            var results = await Task.WhenAll(calls).WaitAsync(Wait);
            Assert.That(results, Is.EqualTo(Enumerable.Range(0, calls.Count).Select(i => (burst * 10 + i) * 2)));
            asked.AddRange(Enumerable.Range(0, calls.Count).Select(i => burst * 10 + i));
            if (random.Next(3) == 0) await Task.Delay(random.Next(0, 3));
        }
        Assert.That(groups.Threads, Is.LessThanOrEqualTo(maxInFlight));
        lock (served) Assert.That(served.SelectMany(s => s.Items).Order(), Is.EqualTo(asked.Order()), "each call served once");
    }

    [Test]
    public async Task Groups_hold_at_most_the_size_bound_and_a_call_larger_than_it_goes_alone()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var groups = new List<int[]>();
        var calls = new CallGroups<int, int>(async group =>
        {
            lock (groups) groups.Add([.. group.Select(c => c.Item)]);
            await gate.Task;
            foreach (var call in group) call.Result.SetResult(call.Item);
        }, maxGroup: 64, maxInFlight: 1, onOwnThread: true, size: n => n, maxSize: 10);

        // The first call is served at once and held; the others queue behind it, sized by their value.
        var first = calls.CallAsync(1);
        Assert.That(() => { lock (groups) return groups.Count; }, Is.EqualTo(1).After(5000, 10));
        var queued = new[] { 4, 5, 2, 25, 3, 3, 3, 1 }.Select(calls.CallAsync).ToList();
        gate.SetResult();
        await Task.WhenAll([first, .. queued]).WaitAsync(Wait);
        lock (groups)
            Assert.That(groups, Is.EqualTo(new[] { new[] { 1 }, [4, 5], [2], [25], [3, 3, 3, 1] }),
                "4 + 5 + 2 is over 10; 25 alone is over it too, and goes alone");
    }
}
