using FhirServer.Hosting;

namespace FhirServer.Smart;

/// <summary>One registered client (SMART App Launch "Registering a SMART App with an EHR").</summary>
public sealed class SmartClient
{
    public string? ClientId { get; set; }

    /// <summary>
    /// <c>public</c> (no secret: PKCE only), <c>confidential</c> (<see cref="Secret"/>, <c>client_secret_basic</c>) or
    /// <c>asymmetric</c> (<see cref="Jwks"/> or <see cref="JwksUri"/>, <c>private_key_jwt</c>).
    /// </summary>
    public string Type { get; set; } = "public";

    public string? Secret { get; set; }

    /// <summary>The client's public keys, a JSON Web Key Set (inline JSON in the configuration).</summary>
    public string? Jwks { get; set; }

    /// <summary>Where the client publishes its JSON Web Key Set.</summary>
    public string? JwksUri { get; set; }

    public string? DisplayName { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    /// <summary>The scopes the client may be granted; SMART patterns such as <c>system/*.rs</c> cover narrower ones.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>The app's launch URL, where an EHR launch sends the user (<c>?iss=…&amp;launch=…</c>).</summary>
    public string? LaunchUrl { get; set; }

    /// <summary>
    /// Whether the client (a portal or an EHR, with a client_credentials token) may create EHR launch contexts at
    /// <c>/auth/launch</c>.
    /// </summary>
    public bool LaunchCreator { get; set; }

    /// <summary>
    /// Whether the client (a resource server) may introspect tokens with a bearer token of its own instead of its client
    /// credentials, and then tokens issued to any client (SMART "Token Introspection"; <see cref="IntrospectionBearer"/>).
    /// </summary>
    public bool Introspector { get; set; }

    /// <summary>Where the end-session endpoint may send the browser back after sign-out (<c>post_logout_redirect_uri</c>).</summary>
    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>
    /// The web origins (<c>https://app.example</c>) the client's browser requests come from: its token requests and FHIR
    /// calls from another origin are refused. Empty: the server's <c>Server:CorsOrigins</c> apply (<see cref="ClientOrigins"/>).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public bool IsPublic => Type.Equals("public", StringComparison.OrdinalIgnoreCase);
    public bool IsConfidential => Type.Equals("confidential", StringComparison.OrdinalIgnoreCase);
    public bool IsAsymmetric => Type.Equals("asymmetric", StringComparison.OrdinalIgnoreCase);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ClientId)) throw new ConfigurationException("Smart:Clients: a client has no ClientId.");
        var where = $"Smart:Clients '{ClientId}'";
        if (!IsPublic && !IsConfidential && !IsAsymmetric)
            throw new ConfigurationException($"{where}: unknown Type '{Type}': use public, confidential or asymmetric.");
        if (IsConfidential && string.IsNullOrEmpty(Secret)) throw new ConfigurationException($"{where}: a confidential client needs a Secret.");
        if (IsAsymmetric && string.IsNullOrEmpty(Jwks) && string.IsNullOrEmpty(JwksUri))
            throw new ConfigurationException($"{where}: an asymmetric client needs Jwks or JwksUri.");
        if (Jwks is not null && JwksUri is not null)
            throw new ConfigurationException($"{where}: give Jwks or JwksUri, not both.");
        if (JwksUri is not null && !(Uri.TryCreate(JwksUri, UriKind.Absolute, out var jwksUri) && jwksUri.Scheme is "https" or "http"))
            throw new ConfigurationException($"{where}: JwksUri '{JwksUri}' is not an absolute http(s) URL.");
        if (!IsAsymmetric && (Jwks is not null || JwksUri is not null))
            throw new ConfigurationException($"{where}: Jwks and JwksUri are for asymmetric clients.");
        if (Jwks is not null)
        {
            try
            {
                var set = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(Jwks);
                if (set.Keys.Count == 0) throw new ArgumentException("the set has no keys");
            }
            catch (ArgumentException e)
            {
                throw new ConfigurationException($"{where}: Jwks is not a JSON Web Key Set: {e.Message}", e);
            }
        }
        foreach (var uri in RedirectUris.Concat(PostLogoutRedirectUris).Append(LaunchUrl).OfType<string>())
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out _)) throw new ConfigurationException($"{where}: '{uri}' is not an absolute URL.");
        }
        foreach (var origin in AllowedOrigins)
        {
            if (ClientOrigins.Normalize(origin) is null)
                throw new ConfigurationException($"{where}: AllowedOrigins '{origin}' is not a web origin (scheme://host[:port], no path).");
        }
    }
}
