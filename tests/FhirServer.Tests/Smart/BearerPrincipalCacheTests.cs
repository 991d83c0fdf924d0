using System.Net.Http.Headers;
using FhirServer.Smart;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Validation;

namespace FhirServer.Tests.Smart;

/// <summary>
/// A bearer token seen a moment ago is not validated again (<see cref="CachedBearerAuthentication"/>): the principal
/// validated the first time is kept beside the token's status (<c>Smart:TokenStatusCacheSeconds</c>), and given only to
/// the same token, at the same base URL, while the status is kept. The refusals once a token is kept (revocation,
/// expiry, another server's revocation) are <see cref="TokenStatusCacheTests"/>'s.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BearerPrincipalCacheTests(string store) : ValidationCountingTests(store)
{
    [Test]
    public async Task A_repeated_token_is_validated_once_and_gives_the_same_claims()
    {
        var token = await AccessToken();
        var before = Validations;
        var first = await UserClaims(token);
        var second = await UserClaims(token);
        Assert.That(first, Is.Not.Null);
        Assert.That(second, Is.EqualTo(first));
        Assert.That(Validations - before, Is.EqualTo(1), "the second request took the kept principal");
    }

    [Test]
    public async Task A_kept_token_altered_is_refused()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        var signature = token[(token.LastIndexOf('.') + 1)..];
        var altered = token[..(token.LastIndexOf('.') + 1)] + (signature[0] == 'A' ? 'B' : 'A') + signature[1..];
        Assert.That(await UserClaims(altered), Is.Null);
        Assert.That(await UserClaims(token + "x"), Is.Null);
    }

    [Test]
    public async Task A_kept_token_sent_to_another_base_url_is_validated_there_and_refused()
    {
        // No issuer configured: the audience a token must name is the base URL of the request.
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        var before = Validations;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/test/claims");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Host = "other.example";
        var response = await Client.SendAsync(request);
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("anonymous"));
        Assert.That(Validations - before, Is.EqualTo(1));
    }

    [Test]
    public async Task A_revoked_token_is_refused_although_its_principal_was_kept()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        Assert.That(await UserClaims(token), Is.Not.Null, "kept");
        var revoked = await Client.PostAsync("/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = Keys.Assertion(BackendClient, TokenEndpoint),
        }));
        Assert.That(revoked.IsSuccessStatusCode, Is.True);
        Assert.That(await UserClaims(token), Is.Null);
        Assert.That(await UserClaims(token), Is.Null, "and stays refused");
    }
}

/// <summary><c>Smart:TokenStatusCacheSeconds</c> 0: no principal is kept either, every request validates its token.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BearerPrincipalCacheOffTests(string store) : ValidationCountingTests(store)
{
    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:TokenStatusCacheSeconds"] = "0";
        return settings;
    }

    [Test]
    public async Task Each_request_validates_its_token()
    {
        var token = await AccessToken();
        var before = Validations;
        Assert.That(await UserClaims(token), Is.Not.Null);
        Assert.That(await UserClaims(token), Is.Not.Null);
        Assert.That(Validations - before, Is.EqualTo(2));
    }
}

/// <summary>The SMART test server, counting OpenIddict's validations of a token (one per token validated).</summary>
public abstract class ValidationCountingTests(string store) : SmartServerTests(store)
{
    private int _validations;

    protected int Validations => Volatile.Read(ref _validations);

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddOpenIddict().AddValidation(o => o.AddEventHandler<OpenIddictValidationEvents.ValidateTokenContext>(b => b.UseInlineHandler(_ =>
        {
            Interlocked.Increment(ref _validations);
            return default;
        }).SetOrder(int.MinValue)));
}
