using System.Collections.Concurrent;
using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// What the token store says of an access token, kept in this server's memory for <c>Smart:TokenStatusCacheSeconds</c>
/// so that a request with a bearer token does not query the store each time (docs/authorization.md, "Cost"). A status
/// change made through this server's token manager (revocation, a refresh token's rotation, an expiration moved)
/// evicts the entry at once (<see cref="SmartTokenManager{TToken}"/>); a change made by another server sharing the
/// store is seen once the entry is older than the configured time. 0 seconds: nothing is kept.
/// <para>
/// Beside each entry, the principal OpenIddict validated from the token (<see cref="KeepPrincipal"/>), found again by
/// a hash of the token (<see cref="TryGetPrincipal"/>, for <see cref="CachedBearerAuthentication"/>): given only while
/// the token's entry is kept, <c>valid</c>, and the token not expired, so it lives no longer than the entry and goes
/// with it (a revocation, any eviction). When only the entry's time is up, the entry alone is read again
/// (<see cref="GetPrincipalAsync"/>): the token's signature and claims do not change, its entry may.
/// </para>
/// </summary>
public sealed class TokenStatusCache(SmartSettings settings, TimeProvider time)
{
    /// <summary>Beyond this many entries, the stale ones are dropped (and all of them if none is stale).</summary>
    internal const int MaxEntries = 100_000;

    /// <summary>The token entry's fields the validation reads.</summary>
    public sealed record Entry(string Id, string? Status, string? Type, string? ReferenceId, string? AuthorizationId,
        DateTimeOffset? CreationDate, DateTimeOffset? ExpirationDate);

    private readonly ConcurrentDictionary<string, (Entry Entry, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, string Id, DateTimeOffset Expires)> _principals = new(StringComparer.Ordinal);
    private long _generation;

    public bool Enabled => settings.TokenStatusCacheSeconds > 0;

    /// <summary>
    /// The entry of that token: the one kept when younger than the configured time, else what
    /// <paramref name="read"/> gives (null: no such token), kept unless an eviction happened while it was read.
    /// </summary>
    public async ValueTask<Entry?> GetAsync(string id, Func<string, ValueTask<Entry?>> read)
    {
        if (!Enabled) return await read(id);
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(id, out var kept) && kept.Until > now) return kept.Entry;
        // An eviction between the store's answer and the insertion would otherwise be lost: the generation read first
        // tells whether one happened meanwhile.
        var generation = Interlocked.Read(ref _generation);
        var entry = await read(id);
        if (entry is null) return null;
        if (_entries.Count >= MaxEntries) Trim(now);
        _entries[id] = (entry, now.AddSeconds(settings.TokenStatusCacheSeconds));
        if (Interlocked.Read(ref _generation) != generation) _entries.TryRemove(id, out _);
        return entry;
    }

    /// <summary>The token's entry changed in the store: the next request reads it again.</summary>
    public void Evict(string id)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(id, out _);
    }

    /// <summary>Tokens changed in bulk (all of an authorization, a subject or a client; pruning): everything is read again.</summary>
    public void EvictAll()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        _principals.Clear();
    }

    internal int Count => _entries.Count;

    internal int PrincipalCount => _principals.Count;

    /// <summary>
    /// The principal kept for that token (by <paramref name="key"/>, a hash of it): only while the token's entry is
    /// kept and <c>valid</c> and the token has not expired; false sends the token through the whole validation again.
    /// </summary>
    public bool TryGetPrincipal(string key, out ClaimsPrincipal principal)
    {
        principal = null!;
        if (!Enabled || !_principals.TryGetValue(key, out var kept)) return false;
        var now = time.GetUtcNow();
        if (kept.Expires <= now || !_entries.TryGetValue(kept.Id, out var entry) || entry.Until <= now || entry.Entry.Status != Statuses.Valid)
        {
            _principals.TryRemove(KeyValuePair.Create(key, kept));
            return false;
        }
        principal = kept.Principal;
        return true;
    }

    /// <summary>
    /// The principal kept for that token, as <see cref="TryGetPrincipal"/>, and when only the time of its entry is up:
    /// the entry alone read again through <paramref name="read"/> (no signature check, no OpenIddict pipeline), the
    /// principal given if the entry is what it was when the token was validated (still <c>valid</c>, the same dates,
    /// type and authorization: what the validation took from it). Null sends the token through the whole validation.
    /// A revocation on this server has evicted the entry: nothing to compare with, so the whole validation, which
    /// refuses the token.
    /// </summary>
    public async ValueTask<ClaimsPrincipal?> GetPrincipalAsync(string key, Func<string, ValueTask<Entry?>> read)
    {
        if (!Enabled || !_principals.TryGetValue(key, out var kept)) return null;
        var now = time.GetUtcNow();
        if (kept.Expires > now && _entries.TryGetValue(kept.Id, out var entry) && entry.Entry.Status == Statuses.Valid)
        {
            if (entry.Until > now) return kept.Principal;
            // The entry read again and kept (unless an eviction happened meanwhile, which TryGetPrincipal then sees).
            if (await GetAsync(kept.Id, read) == entry.Entry && TryGetPrincipal(key, out var principal)) return principal;
        }
        _principals.TryRemove(KeyValuePair.Create(key, kept));
        return null;
    }

    /// <summary>
    /// Keeps the principal just validated from a token (its entry read through this cache a moment ago), under
    /// <paramref name="key"/>, a hash of the token; nothing when the token has no identifier or expiration date, or its
    /// entry is no longer kept (evicted meanwhile).
    /// </summary>
    public void KeepPrincipal(string key, ClaimsPrincipal principal)
    {
        if (!Enabled || principal.GetTokenId() is not { Length: > 0 } id || principal.GetExpirationDate() is not { } expires) return;
        var generation = Interlocked.Read(ref _generation);
        if (!_entries.TryGetValue(id, out var entry) || entry.Entry.Status != Statuses.Valid) return;
        var now = time.GetUtcNow();
        if (_principals.Count >= MaxEntries) TrimPrincipals(now);
        _principals[key] = (principal, id, expires);
        if (Interlocked.Read(ref _generation) != generation) _principals.TryRemove(key, out _);
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (id, kept) in _entries)
            if (kept.Until <= now) _entries.TryRemove(id, out _);
        if (_entries.Count >= MaxEntries) _entries.Clear();
    }

    private void TrimPrincipals(DateTimeOffset now)
    {
        foreach (var (key, kept) in _principals)
            if (kept.Expires <= now || !_entries.TryGetValue(kept.Id, out var entry) || entry.Until <= now) _principals.TryRemove(key, out _);
        if (_principals.Count >= MaxEntries) _principals.Clear();
    }
}
