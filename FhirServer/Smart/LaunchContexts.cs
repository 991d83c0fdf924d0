using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Smart;

/// <summary>
/// The context of an EHR launch (SMART App Launch "EHR Launch"): made by the portal before it opens the app, found
/// again by the <c>launch</c> parameter of the app's authorization request.
/// </summary>
/// <param name="ClientId">The only client that may use it; null: any.</param>
public sealed record LaunchContext(string? Patient, string? Encounter, JsonArray? FhirContext, bool NeedPatientBanner, string? ClientId);

/// <summary>
/// Launch contexts kept in this server's memory for <see cref="SmartSettings.LaunchContextMinutes"/>, each used for
/// one authorization only: spent when the authorization code is issued. Servers behind one address each keep their
/// own (docs/authorization.md).
/// </summary>
public sealed class LaunchContexts(IMemoryCache cache, SmartSettings settings)
{
    private readonly Lock _gate = new();

    public TimeSpan Lifetime => TimeSpan.FromMinutes(settings.LaunchContextMinutes);

    public string Create(LaunchContext context)
    {
        // 128 random bits: a launch id cannot be guessed.
        var id = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        cache.Set(Key(id), context, Lifetime);
        return id;
    }

    /// <summary>The context of a launch id still valid for this client; null when unknown, expired, spent or another client's.</summary>
    public LaunchContext? Find(string id, string? clientId) =>
        cache.TryGetValue(Key(id), out LaunchContext? context) && (context!.ClientId is null || context.ClientId == clientId) ? context : null;

    /// <summary>Spends the launch id; false when it was spent meanwhile (two authorizations racing for one launch).</summary>
    public bool Spend(string id)
    {
        lock (_gate)
        {
            if (!cache.TryGetValue(Key(id), out _)) return false;
            cache.Remove(Key(id));
            return true;
        }
    }

    private static string Key(string id) => "smart-launch:" + id;
}
