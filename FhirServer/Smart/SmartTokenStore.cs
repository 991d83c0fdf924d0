using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace FhirServer.Smart;

/// <summary>
/// OpenIddict's Entity Framework Core token store, its new entries written by <see cref="TokenEntryWriter"/> (grouped
/// commits of a prepared INSERT) instead of one <c>SaveChanges</c> each. The entry is left untracked by the request's
/// context (OpenIddict's updates attach the entity they are given, as for an entry read by another context);
/// inside a transaction of the context the entry is written by the context itself, in it.
/// </summary>
public sealed class SmartTokenStore(IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context,
    IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options, TokenEntryWriter writer)
    : OpenIddictEntityFrameworkCoreTokenStore(cache, context, options)
{
    public override async ValueTask CreateAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var db = await Context.GetDbContextAsync(cancellationToken);
        if (db.Database.CurrentTransaction is null && await writer.WriteAsync(db, token, cancellationToken)) return;
        await base.CreateAsync(token, cancellationToken);
    }

    // An entry written by the writer is not tracked by the context: its application and authorization are the
    // navigations the token manager set (none when null), not to be loaded through shadow keys the context never saw.
    public override async ValueTask<string?> GetApplicationIdAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        if (token.Application is { } application) return application.Id;
        return await Untracked(token, cancellationToken) ? null : await base.GetApplicationIdAsync(token, cancellationToken);
    }

    public override async ValueTask<string?> GetAuthorizationIdAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        if (token.Authorization is { } authorization) return authorization.Id;
        return await Untracked(token, cancellationToken) ? null : await base.GetAuthorizationIdAsync(token, cancellationToken);
    }

    private async ValueTask<bool> Untracked(OpenIddictEntityFrameworkCoreToken token, CancellationToken ct) =>
        (await Context.GetDbContextAsync(ct)).Entry(token).State == EntityState.Detached;
}
