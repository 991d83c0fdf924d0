using System.Text.Json.Nodes;
using FhirServer.Hosting;
using FhirServer.Smart.ProSanteConnect;

namespace FhirServer.Smart;

/// <summary>
/// The SMART App Launch authorization server's settings: <c>Auth:Mode</c> and the <c>Smart</c> section (clients,
/// keys, token lifetimes), read from appsettings.json or from the file given with <c>--smart-config</c>.
/// </summary>
public sealed class SmartSettings
{
    /// <summary><c>smart</c>: tokens are issued and required; <c>off</c>: no authorization server.</summary>
    public string Mode { get; set; } = "off";

    /// <summary>
    /// Where the signing and encryption keys are kept (created on first start); by default <c>smart-keys</c> in the
    /// data directory (<c>--data</c>), also with the PostgreSQL store.
    /// </summary>
    public string? KeyDirectory { get; set; }

    /// <summary>
    /// Days after which a new signing key is made at start-up: the newest key signs, the older ones are still
    /// published and accepted for as many days again, so tokens signed before the rotation stay valid to their end.
    /// </summary>
    public int SigningKeyRotationDays { get; set; } = 90;

    /// <summary>Lifetime of an access token, in minutes.</summary>
    public int AccessTokenMinutes { get; set; } = 60;

    /// <summary>
    /// How access tokens are signed: <c>ES256</c> (ECDSA P-256, the default: a signature costs a fraction of an RSA
    /// one) or <c>RS256</c> (the RSA key, for resource servers that read only RSA). Identity tokens are RS256 either way
    /// (OpenID Connect); the JWKS publishes both keys.
    /// </summary>
    public string AccessTokenAlgorithm { get; set; } = "ES256";

    /// <summary>
    /// Seconds a bearer token's entry in the token store (its status, expiration) is kept in memory between requests, so
    /// that each request does not query the store; the principal validated from the token is kept as long as its entry
    /// (<see cref="CachedBearerAuthentication"/>). A revocation on this server takes effect at once; one on another
    /// server sharing the store is seen here within this time. 0: the store is queried on every request.
    /// </summary>
    public int TokenStatusCacheSeconds { get; set; } = 5;

    /// <summary>
    /// Lifetime of a Backend Services (client_credentials) access token, in minutes: SMART asks for short-lived ones,
    /// at most five minutes (Backend Services, "Issue access token").
    /// </summary>
    public int BackendTokenMinutes { get; set; } = 5;

    /// <summary>
    /// Lifetime of a refresh token asked with <c>offline_access</c>, in days; each refresh gives a new one (the one
    /// used is spent).
    /// </summary>
    public int RefreshTokenDays { get; set; } = 14;

    /// <summary>
    /// Seconds during which a refresh token already used may be used again (an app that lost the answer retries). 0:
    /// never — a refresh token used twice is refused and, being a sign of theft (RFC 9700 section 4.14), the tokens
    /// of its authorization are revoked.
    /// </summary>
    public int RefreshTokenReuseSeconds { get; set; }

    /// <summary>
    /// Lifetime of a sign-in at the authorization endpoint (its cookie), in minutes. An <c>online_access</c> refresh
    /// token ends with the sign-in it was granted in.
    /// </summary>
    public int SessionMinutes { get; set; } = 480;

    /// <summary>Wrong passwords in a row after which the login form refuses the user name for a while (<see cref="LoginLockout"/>).</summary>
    public int LoginMaxFailures { get; set; } = 5;

    /// <summary>How long a locked user name stays locked, in minutes (and the span within which failures are counted together).</summary>
    public int LoginLockoutMinutes { get; set; } = 15;

    /// <summary>Minutes an EHR launch context (<c>/auth/launch</c>) may wait for the app's authorization request.</summary>
    public int LaunchContextMinutes { get; set; } = 10;

    /// <summary>Patients the picker lists for a practitioner in a standalone launch asking <c>launch/patient</c>.</summary>
    public int PatientPickerLimit { get; set; } = 50;

    /// <summary>The <c>smart_style_url</c> of token responses (SMART App Launch "Styling"); none by default.</summary>
    public string? StyleUrl { get; set; }

    /// <summary>
    /// The longest client assertion (a signed JWT, in characters) the token, introspection and revocation endpoints
    /// read; a longer one is refused as <c>invalid_client</c> before it is parsed.
    /// </summary>
    public int MaxClientAssertionLength { get; set; } = 8192;

    /// <summary>
    /// Minutes a JSON Web Key Set fetched from a client's <c>JwksUri</c> is kept at most; less when the answer's
    /// <c>Cache-Control</c> says less (SMART: never longer than the client's cache-control header indicates).
    /// </summary>
    public int JwksCacheMinutes { get; set; } = 5;

    /// <summary>The largest JSON Web Key Set read from a client's <c>JwksUri</c>, in bytes.</summary>
    public int MaxJwksBytes { get; set; } = 65536;

    /// <summary>Seconds to wait for a client's <c>JwksUri</c> to answer.</summary>
    public int JwksTimeoutSeconds { get; set; } = 5;

    /// <summary>The clients allowed to ask for tokens, synchronised into the application store at start-up.</summary>
    public List<SmartClient> Clients { get; set; } = [];

    /// <summary>The local users who sign in at the authorization endpoint.</summary>
    public List<SmartUser> Users { get; set; } = [];

