using System.Collections.Concurrent;
using FhirServer.Terminology;
using FhirServer.Terminology.Sources;

namespace FhirServer.Http.Terminology;

/// <summary>
/// The answers of type-level <c>GET ValueSet/$expand?url=…</c> (no request resources), kept by query string while the
/// terminology sources do not change (<see cref="TerminologySources.Generation"/>): a large value set costs far more
/// to expand and write than to send, and clients ask for the same ones again (pick lists, validators). The expansion's
/// timestamp is the time it was made. At most <see cref="TerminologyOptions.ExpansionCacheBytes"/> bytes: past that,
/// the cache starts again empty.
/// </summary>
public sealed class ExpansionCache(TerminologySources sources, TerminologyOptions options)
{
    private readonly ConcurrentDictionary<string, (long Generation, byte[] Json)> _answers = new(StringComparer.Ordinal);
    private long _bytes;

    public byte[] GetOrAdd(string key, Func<byte[]> expand)
    {
        var generation = sources.Generation;
        if (_answers.TryGetValue(key, out var known) && known.Generation == generation) return known.Json;
        var json = expand();
        if (json.Length > options.ExpansionCacheBytes) return json;
        if (Interlocked.Add(ref _bytes, json.Length) > options.ExpansionCacheBytes)
        {
            _answers.Clear();
            Interlocked.Exchange(ref _bytes, json.Length);
        }
        _answers[key] = (generation, json);
        return json;
    }
}
