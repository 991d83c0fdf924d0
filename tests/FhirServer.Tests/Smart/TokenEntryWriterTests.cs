using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;

namespace FhirServer.Tests.Smart;

/// <summary>
/// Token entries written in grouped commits (<c>TokenEntryWriter</c>): tokens asked for at once each get their own
/// entry, as OpenIddict's store reads it back (application, type, status, dates), and revoking one refuses that one
/// only.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class TokenEntryWriterTests(string store) : SmartServerTests(store)
{
    [Test]
    public async Task Tokens_asked_for_at_once_each_have_their_entry_and_one_revoked_is_the_only_one_refused()
    {
        var tokens = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => AccessToken()));
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
            var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
            var backend = await applications.GetIdAsync((await applications.FindByClientIdAsync(BackendClient))!);
            foreach (var token in tokens)
            {
                var jwt = new JsonWebToken(token);
                var entry = await manager.FindByIdAsync(TokenStatusCacheTests.TokenId(token));
                Assert.That(entry, Is.Not.Null);
                Assert.That(await manager.GetStatusAsync(entry!), Is.EqualTo(OpenIddictConstants.Statuses.Valid));
                Assert.That(await manager.GetTypeAsync(entry!), Is.EqualTo(OpenIddictConstants.TokenTypeIdentifiers.AccessToken));
                Assert.That(await manager.GetApplicationIdAsync(entry!), Is.EqualTo(backend));
                Assert.That(await manager.GetAuthorizationIdAsync(entry!), Is.Null);
                Assert.That(await manager.GetSubjectAsync(entry!), Is.EqualTo(BackendClient));
                Assert.That((await manager.GetExpirationDateAsync(entry!))!.Value.UtcDateTime, Is.EqualTo(jwt.ValidTo).Within(TimeSpan.FromSeconds(1)));
                Assert.That((await manager.GetCreationDateAsync(entry!))!.Value.UtcDateTime, Is.EqualTo(jwt.IssuedAt).Within(TimeSpan.FromSeconds(1)));
            }
        }
        Assert.That(tokens.Distinct().Count(), Is.EqualTo(tokens.Length));

        var revoked = await Client.PostAsync("/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = tokens[5],
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = Keys.Assertion(BackendClient, TokenEndpoint),
        }));
        Assert.That(revoked.IsSuccessStatusCode, Is.True);
        for (var i = 0; i < tokens.Length; i++)
            Assert.That(await UserClaims(tokens[i]), i == 5 ? Is.Null : Is.Not.Null, $"token {i}");
    }
}
