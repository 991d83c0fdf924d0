using System.Security.Claims;
using System.Text.Encodings.Web;
using FhirServer.Tests.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FhirServer.Tests.Authorization;

/// <summary>
/// Authentication for the tests: the header <c>X-Test-Claims: scope=patient/Observation.rs scope=openid patient=p1</c>
/// becomes the claims a validated SMART access token gives (one <c>scope</c> claim per scope), so that enforcement is
/// tested without issuing tokens. <c>Authorization: Bearer …</c> without the header stands for an invalid token.
/// </summary>
public sealed class TestClaimsHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "TestClaims";
    public const string Header = "X-Test-Claims";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[Header].ToString() is not { Length: > 0 } header)
            return Task.FromResult(Request.Headers.Authorization.Count > 0 ? AuthenticateResult.Fail("invalid token") : AuthenticateResult.NoResult());
        var claims = header.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(kv => new Claim(kv[0], kv.Length > 1 ? kv[1] : ""));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Name)));
    }

    /// <summary>A server with <c>Auth:Mode=smart</c> that authenticates with this handler.</summary>
    public static ServerFactory Server(string store) =>
        new(store, new() { ["Auth:Mode"] = "smart" }, builder => builder.ConfigureTestServices(services =>
            services.AddAuthentication(Name).AddScheme<AuthenticationSchemeOptions, TestClaimsHandler>(Name, null)));
}
