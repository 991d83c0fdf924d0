using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Smart;

/// <summary>
/// Registers the configured clients (<c>Smart:Clients</c>) in OpenIddict's application store at start-up: created,
/// updated to the configuration, and those no longer configured removed, so that the configuration alone says who may
/// ask for tokens.
/// </summary>
public static class SmartClients
{
    public static async Task SyncAsync(IServiceProvider services, SmartSettings settings, CancellationToken ct)
    {
        var manager = services.GetRequiredService<IOpenIddictApplicationManager>();
        var logger = services.GetRequiredService<ILogger<SmartSettings>>();
        var configured = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in settings.Clients)
        {
            configured.Add(client.ClientId!);
            var descriptor = Describe(client);
            if (await manager.FindByClientIdAsync(client.ClientId!, ct) is { } existing)
                await manager.UpdateAsync(existing, descriptor, ct);
            else await manager.CreateAsync(descriptor, ct);
        }
        var stale = new List<object>();
        await foreach (var application in manager.ListAsync(null, null, ct))
        {
            if (await manager.GetClientIdAsync(application, ct) is not { } id || !configured.Contains(id)) stale.Add(application);
        }
        foreach (var application in stale) await manager.DeleteAsync(application, ct);
        logger.LogInformation("SMART: {Count} clients registered ({Removed} removed)", settings.Clients.Count, stale.Count);
    }

    private static Microsoft.IdentityModel.Tokens.JsonWebKeySet NoOnesKey()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var key = Microsoft.IdentityModel.Tokens.JsonWebKeyConverter.ConvertFromRSASecurityKey(
            new Microsoft.IdentityModel.Tokens.RsaSecurityKey(rsa.ExportParameters(false)));
        key.Use = "sig";
        var set = new Microsoft.IdentityModel.Tokens.JsonWebKeySet();
        set.Keys.Add(key);
        return set;
    }

    private static OpenIddictApplicationDescriptor Describe(SmartClient client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            DisplayName = client.DisplayName ?? client.ClientId,
            ClientType = client.IsPublic ? ClientTypes.Public : ClientTypes.Confidential,
            ClientSecret = client.IsConfidential ? client.Secret : null,
        };
        if (client.Jwks is not null) descriptor.JsonWebKeySet = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(client.Jwks);
        // OpenIddict takes a confidential client without a secret only with a key set; the keys at a client's JwksUri
        // are fetched when an assertion comes (ClientAssertionFormat), so the store gets a public key whose private
        // half no one has: it signs nothing.
        else if (client.JwksUri is not null) descriptor.JsonWebKeySet = NoOnesKey();
        foreach (var uri in client.RedirectUris) descriptor.RedirectUris.Add(new Uri(uri));
        // Sign-out (the end-session endpoint) sends the browser back only to a registered address.
        foreach (var uri in client.PostLogoutRedirectUris) descriptor.PostLogoutRedirectUris.Add(new Uri(uri));
        if (client.PostLogoutRedirectUris.Count > 0 || client.RedirectUris.Count > 0) descriptor.Permissions.Add(Permissions.Endpoints.EndSession);
        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation]);
        if (!client.IsPublic) descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        // Backend services: a client that authenticates with its own key and may have system/ scopes.
        if (client.IsAsymmetric && client.Scopes.Any(s => s.StartsWith("system/", StringComparison.Ordinal)))
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        // An app a user authorizes: its redirect URIs registered, the authorization code flow (PKCE) and refresh tokens.
        if (client.RedirectUris.Count > 0)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }
        return descriptor;
    }
}
