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
/// <c>bench smart</c>: SMART authorization with real access tokens. The same SQLite data served in-process with
/// <c>--auth off</c>, then with <c>--auth smart</c> and a backend client (RS384 key, inline JWKS): GET Patient/{id} with
/// a <c>system/*.rs</c> token and with the patient's own <c>patient/*.rs</c> token, <c>Patient/{id}/Observation</c> and
/// <c>Observation</c> (bounded by the token's compartment) with the patient's token; and the token endpoint's rate of
/// backend services tokens (client_credentials, one fresh signed assertion each, made before the clock starts).
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
        var tokens = new Option<int>("--tokens") { Description = "Token requests for the token endpoint's rate (default 5000)", DefaultValueFactory = _ => 5000 };
        var command = new Command("smart", "FHIR reads and searches with real SMART access tokens against without, and the token endpoint's rate") { patients, seconds, clients, tokens };
        command.SetAction(async (result, ct) =>
        {
            var (n, duration, c, m) = (result.GetValue(patients), TimeSpan.FromSeconds(result.GetValue(seconds)), result.GetValue(clients), result.GetValue(tokens));
            var data = Path.Combine(Path.GetTempPath(), "fhirserver-smart-bench-" + Guid.NewGuid().ToString("N"));
            using var rsa = RSA.Create(2048);
            var key = new RsaSecurityKey(rsa) { KeyId = "bench-1" };
            Directory.CreateDirectory(data);
            var config = Path.Combine(data, "smart.json");
            await File.WriteAllTextAsync(config, SmartConfig(rsa), ct);
            // First: an empty value among the unmatched tokens (--registry "") would take the switch after it as its value.
            string[] extra = ["--smart-config", config, .. result.UnmatchedTokens];
            try
            {
                double readOff, searchOff, readSystem, readPatient, searchOn, implicitOn, tokensPerSecond;
                await using (var off = await AuthzBenchCommand.StartAsync(data, "off", extra))
                {
                    using var http = AuthzBenchCommand.Client(off.Base, null);
                    await AuthzBenchCommand.LoadAsync(http, n, ct);
                    readOff = await AuthzBenchCommand.RateAsync(off.Base, n, c, duration, i => $"/Patient/p{i}", ct);
                    searchOff = await AuthzBenchCommand.RateAsync(off.Base, n, c, duration, i => $"/Patient/p{i}/Observation", ct);
                }
                await using (var smart = await AuthzBenchCommand.StartAsync(data, "smart", extra, services => services.AddOpenIddict().AddServer(o =>
                                 o.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(b => b.UseInlineHandler(PatientToken).SetOrder(100_000)))))
                {
                    using var http = AuthzBenchCommand.Client(smart.Base, null);
                    var tokenUrl = smart.Base + "/auth/token";
                    var system = await TokenAsync(http, Assertion(key, tokenUrl), null, ct);
                    var own = new string[n];
                    for (var i = 0; i < n; i++) own[i] = await TokenAsync(http, Assertion(key, tokenUrl), "p" + i, ct);
                    readSystem = await AuthzBenchCommand.RateAsync(smart.Base, n, c, duration, i => $"/Patient/p{i}", ct, (r, _) => Bearer(r, system));
                    readPatient = await AuthzBenchCommand.RateAsync(smart.Base, n, c, duration, i => $"/Patient/p{i}", ct, (r, i) => Bearer(r, own[i]));
                    searchOn = await AuthzBenchCommand.RateAsync(smart.Base, n, c, duration, i => $"/Patient/p{i}/Observation", ct, (r, i) => Bearer(r, own[i]));
                    implicitOn = await AuthzBenchCommand.RateAsync(smart.Base, n, c, duration, _ => "/Observation", ct, (r, i) => Bearer(r, own[i]));
                    tokensPerSecond = await TokenRateAsync(http, key, tokenUrl, m, c, ct);
                }
                Console.WriteLine($"{"request",-44} {"off req/s",10} {"smart req/s",12} {"ratio",6}");
                AuthzBenchCommand.Print("GET Patient/{id}, system/*.rs token", readOff, readSystem);
                AuthzBenchCommand.Print("GET Patient/{id}, the patient's token", readOff, readPatient);
                AuthzBenchCommand.Print("Patient/{id}/Observation, patient's token", searchOff, searchOn);
                AuthzBenchCommand.Print("Observation, bounded by the patient's token", searchOff, implicitOn);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"token endpoint, backend services: {tokensPerSecond:F0} tokens/s ({m} requests, {c} clients)"));
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

    private static string SmartConfig(RSA rsa)
    {
        var p = rsa.ExportParameters(false);
        var jwk = new JsonObject { ["kty"] = "RSA", ["kid"] = "bench-1", ["alg"] = "RS384", ["n"] = Base64UrlEncoder.Encode(p.Modulus!), ["e"] = Base64UrlEncoder.Encode(p.Exponent!) };
        return new JsonObject
        {
            ["Smart"] = new JsonObject
            {
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

    private static void Bearer(HttpRequestMessage request, string token) => request.Headers.Authorization = new("Bearer", token);

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