    /// <summary>The user of that name (names are compared without case); null when none.</summary>
    public SmartUser? FindUser(string? username) =>
        username is null ? null : Users.Find(u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase));

    public SmartClient? FindClient(string? clientId) => clientId is null ? null : Clients.Find(c => c.ClientId == clientId);

    /// <summary>Pro Santé Connect as an upstream OpenID Connect provider for practitioners (off unless configured).</summary>
    public ProSanteConnectSettings ProSanteConnect { get; set; } = new();

    public bool IsSmart => Mode.Equals("smart", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads <c>Auth:Mode</c> and the <c>Smart</c> section; throws <see cref="ConfigurationException"/> on the first mistake.</summary>
    public static SmartSettings Read(IConfiguration configuration)
    {
        var settings = new SmartSettings();
        try
        {
            configuration.GetSection("Smart").Bind(settings);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException($"The Smart section of the configuration: {e.Message}", e);
        }
        settings.Mode = configuration["Auth:Mode"] ?? settings.Mode;
        // A JSON Web Key Set written inline in the configuration is a tree of keys, not a string: the binder skips a
        // list element it cannot bind, so each client is bound without it, then given it back as JSON.
        settings.Clients = [.. configuration.GetSection("Smart:Clients").GetChildren().Select(ReadClient)];
        settings.Validate();
        return settings;
    }

    public void Validate()
    {
        if (!IsSmart && !Mode.Equals("off", StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException($"Unknown Auth:Mode '{Mode}' (--auth): use smart or off.");
        if (SigningKeyRotationDays <= 0) throw new ConfigurationException($"Smart:SigningKeyRotationDays is {SigningKeyRotationDays}: it must be a positive number.");
        if (AccessTokenMinutes <= 0) throw new ConfigurationException($"Smart:AccessTokenMinutes is {AccessTokenMinutes}: it must be a positive number.");
        foreach (var (name, value) in new[] { ("RefreshTokenDays", RefreshTokenDays), ("SessionMinutes", SessionMinutes), ("BackendTokenMinutes", BackendTokenMinutes),
                     ("LoginMaxFailures", LoginMaxFailures), ("LoginLockoutMinutes", LoginLockoutMinutes),
                     ("LaunchContextMinutes", LaunchContextMinutes), ("PatientPickerLimit", PatientPickerLimit) })
        {
            if (value <= 0) throw new ConfigurationException($"Smart:{name} is {value}: it must be a positive number.");
        }
        if (StyleUrl is not null && !Uri.TryCreate(StyleUrl, UriKind.Absolute, out _))
            throw new ConfigurationException($"Smart:StyleUrl '{StyleUrl}' is not an absolute URL.");
        ProSanteConnect.Validate();
        foreach (var (name, value) in new[] { ("MaxClientAssertionLength", MaxClientAssertionLength), ("MaxJwksBytes", MaxJwksBytes), ("JwksTimeoutSeconds", JwksTimeoutSeconds) })
            if (value <= 0) throw new ConfigurationException($"Smart:{name} is {value}: it must be a positive number.");
        if (TokenStatusCacheSeconds < 0)
            throw new ConfigurationException($"Smart:TokenStatusCacheSeconds is {TokenStatusCacheSeconds}: it must be 0 (the store on every request) or more.");
        if (AccessTokenAlgorithm is not ("ES256" or "RS256"))
            throw new ConfigurationException($"Smart:AccessTokenAlgorithm is '{AccessTokenAlgorithm}': use ES256 or RS256.");
        if (RefreshTokenReuseSeconds < 0) throw new ConfigurationException($"Smart:RefreshTokenReuseSeconds is {RefreshTokenReuseSeconds}: it must be 0 (no reuse) or more.");
        if (JwksCacheMinutes < 0) throw new ConfigurationException($"Smart:JwksCacheMinutes is {JwksCacheMinutes}: it must be 0 (no cache) or more.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in Clients)
        {
            client.Validate();
            if (!seen.Add(client.ClientId!)) throw new ConfigurationException($"Smart:Clients: client_id '{client.ClientId}' is configured twice.");
        }
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var user in Users)
        {
            user.Validate();
            if (!names.Add(user.Username!)) throw new ConfigurationException($"Smart:Users: the user '{user.Username}' is configured twice.");
        }
    }

    private static SmartClient ReadClient(IConfigurationSection section)
    {
        var values = section.AsEnumerable(makePathsRelative: true)
            .Where(kv => kv.Value is not null && !kv.Key.Equals("Jwks", StringComparison.OrdinalIgnoreCase)
                         && !kv.Key.StartsWith("Jwks:", StringComparison.OrdinalIgnoreCase));
        SmartClient client;
        try
        {
            client = new ConfigurationBuilder().AddInMemoryCollection(values).Build().Get<SmartClient>() ?? new SmartClient();
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException($"Smart:Clients:{section.Key}: {e.Message}", e);
        }
        var jwks = section.GetSection("Jwks");
        client.Jwks = jwks.Value ?? (jwks.GetChildren().Any() ? ToJson(jwks).ToJsonString() : null);
        return client;
    }

    // Configuration sections whose keys are 0, 1, 2… were arrays.
    private static JsonNode ToJson(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0) return JsonValue.Create(section.Value ?? "")!;
        if (children.All(c => int.TryParse(c.Key, out _)))
            return new JsonArray([.. children.OrderBy(c => int.Parse(c.Key)).Select(ToJson)]);
        var obj = new JsonObject();
        foreach (var child in children) obj[child.Key] = ToJson(child);
        return obj;
    }
}
