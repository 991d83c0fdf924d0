using System.CommandLine;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench smart</c>: SMART authorization with real access tokens. SQLite data loaded once, then copies of it served
/// in-process side by side with <c>--auth off</c> and with <c>--auth smart</c> and a backend client (RS384 key, inline
/// JWKS): GET Patient/{id} with a <c>system/*.rs</c> token and with the patient's own <c>patient/*.rs</c> token,
/// <c>Patient/{id}/Observation</c> and <c>Observation</c> (bounded by the token's compartment) with the patient's token,
/// each measured off then smart, round after round (<c>--rounds</c>), so the ratios are of the same moments of the
/// machine; and the token endpoint's rate of backend services tokens (client_credentials, one fresh signed assertion
/// each, made before the clock starts), with ES256 access tokens and, on a third server, RS256 ones.
/// Patient tokens come from the same token endpoint: for the benchmark only, a handler turns a client_credentials
/// request that names a <c>patient</c> into a <c>patient/*.rs</c> token for that patient (the authorization code flow
/// would give the same token after a sign-in).
/// </summary>
internal static class SmartBenchCommand
{
    private const string ClientId = "bench";

    public static Command Create()
    {
        var patients = new Option<int>("--patients") { Description = "Patients (5 Observations each; default 1000)", DefaultValueFactory = _ => 1000 };
        var seconds = new Option<int>("--seconds") { Description = "Seconds per measure (default 10)", DefaultValueFactory = _ => 10 };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients (default 8)", DefaultValueFactory = _ => 8 };
        var tokens = new Option<int>("--tokens") { Description = "Token requests for the token endpoint's rate, per round (default 5000)", DefaultValueFactory = _ => 5000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of every measure, off and smart alternating (default 3)", DefaultValueFactory = _ => 3 };
        var command = new Command("smart", "FHIR reads and searches with real SMART access tokens against without, and the token endpoint's rate") { patients, seconds, clients, tokens, rounds };
        command.SetAction(async (result, ct) =>
        {
            var (n, duration, c, m, r) = (result.GetValue(patients), TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(clients),
                result.GetValue(tokens), result.GetValue(rounds));
            var root = Path.Combine(Path.GetTempPath(), "fhirserver-smart-bench-" + Guid.NewGuid().ToString("N"));
            var data = Path.Combine(root, "off");
            using var rsa = RSA.Create(2048);
            var key = new RsaSecurityKey(rsa) { KeyId = "bench-1" };
            Directory.CreateDirectory(data);
            var config = Path.Combine(root, "smart.json");
            await File.WriteAllTextAsync(config, SmartConfig(rsa, "ES256"), ct);
            var rs256Config = Path.Combine(root, "smart-rs256.json");
            await File.WriteAllTextAsync(rs256Config, SmartConfig(rsa, "RS256"), ct);
            // First: an empty value among the unmatched tokens (--registry "") would take the switch after it as its value.
            string[] extra = ["--smart-config", config, .. result.UnmatchedTokens];
            try
            {
                await using (var load = await AuthzBenchCommand.StartAsync(data, "off", extra))
                {
                    using var http = AuthzBenchCommand.Client(load.Base, null);
                    await AuthzBenchCommand.LoadAsync(http, n, ct);
                }
                // The same data for each server: copies of the loaded folder.
                var smartData = Copy(data, Path.Combine(root, "smart"));
                var rs256Data = Copy(data, Path.Combine(root, "smart-rs256"));
                await using var off = await AuthzBenchCommand.StartAsync(data, "off", extra);
                await using var smart = await AuthzBenchCommand.StartAsync(smartData, "smart", extra, PatientTokens);
                // The token endpoint as before access tokens were signed ES256, for its rate beside the default's.
                await using var rs256 = await AuthzBenchCommand.StartAsync(rs256Data, "smart", ["--smart-config", rs256Config, .. result.UnmatchedTokens], PatientTokens);
                using var client = AuthzBenchCommand.Client(smart.Base, null);
                var tokenUrl = smart.Base + "/auth/token";
                var system = await TokenAsync(client, Assertion(key, tokenUrl), null, ct);
                var own = new string[n];
                for (var i = 0; i < n; i++) own[i] = await TokenAsync(client, Assertion(key, tokenUrl), "p" + i, ct);
                void Bearer(HttpRequestMessage request, int i) => request.Headers.Authorization = new("Bearer", own[i]);
                // Off and smart measured one after the other, round after round, so that a change of the machine's load
                // weighs on both.
                var measures = new (string Name, Func<Task<double>> Off, Func<Task<double>> Smart)[]
                {
                    ("GET Patient/{id}, system/*.rs token", () => Rate(off, i => $"/Patient/p{i}", null),
                        () => Rate(smart, i => $"/Patient/p{i}", (q, _) => q.Headers.Authorization = new("Bearer", system))),
                    ("GET Patient/{id}, the patient's token", () => Rate(off, i => $"/Patient/p{i}", null), () => Rate(smart, i => $"/Patient/p{i}", Bearer)),
                    ("Patient/{id}/Observation, patient's token", () => Rate(off, i => $"/Patient/p{i}/Observation", null),
                        () => Rate(smart, i => $"/Patient/p{i}/Observation", Bearer)),
                    ("Observation, bounded by the patient's token", () => Rate(off, i => $"/Patient/p{i}/Observation", null),
                        () => Rate(smart, _ => "/Observation", Bearer)),
                };
                var figures = measures.Select(_ => (Off: new List<double>(), Smart: new List<double>())).ToArray();
                var es256 = new List<double>();
                var rs256Rates = new List<double>();
                for (var round = 1; round <= r; round++)
                {
                    for (var k = 0; k < measures.Length; k++)
                    {
                        figures[k].Off.Add(await measures[k].Off());
                        figures[k].Smart.Add(await measures[k].Smart());
                    }
                    es256.Add(await TokenRateAsync(client, key, tokenUrl, m, c, ct));
                    using var rsClient = AuthzBenchCommand.Client(rs256.Base, null);
                    rs256Rates.Add(await TokenRateAsync(rsClient, key, rs256.Base + "/auth/token", m, c, ct));
                    Console.Error.WriteLine($"round {round}/{r} done");
                }
                Console.WriteLine($"{"request",-44} {"off req/s",10} {"smart req/s",12} {"ratio",6}   ratio per round (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
                for (var k = 0; k < measures.Length; k++)
                {
                    var (o, s) = figures[k];
                    AuthzBenchCommand.Print(measures[k].Name, o.Average(), s.Average(),
                        string.Join(" ", o.Zip(s, (a, b) => (b / a).ToString("P0", CultureInfo.InvariantCulture))));
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"token endpoint, backend services: {es256.Average():F0} tokens/s ES256 access tokens, {rs256Rates.Average():F0} tokens/s RS256 ({m} requests, {c} clients, per round: {string.Join(" ", es256.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))} / {string.Join(" ", rs256Rates.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})"));
                return 0;
            }
            finally
            {
                try { Directory.Delete(root, recursive: true); } catch (IOException) { }
            }

            Task<double> Rate(AuthzBenchCommand.Server server, Func<int, string> path, Action<HttpRequestMessage, int>? prepare) =>
                AuthzBenchCommand.RateAsync(server.Base, n, c, duration, path, ct, prepare);
        });
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }

    private static string SmartConfig(RSA rsa, string accessTokenAlgorithm)
    {
        var p = rsa.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "RSA", ["kid"] = "bench-1", ["alg"] = "RS384", ["n"] = Base64UrlEncoder.Encode(p.Modulus!), ["e"] = Base64UrlEncoder.Encode(p.Exponent!) };
        return new JsonObject
        {
            ["Smart"] = new JsonObject
            {
                ["AccessTokenAlgorithm"] = accessTokenAlgorithm,
                ["Clients"] = new JsonArray(new JsonObject
                {
                    ["ClientId"] = ClientId, ["Type"] = "asymmetric", ["Jwks"] = new JsonObject { ["keys"] = new JsonArray(jwk) },
                    ["Scopes"] = new JsonArray("system/*.rs"),
                }),
            },
        }.ToJsonString();
    }

