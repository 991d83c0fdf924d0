namespace FhirServer.Hosting;

/// <summary>
/// The server's command-line switches and the configuration keys they set: read by <see cref="ServerApp"/>, listed
/// by <c>--help</c>, and (those about packages) accepted by the verbs that load packages, so that one table says
/// what exists.
/// </summary>
public static class ServerSwitches
{
    public sealed record Switch(string Name, string Key, string Description, bool Packages = false);

    public static readonly IReadOnlyList<Switch> All =
    [
        // --urls is ASP.NET Core's own (the key is read by the host); listed here for --help and for the checks.
        new("--urls", "Urls", "Addresses to listen on, separated by ';' (default http://localhost:8080)"),
        new("--store", "Server:Store", "sqlite (default) or postgres"),
        new("--data", "Server:DataDirectory", "Folder of the SQLite file, relative to the working directory (default data)"),
        new("--connection", "Server:Connection", "PostgreSQL connection string, required with --store postgres"),
        new("--packages", "FhirPackages:PackageList", "FHIR packages to load: name#version,… (default: the French set)", Packages: true),
        new("--package-sources", "FhirPackages:SourceList", "Folders of .tgz packages: dir1,dir2 (default ../shared/fhir-packages)", Packages: true),
        new("--package-cache", "FhirPackages:Cache", "Package cache folder (default ~/.fhir/packages)", Packages: true),
        new("--registry", "FhirPackages:Registry", "Package registry URL; empty to work offline (default https://packages.fhir.org)", Packages: true),
        new("--max-request-bytes", "Server:MaxRequestBytes", "Largest request body; larger ones are answered 413 (default 20 MB)"),
        new("--base-url", "Server:BaseUrl", "This server's public base URL(s), a,b (e.g. behind a proxy): absolute references on it are local"),
        new("--cors-origins", "Server:CorsOrigins", "Web origins allowed to call from a browser: a,b; * for any (default *)"),
        new("--smart-config", "Smart:ConfigFile", "JSON file with the SMART authorization server's settings and clients (section Smart)"),
        new("--log-format", "Logging:Format", "json for one JSON object per log line, with a timestamp (default plain text)"),
        new("--auth", "Auth:Mode", "smart (SMART access tokens required) or off (no authorization); default off on loopback addresses only, smart otherwise"),
        new("--request-log", "Server:RequestLog", "true (default) or false: one log line per request"),
        new("--validation", "Validation:OnWrite", "What each write is validated against: off, base, declared (default: base + meta.profile) or strict"),
    ];

    /// <summary>The mappings of <c>AddCommandLine</c> (<c>--urls</c> needs none: its key has the switch's name).</summary>
    public static Dictionary<string, string> Mappings() =>
        All.Where(s => s.Name != "--urls").ToDictionary(s => s.Name, s => s.Key);

    /// <summary>The switch that sets a configuration key, for messages (<c>--data</c> for <c>Server:DataDirectory</c>).</summary>
    public static string Describe(string key) =>
        All.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase)) is { } s ? $"{s.Name} ({key})" : key;
}
