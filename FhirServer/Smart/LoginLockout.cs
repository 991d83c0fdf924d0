using System.Collections.Concurrent;

namespace FhirServer.Smart;

/// <summary>
/// Repeated wrong passwords lock a user name: after <see cref="SmartSettings.LoginMaxFailures"/> failures in a row
/// (within <see cref="SmartSettings.LoginLockoutMinutes"/> of each other), the login form refuses that name for
/// <see cref="SmartSettings.LoginLockoutMinutes"/>, its password unchecked. Counted by the name typed, whether a user of
/// that name exists or not, so that the page says the same either way. A success clears the count. Kept in this
/// server's memory (servers behind one address each count their own).
/// </summary>
public sealed class LoginLockout(SmartSettings settings, TimeProvider clock)
{
    private sealed record Failures(int Count, DateTimeOffset Last);

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.OrdinalIgnoreCase);

    private TimeSpan Window => TimeSpan.FromMinutes(settings.LoginLockoutMinutes);

    public bool IsLocked(string username) =>
        _failures.TryGetValue(username, out var f) && f.Count >= settings.LoginMaxFailures && clock.GetUtcNow() - f.Last < Window;

    /// <summary>Counts a failure; true when it locks the name.</summary>
    public bool Fail(string username)
    {
        var now = clock.GetUtcNow();
        // Old entries are dropped as new ones come, so that names typed once do not pile up.
        if (_failures.Count > 10_000)
            foreach (var (name, f) in _failures)
                if (now - f.Last >= Window) _failures.TryRemove(name, out _);
        var failures = _failures.AddOrUpdate(username, _ => new Failures(1, now),
            (_, f) => now - f.Last >= Window ? new Failures(1, now) : new Failures(f.Count + 1, now));
        return failures.Count == settings.LoginMaxFailures;
    }

    public void Succeed(string username) => _failures.TryRemove(username, out _);
}