    // The benchmark's stand-in for a patient's sign-in: the client_credentials token, once granted, made a patient/ one.
    private static ValueTask PatientToken(OpenIddictServerEvents.HandleTokenRequestContext context)
    {
        if (context.Principal is null || context.Request.GetParameter("patient")?.ToString() is not { Length: > 0 } patient) return default;
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, ClientId).SetClaim(Claims.ClientId, ClientId).SetClaim("patient", patient);
        identity.SetScopes("patient/*.rs");
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        context.SignIn(new ClaimsPrincipal(identity));
        return default;
    }

    private static string Assertion(SecurityKey key, string audience) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ClientId,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = ClientId, ["jti"] = Guid.NewGuid().ToString("N") },
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha384),
        });

    private static FormUrlEncodedContent TokenRequest(string assertion, string? patient) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["scope"] = "system/*.rs",
        ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ["client_assertion"] = assertion,
        ["patient"] = patient ?? "",
    });

    private static async Task<string> TokenAsync(HttpClient http, string assertion, string? patient, CancellationToken ct)
    {
        using var response = await http.PostAsync("/auth/token", TokenRequest(assertion, patient), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token endpoint: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private static void PatientTokens(IServiceCollection services) => services.AddOpenIddict().AddServer(o =>
        o.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(b => b.UseInlineHandler(PatientToken).SetOrder(100_000)));

    private static string Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }

    /// <summary>Tokens per second of <paramref name="clients"/> closed-loop clients, each request with its own assertion.</summary>
    private static async Task<double> TokenRateAsync(HttpClient http, SecurityKey key, string tokenUrl, int count, int clients, CancellationToken ct)
    {
        var assertions = Enumerable.Range(0, count).Select(_ => Assertion(key, tokenUrl)).ToArray();
        var next = -1;
        var failures = 0;
        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var response = await http.PostAsync("/auth/token", TokenRequest(assertions[i], null), ct);
                await response.Content.CopyToAsync(Stream.Null, ct);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
            }
        }, ct)));
        var elapsed = (DateTime.UtcNow - started).TotalSeconds;
        if (failures > 0) Console.Error.WriteLine($"{failures} token requests refused");
        return count / elapsed;
    }
}
