using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using FhirServer.Smart;

namespace FhirServer.Tests.Smart;

/// <summary>
/// A bearer token's entry in the token store is kept in memory for <c>Smart:TokenStatusCacheSeconds</c> (here two
/// hours, longer than an access token lives, on a clock the tests move): a revocation on this server is seen at once, an expiration while the entry is
/// kept too; a change made to the store by another server is seen once the kept entry is older than that time.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TokenStatusCacheTests(string store) : SmartServerTests(store)
{
    private readonly ShiftedClock _clock = new();

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:TokenStatusCacheSeconds"] = "7200";
        return settings;
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(_clock);

    [SetUp]
    public void Now() => _clock.Shift = TimeSpan.Zero;

    [Test]
    public async Task A_revocation_on_this_server_refuses_the_token_at_the_next_request()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null, "valid, and now kept in memory");
        var revoked = await Client.PostAsync("/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = Keys.Assertion(BackendClient, TokenEndpoint),
        }));
        Assert.That(revoked.IsSuccessStatusCode, Is.True);
        Assert.That(await UserClaims(token), Is.Null, "the revocation evicted the kept status");
    }

    [Test]
    public async Task A_token_that_expires_while_its_status_is_kept_is_refused()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        // The access token lives an hour; its status is kept two hours: the kept expiration date refuses it.
        _clock.Shift = TimeSpan.FromMinutes(61);
        Assert.That(await UserClaims(token), Is.Null);
    }

    [Test]
    public async Task An_expiration_moved_on_this_server_is_seen_at_once()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var manager = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictTokenManager>();
            var entry = await manager.FindByIdAsync(TokenId(token));
            var descriptor = new OpenIddict.Abstractions.OpenIddictTokenDescriptor();
            await manager.PopulateAsync(descriptor, entry!);
            descriptor.ExpirationDate = DateTimeOffset.UtcNow.AddMinutes(-1);
            await manager.UpdateAsync(entry!, descriptor);
        }
        Assert.That(await UserClaims(token), Is.Null);
    }

    [Test]
    public async Task A_revocation_by_another_server_is_seen_once_the_kept_status_is_older_than_the_configured_time()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        await RevokeInTheStore(Factory.Services, TokenId(token));
        Assert.That(await UserClaims(token), Is.Not.Null, "within Smart:TokenStatusCacheSeconds, the kept status answers");
        _clock.Shift = TimeSpan.FromSeconds(7201);
        Assert.That(await UserClaims(token), Is.Null, "then the store is read again");
    }

    internal static string TokenId(string token) => new JsonWebToken(token).GetClaim("oi_tkn_id").Value;

    /// <summary>The token revoked in the store itself, as another server sharing it would: this server's manager never knows.</summary>
    internal static async Task RevokeInTheStore(IServiceProvider services, string id)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SmartDbContext>();
        var changed = await db.Database.ExecuteSqlAsync($"UPDATE \"OpenIddictTokens\" SET \"Status\" = 'revoked' WHERE \"Id\" = {id}");
        Assert.That(changed, Is.EqualTo(1));
    }

    internal sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Shift;
    }
}
