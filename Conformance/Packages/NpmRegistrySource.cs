using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace FhirServer.Conformance.Packages;

// A registry speaking the npm protocol, as packages.fhir.org and packages.simplifier.net do
// (https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md): GET {base}/{name} returns the package document,
// whose "versions" map gives each version's dist.tarball URL and checksums. An unknown package is a 404 and simply
// yields no versions; any other failure throws, so the resolver can report the registry as unreachable.
public sealed class NpmRegistrySource : IPackageSource
{
    public static readonly Uri FhirPackageRegistry = new("https://packages.fhir.org/");

    private readonly HttpClient _http;

    public NpmRegistrySource(Uri baseUri, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(http);
        BaseUri = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _http = http;
    }

    public Uri BaseUri { get; }

    public string Description => $"registry {BaseUri}";

    public async Task<IReadOnlyList<string>> GetVersionsAsync(string name, CancellationToken ct)
    {
        var document = await FetchDocumentAsync(name, ct);
        return document is null ? [] : [.. document.Versions.Keys.Order(SemanticVersionComparer.Instance)];
    }

    // The "dist-tags" of a package ("latest" → "4.0.1"), empty when the registry does not know the package.
    public async Task<IReadOnlyDictionary<string, string>> GetDistTagsAsync(string name, CancellationToken ct) =>
        (await FetchDocumentAsync(name, ct))?.DistTags ?? new Dictionary<string, string>();

    public async Task<bool> InstallAsync(string name, string version, PackageCache cache, CancellationToken ct)
    {
        var document = await FetchDocumentAsync(name, ct);
        if (document is null || !document.Versions.TryGetValue(version, out var dist)) return false;
        // packages.fhir.org also serves a version's tarball at {base}/{name}/{version}, for documents without dist.
        var tarball = dist.Tarball is { } t ? new Uri(BaseUri, t) : new Uri(BaseUri, $"{Uri.EscapeDataString(name)}/{Uri.EscapeDataString(version)}");

        // Download to a temporary file first: the checksum must be verified before anything reaches the cache.
        var temp = Path.Combine(Path.GetTempPath(), $"fhir-package-{Guid.NewGuid():N}.tgz");
        try
        {
            using (var response = await _http.GetAsync(tarball, HttpCompletionOption.ResponseHeadersRead, ct))
            {
                if (!response.IsSuccessStatusCode)
                    throw new HttpRequestException($"GET {tarball} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
                await using var body = await response.Content.ReadAsStreamAsync(ct);
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
                await body.CopyToAsync(file, ct);
            }
            await VerifyAsync(temp, dist, tarball, ct);
            await using var stream = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
            await cache.InstallTarballAsync(stream, name, version, ct);
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task<RegistryDocument?> FetchDocumentAsync(string name, CancellationToken ct)
    {
        var uri = new Uri(BaseUri, Uri.EscapeDataString(name));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone) return null;
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        try
        {
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: ct);
            return RegistryDocument.Parse(json.RootElement);
        }
        catch (JsonException e)
        {
            throw new HttpRequestException($"GET {uri} did not return an npm package document: {e.Message}", e);
        }
    }

    private static async Task VerifyAsync(string path, RegistryDist dist, Uri tarball, CancellationToken ct)
    {
        string? expected = null, actual = null;
        if (dist.Integrity is { } integrity && integrity.StartsWith("sha512-", StringComparison.Ordinal))
        {
            expected = integrity;
            await using var file = File.OpenRead(path);
            actual = "sha512-" + Convert.ToBase64String(await SHA512.HashDataAsync(file, ct));
        }
        else if (dist.Shasum is { Length: > 0 } shasum)
        {
            // npm's legacy "shasum" is a SHA-1 hex digest; it is still what packages.fhir.org publishes.
            expected = shasum.ToLowerInvariant();
            await using var file = File.OpenRead(path);
            actual = Convert.ToHexStringLower(await SHA1.HashDataAsync(file, ct));
        }
        if (expected is not null && !string.Equals(expected, actual, StringComparison.Ordinal))
            throw new InvalidDataException($"The tarball at {tarball} does not match the registry's checksum ({expected}).");
    }
}
