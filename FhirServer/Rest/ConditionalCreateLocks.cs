using FhirServer.Storage;

namespace FhirServer.Rest;

/// <summary>
/// Conditional creates (<c>If-None-Exist</c>, a Bundle entry's <c>ifNoneExist</c>) and conditional updates (which
/// create when nothing matches) with the same criteria, one at a time: the match, the create and its commit of one
/// finish before the next one matches, which then finds what the first created (200) instead of creating it again.
/// Without this, two clients loading the same practitioner at once both saw no match and both created it, and every
/// later conditional create with those criteria failed with 412 (several matches). Creates with different criteria
/// do not wait for each other.
/// Within the process a create waits on its criteria here; once it is the process's one holder, it takes the store's
/// lock of the same name (<see cref="IResourceStore.LockAsync"/>), which serializes it with the other server
/// processes on the store.
/// </summary>
public sealed class ConditionalCreateLocks(IResourceStore? store = null)
{
    private readonly Dictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    private sealed class Gate
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int Users; // holders and waiters, under the dictionary's lock
    }

    /// <summary>
    /// The key of a conditional create: the type and its criteria, each parameter percent-decoded and the parameters
    /// in a canonical order (so that <c>a=1&amp;b=x%7Cy</c> and <c>b=x|y&amp;a=1</c>, the same search, wait for each other).
    /// </summary>
    public static string Key(string type, string criteria) =>
        type + "?" + string.Join('&', criteria.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Uri.UnescapeDataString(p.Replace('+', ' '))).Order(StringComparer.Ordinal));

    /// <summary>Takes the locks of <paramref name="keys"/> (in one order, so that two holders of several never wait on each other); dispose to release.</summary>
    public async Task<IAsyncDisposable> AcquireAsync(IEnumerable<string> keys, CancellationToken ct)
    {
        var ordered = keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (ordered.Count == 0) return StoreKeyLocks.None.Instance;
        var held = new Held(this);
        try
        {
            foreach (var key in ordered)
            {
                Gate gate;
                lock (_gates)
                {
                    if (!_gates.TryGetValue(key, out gate!)) _gates[key] = gate = new Gate();
                    gate.Users++;
                }
                try
                {
                    await gate.Semaphore.WaitAsync(ct);
                }
                catch
                {
                    Leave(key, gate, release: false);
                    throw;
                }
                held.Keys.Add((key, gate));
            }
            if (store is not null) held.Shared = await store.LockAsync(ordered, ct);
            return held;
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }
    }

    private void Leave(string key, Gate gate, bool release)
    {
        if (release) gate.Semaphore.Release();
        lock (_gates)
        {
            if (--gate.Users == 0) _gates.Remove(key);
        }
    }

    /// <summary>Keys whose gates are alive (tests: none once every holder is done).</summary>
    internal int Count
    {
        get { lock (_gates) return _gates.Count; }
    }

    private sealed class Held(ConditionalCreateLocks owner) : IAsyncDisposable
    {
        public readonly List<(string Key, Gate Gate)> Keys = [];

        /// <summary>The store's locks of the same keys (other processes).</summary>
        public IAsyncDisposable? Shared;

        public async ValueTask DisposeAsync()
        {
            if (Shared is { } shared)
            {
                Shared = null;
                await shared.DisposeAsync();
            }
            foreach (var (key, gate) in Keys) owner.Leave(key, gate, release: true);
            Keys.Clear();
        }
    }
}
