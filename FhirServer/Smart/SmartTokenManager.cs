using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace FhirServer.Smart;

/// <summary>
/// OpenIddict's token manager, telling <see cref="TokenStatusCache"/> of every change to a token entry made on this
/// server: a single entry's update (revocation, redemption of a refresh token or an authorization code, an expiration
/// moved: OpenIddict's <c>TryRevokeAsync</c>/<c>TryRedeemAsync</c>/<c>TryRejectAsync</c> all end in
/// <see cref="UpdateAsync(TToken, CancellationToken)"/>) evicts it; a change in bulk (an authorization's, a subject's or
/// a client's tokens revoked at once, pruning) evicts everything.
/// </summary>
public sealed class SmartTokenManager<TToken>(IOpenIddictTokenCache<TToken> cache, ILogger<OpenIddictTokenManager<TToken>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options, IOpenIddictTokenStore<TToken> store, TokenStatusCache statuses)
    : OpenIddictTokenManager<TToken>(cache, logger, options, store) where TToken : class
{
    public override async ValueTask UpdateAsync(TToken token, CancellationToken cancellationToken = default)
    {
        try
        {
            await base.UpdateAsync(token, cancellationToken);
        }
        finally
        {
            statuses.Evict(await Store.GetIdAsync(token, cancellationToken) ?? "");
        }
    }

    public override async ValueTask DeleteAsync(TToken token, CancellationToken cancellationToken = default)
    {
        try
        {
            await base.DeleteAsync(token, cancellationToken);
        }
        finally
        {
            statuses.Evict(await Store.GetIdAsync(token, cancellationToken) ?? "");
        }
    }

    public override async ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken = default)
    {
        try { return await base.RevokeAsync(subject, client, status, type, cancellationToken); }
        finally { statuses.EvictAll(); }
    }

    public override async ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        try { return await base.RevokeByApplicationIdAsync(identifier, cancellationToken); }
        finally { statuses.EvictAll(); }
    }

    public override async ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        try { return await base.RevokeByAuthorizationIdAsync(identifier, cancellationToken); }
        finally { statuses.EvictAll(); }
    }

    public override async ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken = default)
    {
        try { return await base.RevokeBySubjectAsync(subject, cancellationToken); }
        finally { statuses.EvictAll(); }
    }

    public override async ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken = default)
    {
        try { return await base.PruneAsync(threshold, cancellationToken); }
        finally { statuses.EvictAll(); }
    }
}
