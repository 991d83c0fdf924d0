namespace FhirServer.Tests.Smart;

/// <summary><c>Smart:TokenStatusCacheSeconds</c> 0: the token store is read on every request, so another server's revocation is seen at once.</summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TokenStatusCacheOffTests(string store) : SmartServerTests(store)
{
    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:TokenStatusCacheSeconds"] = "0";
        return settings;
    }

    [Test]
    public async Task A_revocation_by_another_server_is_seen_at_the_next_request()
    {
        var token = await AccessToken();
        Assert.That(await UserClaims(token), Is.Not.Null);
        await TokenStatusCacheTests.RevokeInTheStore(Factory.Services, TokenStatusCacheTests.TokenId(token));
        Assert.That(await UserClaims(token), Is.Null);
    }
}
