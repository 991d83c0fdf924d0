using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// The check of a bearer token's entry in the token store, in place of OpenIddict's own two
/// (<c>RestoreTokenEntryProperties</c> and <c>ValidateTokenEntry</c>, which query the store on every request): the
/// same rules — no entry, an entry of a reference token, or an entry whose status is not <c>valid</c> (revoked,
/// redeemed, rejected) refuses the token; the entry's creation and expiration dates, authorization and type replace
/// the token's own, so that OpenIddict's expiration check reads the store's date — with the entry read through
/// <see cref="TokenStatusCache"/>.
/// </summary>
public sealed class TokenEntryCheck(TokenStatusCache cache, IServiceScopeFactory scopes) : IOpenIddictValidationHandler<OpenIddictValidationEvents.ValidateTokenContext>
{
    /// <summary>Where OpenIddict's <c>RestoreTokenEntryProperties</c> runs: before the expiration, presenter and audience checks.</summary>
    public static int Order => OpenIddictValidationHandlers.Protection.RestoreTokenEntryProperties.Descriptor.Order;

    public async ValueTask HandleAsync(OpenIddictValidationEvents.ValidateTokenContext context)
    {
        // No token identifier: a token with no entry in the store (none is issued so by this server).
        if (context.Principal?.GetTokenId() is not { Length: > 0 } id) return;
        var entry = await cache.GetAsync(id, key => ReadAsync(key, context.CancellationToken));
        // A reference token's entry holds its payload: that payload used as a token of its own is refused (as OpenIddict does).
        if (entry is null || (!context.IsReferenceToken && !string.IsNullOrEmpty(entry.ReferenceId)) || entry.Status != Statuses.Valid)
        {
            context.Logger.LogInformation("Access token {TokenId} refused: its entry in the token store is {State}.", id,
                entry is null ? "missing" : entry.Status ?? "without a status");
            context.Reject(Errors.InvalidToken, "The specified token is no longer valid.");
            return;
        }
        context.Principal
            .SetCreationDate(entry.CreationDate)
            .SetExpirationDate(entry.ExpirationDate)
            .SetAuthorizationId(context.AuthorizationId = entry.AuthorizationId)
            .SetTokenId(context.TokenId = entry.Id)
            .SetTokenType(entry.Type);
    }

    /// <summary>The token's entry read from the store, through a scope of its own: made only when the cache does not answer.</summary>
    public async ValueTask<TokenStatusCache.Entry?> ReadAsync(string id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        return await manager.FindByIdAsync(id, ct) is { } token
            ? new TokenStatusCache.Entry(id,
                await manager.GetStatusAsync(token, ct),
                await manager.GetTypeAsync(token, ct),
                await manager.GetReferenceIdAsync(token, ct),
                await manager.GetAuthorizationIdAsync(token, ct),
                await manager.GetCreationDateAsync(token, ct),
                await manager.GetExpirationDateAsync(token, ct))
            : null;
    }
}
