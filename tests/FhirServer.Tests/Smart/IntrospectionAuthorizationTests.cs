using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FhirServer.Smart;

namespace FhirServer.Tests.Smart;

/// <summary>
/// SMART "Token Introspection", authorization to introspect (checklist rows 282, 283): a resource server configured
/// with <c>Introspector</c> authenticates with a bearer token of its own and introspects tokens issued to any client;
/// no token, a bad one, or one of another client is 401 <c>invalid_client</c> (RFC 7662 section 2.1).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class IntrospectionAuthorizationTests(string store) : SmartFlowTests(store)
{
    private const string ResourceServer = "resource-server";

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:Clients:4:ClientId"] = ResourceServer;
        settings["Smart:Clients:4:Type"] = "asymmetric";
        settings["Smart:Clients:4:Jwks"] = Keys.Jwks();
        settings["Smart:Clients:4:Scopes:0"] = "system/Patient.rs";
        settings["Smart:Clients:4:Introspector"] = "true";
        return settings;
    }

    [Test]
    public async Task A_resource_servers_bearer_token_introspects_tokens_of_any_client()
    {
        var bearer = await PortalToken(ResourceServer);
        var (callback, verifier) = await Authorize("doctor", "launch/patient patient/Observation.rs", "pat1");
        var appToken = (await Json(await Exchange(callback.Query["code"], verifier))).GetProperty("access_token").GetString()!;

        var answer = await Json(await Introspect(appToken, bearer));
        Assert.That(answer.GetProperty("active").GetBoolean(), Is.True, answer.ToString());
        Assert.That(answer.GetProperty("client_id").GetString(), Is.EqualTo(PublicApp), "a token issued to another client");
        Assert.That(answer.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(answer.GetProperty("scope").GetString()!.Split(' '), Does.Contain("patient/Observation.rs"));

        var backend = await AccessToken();
        var other = await Json(await Introspect(backend, bearer));
        Assert.That(other.GetProperty("active").GetBoolean(), Is.True);
        Assert.That(other.GetProperty("client_id").GetString(), Is.EqualTo(BackendClient));

        Assert.That((await Json(await Introspect("not-a-token", bearer))).GetProperty("active").GetBoolean(), Is.False, "an unknown token is inactive");
    }

    [Test]
    public async Task Without_a_token_or_with_a_token_not_of_an_introspector_it_is_401()
    {
        var (callback, verifier) = await Authorize("alice", "patient/Observation.rs");
        var patientAppToken = (await Json(await Exchange(callback.Query["code"], verifier))).GetProperty("access_token").GetString()!;
        var backend = await AccessToken();

        foreach (var (bearer, why) in new (string?, string)[]
                 {
                     (null, "no token"), ("not-a-token", "a token not of this server"), (patientAppToken, "a patient app's token"),
                     (backend, "the token of a client not configured as an introspector"),
                 })
        {
            var response = await Introspect(backend, bearer);
            var body = await response.Content.ReadAsStringAsync();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), $"{why}: {body}");
            Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(), Is.EqualTo("invalid_client"), why);
        }
    }

    [Test]
    public async Task A_revoked_bearer_token_no_longer_introspects()
    {
        var bearer = await PortalToken(ResourceServer);
        var target = await AccessToken();
        Assert.That((await Introspect(target, bearer)).StatusCode, Is.EqualTo(HttpStatusCode.OK), string.Join("\n", Log.Warnings));
        var revoked = await Client.PostAsync(SmartServer.RevocationPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = bearer,
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = Keys.Assertion(ResourceServer, TokenEndpoint),
        }));
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.OK), await revoked.Content.ReadAsStringAsync());
        Assert.That((await Introspect(target, bearer)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private async Task<HttpResponseMessage> Introspect(string token, string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SmartServer.IntrospectionPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await Client.SendAsync(request);
    }
}
