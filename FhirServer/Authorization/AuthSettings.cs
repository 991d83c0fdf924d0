using FhirServer.Hosting;

namespace FhirServer.Authorization;

/// <summary>
/// Section <c>Auth</c>: <c>Mode</c> is <c>smart</c> (every FHIR interaction needs a SMART access token and is limited to
/// its scopes) or <c>off</c> (no authorization: anyone reads and writes everything). Without a value it is <c>off</c>
/// when the server listens on loopback addresses only (a developer's machine: the README's commands work with no
/// set-up), <c>smart</c> otherwise. <c>off</c> on an address others can reach needs <c>--auth off</c> on the command line.
/// </summary>
public sealed class AuthSettings
{
    public const string Section = "Auth";

    public string? Mode { get; set; }

    public bool Smart { get; private init; }

    /// <summary>The mode of this start; a <see cref="ConfigurationException"/> for an unknown one or an unsafe <c>off</c>.</summary>
    public static AuthSettings Read(IConfiguration configuration, string[] args)
    {
        var settings = new AuthSettings();
        configuration.GetSection(Section).Bind(settings);
        var urls = configuration["Urls"];
        var loopback = ListensOnLoopbackOnly(urls);
        switch (settings.Mode?.Trim().ToLowerInvariant())
        {
            case "smart":
                return new AuthSettings { Mode = "smart", Smart = true };
            case null or "":
                return new AuthSettings { Mode = loopback ? "off" : "smart", Smart = !loopback };
            case "off":
                var fromCommandLine = new ConfigurationBuilder().AddCommandLine(args, ServerSwitches.Mappings()).Build()["Auth:Mode"];
                if (!loopback && !string.Equals(fromCommandLine?.Trim(), "off", StringComparison.OrdinalIgnoreCase))
                    throw new ConfigurationException(
                        $"Auth:Mode is off while the server listens on {urls}, which others can reach: give --auth off on the command line to run without authorization there, or use --auth smart.");
                return new AuthSettings { Mode = "off" };
            default:
                throw new ConfigurationException($"{ServerSwitches.Describe("Auth:Mode")}: '{settings.Mode}' is not a mode; use smart or off.");
        }
    }

    /// <summary>Whether every address of <c>--urls</c> (default http://localhost:8080) is a loopback one.</summary>
    public static bool ListensOnLoopbackOnly(string? urls)
    {
        if (string.IsNullOrWhiteSpace(urls)) return true;
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards (*, +) and 0.0.0.0 / [::] listen on every interface.
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                    UriKind.Absolute, out var uri))
                return false;
            if (uri.IsLoopback) continue;
            if (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address)) continue;
            return false;
        }
        return true;
    }
}
