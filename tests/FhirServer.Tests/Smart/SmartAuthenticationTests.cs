using System.Net;
using System.Net.Http.Headers;
using FhirServer.Smart;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server;

namespace FhirServer.Tests.Smart;

/// <summary>
/// A FHIR request is authenticated by its bearer token alone (<see cref="SmartAuthentication"/>): OpenIddict's request
/// processing, which looks for its own endpoints, runs only for the paths of those endpoints.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class SmartAuthenticationTests(string store) : SmartServerTests(store)
{
    private int _requests;

    private int Requests => Volatile.Read(ref _requests);

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddOpenIddict().AddServer(o => o.AddEventHandler<OpenIddictServerEvents.ProcessRequestContext>(b => b.UseInlineHandler(_ =>
        {
            Interlocked.Increment(ref _requests);
            return default;
        }).SetOrder(int.MinValue)));

    [Test]
    public async Task A_FHIR_read_with_a_token_is_answered_without_the_authorization_servers_request_processing()
    {
        var token = await AccessToken();
        var before = Requests;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Patient/none");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await Client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "authenticated and authorized: the resource is not there");
        using var anonymous = await Client.GetAsync("/Patient/none");
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(anonymous.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        Assert.That(Requests - before, Is.Zero);
    }

    [TestCase("/.well-known/openid-configuration")]
    [TestCase("/.well-known/jwks.json")]
    [TestCase("/AUTH/TOKEN")]
    public async Task The_authorization_servers_paths_still_go_through_its_request_processing(string path)
    {
        var before = Requests;
        using var _ = await Client.GetAsync(path);
        Assert.That(Requests - before, Is.EqualTo(1));
    }

    [Test]
    public async Task The_token_endpoint_still_answers()
    {
        Assert.That(await AccessToken(), Is.Not.Empty);
    }
}

/// <summary>
/// A kept principal whose token's entry has been kept longer than <c>Smart:TokenStatusCacheSeconds</c>: the entry alone
/// is read again; the token is not validated again while the entry is unchanged, and is refused once it is not.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class KeptPrincipalRefreshTests(string store) : ValidationCountingTests(store)
{
    private readonly TokenStatusCacheTests.ShiftedClock _clock = new();

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:TokenStatusCacheSeconds"] = "60";
        return settings;
    }

    protected override void ConfigureServices(IServiceCollection services)
    {
        base.ConfigureServices(services);
        services.AddSingleton<TimeProvider>(_clock);
    }

    [SetUp]
    public void Now() => _clock.Shift = TimeSpan.Zero;

    [Test]
    public async Task An_unchanged_entry_read_again_keeps_the_principal_without_a_new_validation()
    {
        var token = await AccessToken();
        var first = await UserClaims(token);
        var before = Validations;
        _clock.Shift = TimeSpan.FromSeconds(61);
        Assert.That(await UserClaims(token), Is.EqualTo(first));
        _clock.Shift = TimeSpan.FromSeconds(122);
        Assert.That(await UserClaims(token), Is.EqualTo(first));
        Assert.That(Validations - before, Is.Zero);
    }

    [Test]
    public async Task A_revocation_by_another_server_is_seen_when_the_entry_is_read_again()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        await TokenStatusCacheTests.RevokeInTheStore(Factory.Services, TokenStatusCacheTests.TokenId(token));
        Assert.That(await UserClaims(token), Is.Not.Null, "within the cache time, the kept entry answers");
        _clock.Shift = TimeSpan.FromSeconds(61);
        Assert.That(await UserClaims(token), Is.Null);
        Assert.That(await UserClaims(token), Is.Null, "and stays refused");
    }

    [Test]
    public async Task An_entry_changed_otherwise_sends_the_token_through_the_whole_validation()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SmartDbContext>();
            var id = TokenStatusCacheTests.TokenId(token);
            // Another server moves the expiration date (sooner, still to come).
            Assert.That(await Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.ExecuteSqlAsync(db.Database,
                $"UPDATE \"OpenIddictTokens\" SET \"ExpirationDate\" = {DateTime.UtcNow.AddMinutes(30)} WHERE \"Id\" = {id}"), Is.EqualTo(1));
        }
        var before = Validations;
        _clock.Shift = TimeSpan.FromSeconds(61);
        Assert.That(await UserClaims(token), Is.Not.Null);
        Assert.That(Validations - before, Is.EqualTo(1));
    }
}
