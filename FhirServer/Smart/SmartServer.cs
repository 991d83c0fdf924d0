using FhirServer.Smart.ProSanteConnect;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using OpenIddict.Validation.AspNetCore;

namespace FhirServer.Smart;

/// <summary>
/// Composition of the SMART App Launch authorization server (OpenIddict) when <c>Auth:Mode</c> is <c>smart</c>: the
/// stores, the keys, the endpoints, our event handlers for what SMART adds to OAuth 2.0, and the validation of bearer
/// tokens as the default authentication scheme (docs/authorization.md).
/// </summary>
public static class SmartServer
{
    public const string AuthorizationPath = "/auth/authorize";
    public const string LoginPath = "/auth/login";
    public const string LaunchPath = "/auth/launch";
    public const string TokenPath = "/auth/token";
    public const string IntrospectionPath = "/auth/introspect";
    public const string RevocationPath = "/auth/revoke";
    public const string EndSessionPath = "/auth/logout";
    public const string JwksPath = "/.well-known/jwks.json";
    public const string OpenIdConfigurationPath = "/.well-known/openid-configuration";
    public const string SmartConfigurationPath = "/.well-known/smart-configuration";

    public static void AddSmart(this IServiceCollection services, SmartSettings smart, ServerSettings server)
    {
        services.AddSingleton(smart);
        services.AddMemoryCache();
        // OpenIddict and Entity Framework Core log every request and every query at Information: a line or more per
        // token checked. Their warnings and errors are kept (a refusal is logged by our own handlers, TokenErrors).
        services.AddLogging(b => b.AddFilter("OpenIddict", LogLevel.Warning).AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning));
        // Pooled contexts: the token endpoint makes one per request (client lookup, token entry), and a context built
        // from scratch resolves a few dozen services.
        services.AddDbContextPool<SmartDbContext>(o =>
        {
            if (server.IsSqlite) o.UseSqlite($"Data Source={Path.Combine(server.DataDirectory, "smart.db")}").AddInterceptors(new SmartSqlite());
            else o.UseNpgsql(server.Connection);
            o.UseOpenIddict();
        });
        var keyDirectory = smart.KeyDirectory ?? Path.Combine(server.DataDirectory, "smart-keys");
        var keys = SmartKeys.LoadOrCreate(keyDirectory, smart.SigningKeyRotationDays, DateTimeOffset.UtcNow);
        services.AddSingleton(keys);
        // The sign-in cookie and the anti-forgery tokens are protected by ASP.NET Core's data protection: its keys kept
        // beside ours, so that sign-ins and open forms survive a restart.
        var protectionKeys = Directory.CreateDirectory(Path.Combine(keyDirectory, "data-protection"));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(protectionKeys.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        services.AddDataProtection().PersistKeysToFileSystem(protectionKeys).SetApplicationName("FhirServer.Smart");
        var loginPage = services.AddSmartSession(smart, server);
        services.AddSingleton<LaunchContexts>();
        services.AddSingleton<PatientDirectory>();
        services.AddSingleton<EncounterDirectory>();
        services.AddSingleton<IntrospectionBearer.UnlessBearer>();
        services.AddSingleton<ClientOrigins>();
        services.AddSingleton<AuthorizationRequestChecks>();
        services.AddSingleton<SmartTokenResponse>();
        services.AddSingleton<OnlineAccessRefresh>();
        services.AddScoped<SessionAuthorizations>();
        services.AddSingleton<IdTokenFhirUser>();
        services.AddSingleton<ClientCredentialsGrant>();
        services.AddSingleton<ClientAssertionReplay>();
        services.AddSingleton<IntrospectionClaims>();
        services.AddSingleton<TokenErrors>();
        services.AddSingleton<ClientJwks>();
        services.AddSingleton<SmartCapabilities>();
        services.AddSingleton<AccessTokenAudience>();
        services.AddSingleton<ClientAssertionFormat>();
        services.AddSingleton<ClientAssertionType>();
        services.AddHttpClient(ClientJwks.HttpClientName);
        services.AddSingleton<ContractClaims>();
        services.AddSingleton<TokenStatusCache>();
        services.AddSingleton<TokenEntryCheck>();
        services.AddSingleton<TokenEntryWriter>();
        services.AddSingleton<AccessTokenSigning>();

        var openIddict = services.AddOpenIddict();
        openIddict
            .AddCore(o =>
            {
                o.UseEntityFrameworkCore().UseDbContext<SmartDbContext>();
                // New token entries written in grouped commits (TokenEntryWriter) rather than one SaveChanges each.
                o.ReplaceTokenStore<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken, SmartTokenStore>();
                // Tells the token status cache of each change made to a token entry on this server.
                o.ReplaceTokenManager(typeof(SmartTokenManager<>));
            })
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris(AuthorizationPath[1..])
                    .SetTokenEndpointUris(TokenPath[1..])
                    .SetIntrospectionEndpointUris(IntrospectionPath[1..])
                    .SetRevocationEndpointUris(RevocationPath[1..])
                    .SetEndSessionEndpointUris(EndSessionPath[1..])
                    .SetJsonWebKeySetEndpointUris(JwksPath[1..])
                    .SetConfigurationEndpointUris(OpenIdConfigurationPath[1..]);
                o.AllowClientCredentialsFlow();
                // SMART App Launch: authorization code with PKCE for every client, S256 only (RFC 7636 plain is refused).
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.AllowRefreshTokenFlow();
                o.Configure(options =>
                {
                    options.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
                    // A confidential client's secret goes in the Authorization header (SMART: client_secret_basic).
                    options.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.ClientSecretPost);
                });
                o.SetRefreshTokenLifetime(TimeSpan.FromDays(smart.RefreshTokenDays));
                // A refresh token is spent when used (rolling tokens): used again, it is refused.
                o.SetRefreshTokenReuseLeeway(TimeSpan.FromSeconds(smart.RefreshTokenReuseSeconds));
                // The newest RSA key first: OpenIddict signs with the first; the others are published in the JWKS. The
                // ECDSA keys after them sign access tokens (AccessTokenSigning).
                foreach (var key in keys.SigningKeys) o.AddSigningKey(key);
                foreach (var key in keys.AccessTokenKeys) o.AddSigningKey(key);
                o.AddEncryptionKey(keys.EncryptionKey);
                // Access tokens are signed JWTs, not encrypted ones: a resource server (or a test) reads them with the JWKS.
                o.DisableAccessTokenEncryption();
                // SMART scopes are open-ended (patient/Observation.rs?category=…): they are checked against each
                // client's allowed patterns by our own handlers (SmartScopes), not against a registered list.
                o.DisableScopeValidation();
                o.IgnoreScopePermissions();
                o.SetAccessTokenLifetime(TimeSpan.FromMinutes(smart.AccessTokenMinutes));
                if (Issuer(server) is { } issuer) o.SetIssuer(issuer);
                // TLS is the reverse proxy's in front of the server (as for the FHIR API itself).
                // The authorization endpoint's SMART part (sign-in, launch, picker, consent) is ours: AuthorizeEndpoint.
                o.UseAspNetCore().DisableTransportSecurityRequirement().EnableAuthorizationEndpointPassthrough().EnableEndSessionEndpointPassthrough()
                    .EnableErrorPassthrough();
                o.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(b => b.UseSingletonHandler<ClientCredentialsGrant>());
                o.AddEventHandler<OpenIddictServerEvents.GenerateTokenContext>(b => b.UseSingletonHandler<AccessTokenSigning>().SetOrder(AccessTokenSigning.Order));
                o.AddEventHandler<OpenIddictServerEvents.ProcessAuthenticationContext>(b => b.UseSingletonHandler<ClientAssertionReplay>()
                    .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
                    .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionWellknownClaims.Descriptor.Order + 1));
                o.AddEventHandler<OpenIddictServerEvents.ProcessSignInContext>(b => b.UseSingletonHandler<AccessTokenAudience>().SetOrder(AccessTokenAudience.SignInOrder));
                o.AddEventHandler<OpenIddictServerEvents.ProcessErrorContext>(b => b.UseSingletonHandler<TokenErrors>().SetOrder(TokenErrors.Order));
                o.AddEventHandler<OpenIddictServerEvents.ValidateTokenContext>(b => b.UseSingletonHandler<ClientAssertionFormat>().SetOrder(ClientAssertionFormat.Order));
                o.AddEventHandler<OpenIddictServerEvents.ValidateTokenContext>(b => b.UseSingletonHandler<ClientAssertionType>().SetOrder(ClientAssertionType.Order));
                o.AddEventHandler<OpenIddictServerEvents.HandleIntrospectionRequestContext>(b => b.UseSingletonHandler<IntrospectionClaims>());
                // Introspection authorized by a bearer token (SMART "Token Introspection"): IntrospectionBearer.
                o.AddEventHandler<OpenIddictServerEvents.ProcessAuthenticationContext>(b => b.UseScopedHandler<IntrospectionBearer>().SetOrder(IntrospectionBearer.Order));
                o.Configure(IntrospectionBearer.FilterClientIdCheck);
                // A client's token requests only from its registered origins (ClientOrigins).
                o.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(b => b.UseSingletonHandler<ClientOrigins>());
                o.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(b => b.UseSingletonHandler<AuthorizationRequestChecks>()
                    .SetOrder(OpenIddictServerHandlers.Authentication.ValidateClientRedirectUri.Descriptor.Order + 1));
                // Each authorization knows the sign-in it was granted in: signing out ends its online access.
                o.AddEventHandler<OpenIddictServerEvents.ProcessSignInContext>(b => b.UseScopedHandler<SessionAuthorizations>().SetOrder(SessionAuthorizations.Order));
                o.AddEventHandler<OpenIddictServerEvents.ProcessSignInContext>(b => b.UseSingletonHandler<OnlineAccessRefresh>()
                    .SetOrder(OpenIddictServerHandlers.EvaluateGeneratedTokens.Descriptor.Order + 1));
                o.AddEventHandler<OpenIddictServerEvents.ProcessSignInContext>(b => b.UseSingletonHandler<IdTokenFhirUser>()
                    .SetOrder(OpenIddictServerHandlers.PrepareIdentityTokenPrincipal.Descriptor.Order + 1));
                o.AddEventHandler<OpenIddictServerEvents.ProcessSignInContext>(b => b.UseSingletonHandler<SmartTokenResponse>()
                    .SetOrder(OpenIddictServerHandlers.AttachCustomSignInParameters.Descriptor.Order + 1));
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
                // A revoked token is refused from then on: each request checks its entry in the token store, through
                // the token status cache (TokenEntryCheck in place of OpenIddict's two handlers that query the store).
                o.EnableTokenEntryValidation();
                o.RemoveEventHandler(OpenIddict.Validation.OpenIddictValidationHandlers.Protection.RestoreTokenEntryProperties.Descriptor);
                o.RemoveEventHandler(OpenIddict.Validation.OpenIddictValidationHandlers.Protection.ValidateTokenEntry.Descriptor);
                o.AddEventHandler<OpenIddict.Validation.OpenIddictValidationEvents.ValidateTokenContext>(b => b.UseSingletonHandler<TokenEntryCheck>()
                    .SetOrder(TokenEntryCheck.Order));
                o.AddEventHandler<OpenIddict.Validation.OpenIddictValidationEvents.ValidateTokenContext>(b => b.UseSingletonHandler<AccessTokenAudience>()
                    .SetOrder(AccessTokenAudience.ValidationOrder));
                o.AddEventHandler<OpenIddict.Validation.OpenIddictValidationEvents.ProcessAuthenticationContext>(b => b.UseSingletonHandler<ContractClaims>()
                    .SetOrder(int.MaxValue - 100_000));
            });
        // Practitioners sign in through Pro Santé Connect when it is configured (docs/authorization.md).
        if (smart.ProSanteConnect.Enabled)
        {
            openIddict.AddProSanteConnect(smart.ProSanteConnect, server, keys);
            loginPage.Providers.Add(new LoginPage.Provider("Pro Santé Connect", ProSanteConnectEndpoints.LoginPath));
        }
        // Bearer tokens authenticate the API (OpenIddict's validation, its successes kept for a repeated token:
        // CachedBearerAuthentication); the session cookie only the authorization server's pages that read it.
        services.AddAuthentication(CachedBearerAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, CachedBearerAuthentication>(CachedBearerAuthentication.SchemeName, CachedBearerAuthentication.Configure);
    }

    /// <summary>Creates OpenIddict's tables when missing and registers the configured clients.</summary>
    public static async Task InitializeSmartAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        await SmartSchema.EnsureCreatedAsync(scope.ServiceProvider.GetRequiredService<SmartDbContext>(), ct);
        await SmartClients.SyncAsync(scope.ServiceProvider, services.GetRequiredService<SmartSettings>(), ct);
    }

    public static void MapSmart(this WebApplication app)
    {
        app.MapGet(SmartConfigurationPath, (HttpContext http, ServerSettings server, SmartSettings smart) => SmartDiscovery.Configuration(http, server, smart));
        app.MapMethods(AuthorizationPath, [HttpMethods.Get, HttpMethods.Post], AuthorizeEndpoint.HandleAsync).DisableAntiforgery();
        app.MapPost(LaunchPath, LaunchEndpoint.CreateAsync);
        app.MapMethods(EndSessionPath, [HttpMethods.Get, HttpMethods.Post], SignOutEndpoint.HandleAsync).DisableAntiforgery();
        app.MapSmartSession();
        var smart = app.Services.GetRequiredService<SmartSettings>();
        if (smart.ProSanteConnect.Enabled) app.MapProSanteConnect(smart.ProSanteConnect);
    }

    /// <summary>The FHIR base URL, without the final slash: the issuer (the server's root).</summary>
    public static string FhirBase(HttpContext http, ServerSettings server) =>
        Issuer(server)?.AbsoluteUri.TrimEnd('/') ?? FhirServer.Http.FhirEndpoints.BaseUrl(http.Request);

    /// <summary>The issuer: the first public base URL when one is configured, else the base of each request.</summary>
    public static Uri? Issuer(ServerSettings server) =>
        (server.BaseUrl ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } first
            ? new Uri(first.TrimEnd('/') + "/") : null;
}
