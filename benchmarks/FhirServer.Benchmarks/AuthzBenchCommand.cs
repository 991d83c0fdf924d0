using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using FhirServer.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench authz</c>: the cost of authorization. The same SQLite data served twice in-process, with <c>--auth off</c>
/// and with <c>--auth smart</c> (a header turned into the claims of a validated token, so that token validation is left
/// out): GET Patient/{id}, and a patient-compartment search (off: <c>Patient/{id}/Observation</c>; smart:
/// the same, and <c>Observation</c> with a <c>patient/*.rs</c> token, which the server runs as that compartment search).
/// </summary>
internal static class AuthzBenchCommand
{
    private const string Header = "X-Bench-Claims";

    public static Command Create()
    {
        var patients = new Option<int>("--patients") { Description = "Patients (5 Observations each; default 1000)", DefaultValueFactory = _ => 1000 };
        var seconds = new Option<int>("--seconds") { Description = "Seconds per measure (default 10)", DefaultValueFactory = _ => 10 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (default 8)", DefaultValueFactory = _ => 8 };
        var command = new Command("authz", "GET Patient/{id} and a patient-compartment search with SMART authorization against without") { patients, seconds, clients };
        command.SetAction(async (result, ct) =>
        {
            var (n, duration, c) = (result.GetValue(patients), TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(clients));
            var data = Path.Combine(Path.GetTempPath(), "fhirserver-authz-bench-" + Guid.NewGuid().ToString("N"));
            var extra = result.UnmatchedTokens.ToArray();
            try
            {
                double readOff, searchOff, readOn, searchOn, implicitOn;
                await using (var off = await StartAsync(data, "off", extra))
                {
                    using var http = Client(off.Base, null);
                    await LoadAsync(http, n, ct);
                    readOff = await RateAsync(off.Base, n, c, duration, i => $"/Patient/p{i}", ct);
                    searchOff = await RateAsync(off.Base, n, c, duration, i => $"/Patient/p{i}/Observation", ct);
                }
                await using (var smart = await StartAsync(data, "smart", extra))
                {
                    readOn = await RateAsync(smart.Base, n, c, duration, i => $"/Patient/p{i}", ct, Claims);
                    searchOn = await RateAsync(smart.Base, n, c, duration, i => $"/Patient/p{i}/Observation", ct, Claims);
                    implicitOn = await RateAsync(smart.Base, n, c, duration, _ => "/Observation", ct, Claims);
                }
                Console.WriteLine($"{"request",-36} {"off req/s",10} {"smart req/s",12} {"ratio",6}");
                Print("GET Patient/{id}", readOff, readOn);
                Print("Patient/{id}/Observation", searchOff, searchOn);
                // The token's compartment alone bounds it (the server's own compartment definition, read once).
                Print("Observation, bounded by a patient token", searchOff, implicitOn);
                return 0;
            }
            finally
            {
                try { Directory.Delete(data, recursive: true); } catch (IOException) { }
            }
        });
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }

    private static void Claims(HttpRequestMessage request, int i) => request.Headers.Add(Header, $"scope=patient/*.rs patient=p{i}");

    internal static void Print(string name, double off, double on, string? more = null) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-36} {off,10:F0} {on,12:F0} {on / off,6:P0}") + (more is null ? "" : "   " + more));

    internal sealed record Server(WebApplication App, string Base) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    internal static async Task<Server> StartAsync(string data, string mode, string[] extra, Action<IServiceCollection>? configure = null)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var url = $"http://127.0.0.1:{port}";
        string[] args = [.. extra, "--urls", url, "--data", data, "--auth", mode, "--request-log", "false"];
        var app = ServerApp.Build(args, services =>
        {
            if (configure is not null) configure(services);
            else if (mode == "smart") services.AddAuthentication(Header).AddScheme<AuthenticationSchemeOptions, ClaimsHeaderHandler>(Header, null);
        });
        await app.StartAsync();
        return new Server(app, url);
    }

    internal static HttpClient Client(string baseUrl, string? claims)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(baseUrl) };
        if (claims is not null) http.DefaultRequestHeaders.Add(Header, claims);
        return http;
    }

    internal static async Task LoadAsync(HttpClient http, int patients, CancellationToken ct)
    {
        await Parallel.ForAsync(0, patients, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var entries = new StringBuilder($$$"""{"resource":{"resourceType":"Patient","id":"p{{{i}}}","name":[{"family":"F{{{i}}}"}]},"request":{"method":"PUT","url":"Patient/p{{{i}}}"}}""");
            for (var o = 0; o < 5; o++)
                entries.Append($$$""",{"resource":{"resourceType":"Observation","status":"final","code":{"text":"c{{{o}}}"},"subject":{"reference":"Patient/p{{{i}}}"}},"request":{"method":"POST","url":"Observation"}}""");
            using var content = new StringContent($$"""{"resourceType":"Bundle","type":"transaction","entry":[{{entries}}]}""", Encoding.UTF8, "application/fhir+json");
            using var response = await http.PostAsync("/", content, token);
            response.EnsureSuccessStatusCode();
        });
    }

    /// <summary>Requests per second of <paramref name="clients"/> closed-loop clients, after a warm-up of a tenth of the time.</summary>
    internal static async Task<double> RateAsync(string baseUrl, int patients, int clients, TimeSpan duration, Func<int, string> path,
        CancellationToken ct, Action<HttpRequestMessage, int>? prepare = null)
    {
        long done = 0;
        var failures = 0L;
        var measuring = false;
        var stop = DateTime.UtcNow + duration + duration / 10;
        using var http = Client(baseUrl, null);
        async Task Worker(int seed)
        {
            var random = new Random(seed);
            while (DateTime.UtcNow < stop && !ct.IsCancellationRequested)
            {
                var i = random.Next(patients);
                using var request = new HttpRequestMessage(HttpMethod.Get, path(i));
                prepare?.Invoke(request, i);
                using var response = await http.SendAsync(request, ct);
                await response.Content.CopyToAsync(Stream.Null, ct);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
                if (Volatile.Read(ref measuring)) Interlocked.Increment(ref done);
            }
        }
        var workers = Enumerable.Range(0, clients).Select(s => Task.Run(() => Worker(s), ct)).ToList();
        await Task.Delay(duration / 10, ct);
        Volatile.Write(ref measuring, true);
        var started = DateTime.UtcNow;
        await Task.WhenAll(workers);
        var elapsed = (DateTime.UtcNow - started).TotalSeconds;
        if (failures > 0) Console.Error.WriteLine($"{failures} non-2xx responses");
        return done / elapsed;
    }

    /// <summary>The claims of a validated access token, from a header: the benchmark's stand-in for token validation.</summary>
    private sealed class ClaimsHeaderHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Request.Headers[Header].ToString() is not { Length: > 0 } header) return Task.FromResult(AuthenticateResult.NoResult());
            var claims = header.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Select(kv => new Claim(kv[0], kv[^1]));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Header));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Header)));
        }
    }
}
