using System.Text;
using FhirServer.Smart;
using Microsoft.Extensions.Configuration;

namespace FhirServer.Tests.Smart;

public class SmartSettingsTests
{
    [Test]
    public void A_client_with_its_key_set_written_inline_as_JSON_is_read()
    {
        const string file = """
            {"Smart":{"Clients":[
              {"ClientId":"inline","Type":"asymmetric","Scopes":["system/*.rs"],
               "Jwks":{"keys":[{"kty":"RSA","kid":"k1","alg":"RS384","n":"sXch","e":"AQAB"}]}},
              {"ClientId":"by-url","Type":"asymmetric","JwksUri":"https://app.example/jwks.json","Scopes":["system/*.rs"]}
            ]}}
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(file))).Build();
        var settings = SmartSettings.Read(configuration);
        Assert.That(settings.Clients.Select(c => c.ClientId), Is.EqualTo(new[] { "inline", "by-url" }));
        Assert.That(settings.Clients[0].Jwks, Does.Contain("\"kid\":\"k1\""));
        Assert.That(settings.Clients[0].Scopes, Is.EqualTo(new[] { "system/*.rs" }));
        Assert.That(settings.Clients[1].JwksUri, Is.EqualTo("https://app.example/jwks.json"));
    }

    [TestCase(null, 5)]
    [TestCase("0", 0)]
    [TestCase("30", 30)]
    public void The_token_status_cache_time_is_read(string? value, int expected)
    {
        var values = value is null ? [] : new Dictionary<string, string?> { ["Smart:TokenStatusCacheSeconds"] = value };
        var settings = SmartSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        Assert.That(settings.TokenStatusCacheSeconds, Is.EqualTo(expected));
    }

    [Test]
    public void A_negative_token_status_cache_time_stops_the_server()
    {
        var values = new Dictionary<string, string?> { ["Smart:TokenStatusCacheSeconds"] = "-1" };
        var e = Assert.Throws<FhirServer.Hosting.ConfigurationException>(() => SmartSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
        Assert.That(e!.Message, Does.Contain("Smart:TokenStatusCacheSeconds is -1"));
    }

    [Test]
    public void An_unknown_access_token_algorithm_stops_the_server()
    {
        var values = new Dictionary<string, string?> { ["Smart:AccessTokenAlgorithm"] = "HS256" };
        var e = Assert.Throws<FhirServer.Hosting.ConfigurationException>(() => SmartSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build()));
        Assert.That(e!.Message, Does.Contain("Smart:AccessTokenAlgorithm is 'HS256'"));
    }
}
