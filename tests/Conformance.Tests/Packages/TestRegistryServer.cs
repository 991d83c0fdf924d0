using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FhirServer.Conformance.Tests.Packages;

// A minimal npm registry on 127.0.0.1: GET /{name} returns the package document, GET /tarballs/{file} the tarball.
internal sealed class TestRegistryServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, (int Status, string ContentType, byte[] Body)> _routes = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public TestRegistryServer()
    {
        BaseUri = new Uri($"http://127.0.0.1:{FreePort()}/");
        _listener.Prefixes.Add(BaseUri.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUri { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    // Serves the given tarballs under one package document; checksum overrides the published shasum.
    public void AddPackage(string name, IReadOnlyList<(string Version, byte[] Tgz)> versions, string? checksum = null, bool serveTarballs = true)
    {
        var versionMap = new Dictionary<string, object>();
        foreach (var (version, tgz) in versions)
        {
            var file = $"tarballs/{name}-{version}.tgz";
            if (serveTarballs) _routes[file] = (200, "application/gzip", tgz);
            versionMap[version] = new
            {
                name,
                version,
                dist = new { tarball = new Uri(BaseUri, file).AbsoluteUri, shasum = checksum ?? Convert.ToHexStringLower(SHA1.HashData(tgz)) },
            };
        }
        var latest = versions.Select(v => v.Version).Order(FhirServer.Conformance.Packages.SemanticVersionComparer.Instance).Last();
        var document = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["_id"] = name,
            ["name"] = name,
            ["dist-tags"] = new { latest },
            ["versions"] = versionMap,
        });
        _routes[name] = (200, "application/json", document);
    }

    public void AddRoute(string path, int status, string body) => _routes[path] = (status, "text/plain", Encoding.UTF8.GetBytes(body));

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'));
            Requests.Enqueue(path);
            var (status, type, body) = _routes.TryGetValue(path, out var route) ? route : (404, "application/json", "{\"error\":\"not found\"}"u8.ToArray());
            context.Response.StatusCode = status;
            context.Response.ContentType = type;
            context.Response.ContentLength64 = body.Length;
            try
            {
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The client went away; nothing to do.
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
