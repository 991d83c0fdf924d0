using FhirServer.Storage;

namespace FhirServer.Tests.Storage;

/// <summary>
/// Reads of current versions sent to the database together (ReadCombiner), with the database replaced by functions
/// that the test holds up and releases: which reads go together, and that each gets its own answer.
/// </summary>
public class ReadCombinerTests
{
    private static StoredVersion Found(string type, string id) =>
        new(type, id, 1, DateTimeOffset.UnixEpoch, VersionMethod.Create, [(byte)'{', (byte)'}']);

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Reads_that_arrive_while_the_groups_run_go_together_each_with_its_own_answer()
    {
        var gates = new List<TaskCompletionSource>();
        var alone = new List<string>();
        var groups = new List<string[]>();
        var combiner = new ReadCombiner(
            (keys, _) =>
            {
                lock (groups) groups.Add(keys.Select(k => k.Id).ToArray());
                // "b" is not found: its place in the answer stays empty.
                return Task.FromResult(keys.Select(k => k.Id == "b" ? null : Found(k.Type, k.Id)).ToArray());
            },
            async (type, id, _) =>
            {
                var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (alone) { alone.Add(id); gates.Add(gate); }
                await gate.Task;
                return Found(type, id);
            });

        // As many reads as groups may run: each starts one of its own at once, and is held up in the database.
        var first = Enumerable.Range(0, ReadCombiner.MaxInFlight).Select(i => combiner.ReadAsync("Patient", "first" + i)).ToList();
        Assert.That(() => { lock (alone) return alone.Count; }, Is.EqualTo(ReadCombiner.MaxInFlight).After(5000, 10));
        var later = new[] { "a", "b", "c", "d", "e" }.Select(id => (id, task: combiner.ReadAsync("Observation", id))).ToList();
        await Task.Delay(50);
        Assert.That(later.Select(l => l.task.IsCompleted), Is.All.False, "the later reads wait for a group to end");
        lock (groups) Assert.That(groups, Is.Empty);

        TaskCompletionSource firstGate;
        lock (alone) firstGate = gates[0];
        firstGate.SetResult();
        Assert.That((await first[0].WaitAsync(Wait))?.Id, Is.EqualTo("first0"));
        foreach (var (id, task) in later)
        {
            var read = await task.WaitAsync(Wait);
            if (id == "b") Assert.That(read, Is.Null, "not found");
            else Assert.That((read?.Type, read?.Id), Is.EqualTo(("Observation", id)));
        }
        lock (groups) Assert.That(groups, Is.EqualTo(new[] { new[] { "a", "b", "c", "d", "e" } }), "one statement, in the order asked");

        lock (alone) foreach (var gate in gates.Skip(1)) gate.SetResult();
        for (var i = 1; i < first.Count; i++) Assert.That((await first[i].WaitAsync(Wait))?.Id, Is.EqualTo("first" + i));
    }

    [Test]
    public async Task A_group_that_fails_fails_each_of_its_reads_and_the_next_reads_go_on()
    {
        var fail = true;
        var combiner = new ReadCombiner(
            (keys, _) => fail ? throw new InvalidOperationException("database gone") : Task.FromResult(keys.Select(k => (StoredVersion?)Found(k.Type, k.Id)).ToArray()),
            (type, id, _) => fail ? Task.FromException<StoredVersion?>(new InvalidOperationException("database gone")) : Task.FromResult<StoredVersion?>(Found(type, id)));

        var reads = Enumerable.Range(0, 20).Select(i => combiner.ReadAsync("Patient", "p" + i)).ToList();
        foreach (var read in reads)
            Assert.That(async () => await read.WaitAsync(Wait), Throws.InvalidOperationException.With.Message.EqualTo("database gone"));

        fail = false;
        var again = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => combiner.ReadAsync("Patient", "p" + i))).WaitAsync(Wait);
        Assert.That(again.Select(r => r?.Id), Is.EqualTo(Enumerable.Range(0, 20).Select(i => "p" + i)));
    }

    [Test]
    public async Task Many_concurrent_readers_each_get_their_answer_and_none_is_left_waiting()
    {
        var random = new Random(7);
        async Task<StoredVersion?> Slow(string type, string id)
        {
            int delay;
            lock (random) delay = random.Next(0, 3);
            await Task.Delay(delay);
            return Found(type, id);
        }
        var grouped = 0;
        var combiner = new ReadCombiner(
            async (keys, _) =>
            {
                Interlocked.Increment(ref grouped);
                var found = new StoredVersion?[keys.Count];
                for (var i = 0; i < keys.Count; i++) found[i] = await Slow(keys[i].Type, keys[i].Id);
                return found;
            },
            (type, id, _) => Slow(type, id));

        var readers = Enumerable.Range(0, 16).Select(reader => Task.Run(async () =>
        {
            for (var n = 0; n < 100; n++)
            {
                var id = $"r{reader}-{n}";
                Assert.That((await combiner.ReadAsync("Patient", id))?.Id, Is.EqualTo(id));
            }
        }));
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(grouped, Is.GreaterThan(0), "16 readers against at most two groups at once: some reads went together");
    }

    [Test]
    public async Task A_waiting_read_whose_caller_cancels_ends_at_once_and_its_group_still_serves_the_others()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var grouped = new List<string[]>();
        var combiner = new ReadCombiner(
            (keys, _) =>
            {
                lock (grouped) grouped.Add([.. keys.Select(k => k.Id)]);
                return Task.FromResult(keys.Select(k => (StoredVersion?)Found(k.Type, k.Id)).ToArray());
            },
            async (type, id, _) =>
            {
                await gate.Task;
                return Found(type, id);
            });

        var first = combiner.ReadAsync("Patient", "held");
        using var cancel = new CancellationTokenSource();
        var cancelled = combiner.ReadAsync("Patient", "gives-up", cancel.Token);
        var other = combiner.ReadAsync("Patient", "waits");
        await cancel.CancelAsync();
        Assert.That(async () => await cancelled.WaitAsync(Wait), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(other.IsCompleted, Is.False, "still behind the held read");

        gate.SetResult();
        Assert.That((await first.WaitAsync(Wait))?.Id, Is.EqualTo("held"));
        Assert.That((await other.WaitAsync(Wait))?.Id, Is.EqualTo("waits"));
        lock (grouped) Assert.That(grouped, Is.EqualTo(new[] { new[] { "gives-up", "waits" } }), "the cancelled read went with its group");
    }
}
