using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.Tokens;

namespace FhirServer.Smart;

/// <summary>
/// The public keys of an asymmetric client (SMART App Launch 2.x client-confidential-asymmetric, "Signature
/// Verification"): its JSON Web Key Set given inline, or the one at its <c>JwksUri</c>, fetched and kept no longer than
/// the answer's <c>Cache-Control</c> allows nor <see cref="SmartSettings.JwksCacheMinutes"/>. A kept set that lacks the
/// key an assertion names is fetched anew (the client rotated its keys), at most every ten seconds.
/// </summary>
public sealed class ClientJwks(SmartSettings settings, IHttpClientFactory clients, IMemoryCache cache, TimeProvider time, ILogger<ClientJwks> logger)
{
    public const string HttpClientName = "smart-jwks";
    private static readonly TimeSpan Refetch = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, IReadOnlyList<SecurityKey>> _inline = new(StringComparer.Ordinal);

    /// <summary>The client's keys, or why there are none (the JWKS could not be fetched or read).</summary>
    public sealed record Result(IReadOnlyList<SecurityKey> Keys, string? Problem);

    private sealed record Fetched(IReadOnlyList<SecurityKey> Keys, DateTimeOffset At);

    public async Task<Result> KeysAsync(SmartClient client, string? kid, CancellationToken ct)
    {
        // Checked at start-up (SmartClient.Validate): the inline set parses.
        if (client.Jwks is { } jwks) return new(_inline.GetOrAdd(client.ClientId!, _ => [.. new JsonWebKeySet(jwks).GetSigningKeys()]), null);
        var uri = client.JwksUri!;
        var key = "client-jwks:" + uri;
        if (cache.TryGetValue(key, out Fetched? kept) && kept is not null
            && (kid is null || kept.Keys.Any(k => k.KeyId == kid) || time.GetUtcNow() - kept.At < Refetch))
            return new(kept.Keys, null);
        var (keys, lifetime, problem) = await FetchAsync(uri, ct);
        if (problem is not null)
        {
            logger.LogWarning("The JSON Web Key Set of client {Client} at {Uri} could not be read: {Problem}", client.ClientId, uri, problem);
            return new([], $"The client's JSON Web Key Set at {uri} could not be read: {problem}");
        }
        if (lifetime > TimeSpan.Zero) cache.Set(key, new Fetched(keys, time.GetUtcNow()), lifetime);
        else cache.Remove(key);
        return new(keys, null);
    }

    private async Task<(IReadOnlyList<SecurityKey> Keys, TimeSpan Lifetime, string? Problem)> FetchAsync(string uri, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.JwksTimeoutSeconds));
        try
        {
            using var response = await clients.CreateClient(HttpClientName).GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode) return ([], default, $"it answered {(int)response.StatusCode}");
            if (response.Content.Headers.ContentLength > settings.MaxJwksBytes)
                return ([], default, $"it is larger than Smart:MaxJwksBytes ({settings.MaxJwksBytes})");
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await body.ReadAsync(chunk, timeout.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > settings.MaxJwksBytes) return ([], default, $"it is larger than Smart:MaxJwksBytes ({settings.MaxJwksBytes})");
            }
            var set = new JsonWebKeySet(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            return ([.. set.GetSigningKeys()], Lifetime(response.Headers.CacheControl), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ([], default, $"no answer within Smart:JwksTimeoutSeconds ({settings.JwksTimeoutSeconds})");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or ArgumentException or System.Text.Json.JsonException)
        {
            return ([], default, e.Message);
        }
    }

    // SMART: the set is not kept longer than the client's cache-control header indicates.
    private TimeSpan Lifetime(CacheControlHeaderValue? control)
    {
        var longest = TimeSpan.FromMinutes(settings.JwksCacheMinutes);
        if (control is null) return longest;
        if (control.NoStore || control.NoCache) return TimeSpan.Zero;
        return control.MaxAge is { } age && age < longest ? age : longest;
    }
}
