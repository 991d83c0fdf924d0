using Microsoft.IdentityModel.JsonWebTokens;

namespace FhirServer.Tests.Smart;

/// <summary><c>Smart:AccessTokenAlgorithm=RS256</c>: access tokens signed with the RSA key, as resource servers reading only RSA need.</summary>
[TestFixture("sqlite")]
public class AccessTokenSigningTests(string store) : SmartServerTests(store)
{
    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:AccessTokenAlgorithm"] = "RS256";
        return settings;
    }

    [Test]
    public async Task Access_tokens_are_signed_RS256_and_accepted()
    {
        var token = await AccessToken();
        var jwt = new JsonWebToken(token);
        Assert.That(jwt.Alg, Is.EqualTo("RS256"));
        Assert.That(jwt.Kid, Does.StartWith("signing-"));
        Assert.That(await UserClaims(token), Is.Not.Null);
    }
}
