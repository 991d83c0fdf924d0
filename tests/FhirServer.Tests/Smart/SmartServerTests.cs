using System.Net.Http.Headers;
using System.Text.Json;
using FhirServer.Tests.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirServer.Tests.Smart;

/// <summary>
/// The server with <c>Auth:Mode=smart</c> and the clients of the SMART tests, plus <c>/test/claims</c>, which answers
/// with the claims the request's bearer token gives <c>HttpContext.User</c> (what the enforcement reads).
/// </summary>
public abstract class SmartServerTests(string store)
{
    public const string BackendClient = "backend";
    protected readonly TestKeys Keys = new();
    private ServerFactory _root = null!;
    protected WebApplicationFactory<Program> Factory { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;
    protected LogCapture Log { get; } = new();
    /// <summary>The token endpoint's URL: a SMART client's assertion audience.</summary>
    protected string TokenEndpoint => new Uri(Client.BaseAddress!, "auth/token").AbsoluteUri;

    protected virtual Dictionary<string, string> Settings() => new()
    {
        ["Auth:Mode"] = "smart",
        ["Smart:Clients:0:ClientId"] = BackendClient,
        ["Smart:Clients:0:Type"] = "asymmetric",
        ["Smart:Clients:0:Jwks"] = Keys.Jwks(),
        ["Smart:Clients:0:Scopes:0"] = "system/*.rs",
        ["Smart:Clients:0:Scopes:1"] = "system/Patient.cruds",
    };

    [OneTimeSetUp]
    public void StartServer()
    {
        _root = new ServerFactory(store, Settings());
        Factory = _root.WithWebHostBuilder(b => b.ConfigureServices(s =>
            {
                s.AddSingleton<IStartupFilter, ClaimsEcho>();
                ConfigureServices(s);
            }).ConfigureLogging(l => l.AddProvider(Log)));
        Client = Start(Factory);
    }

    /// <summary>Services a fixture replaces (e.g. the clock).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Starts the server and gives the client the tests call it with (the browser tests put it behind Kestrel).</summary>
    protected virtual HttpClient Start(WebApplicationFactory<Program> factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [OneTimeTearDown]
    public void StopServer()
    {
        Client.Dispose();
        Factory.Dispose();
        _root.Dispose();
    }

    protected async Task<HttpResponseMessage> RequestToken(string assertion, string scope = "system/Observation.rs system/Patient.rs") =>
        await Client.PostAsync("/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = scope,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        }));

    protected async Task<string> AccessToken(string alg = "RS384", string scope = "system/Observation.rs system/Patient.rs")
    {
        var response = await RequestToken(Keys.Assertion(BackendClient, TokenEndpoint, alg), scope);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(200), body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The claims of HttpContext.User for a request with this bearer token (null: not authenticated).</summary>
    protected async Task<Dictionary<string, List<string>>?> UserClaims(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/test/claims");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return body == "anonymous" ? null : JsonSerializer.Deserialize<Dictionary<string, List<string>>>(body);
    }

    private sealed class ClaimsEcho : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // MapWhen rather than Map, which would move the path into PathBase and so change the issuer the request sees.
            app.MapWhen(http => http.Request.Path == "/test/claims", echo =>
            {
                echo.UseAuthentication();
                echo.Run(Echo);
            });
            next(app);
        };

        private static async Task Echo(HttpContext http)
        {
            {
                if (http.User.Identity?.IsAuthenticated != true)
                {
                    await http.Response.WriteAsync("anonymous");
                    return;
                }
                var claims = http.User.Claims.GroupBy(c => c.Type).ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToList());
                await http.Response.WriteAsync(JsonSerializer.Serialize(claims));
            }
        }
    }
}
