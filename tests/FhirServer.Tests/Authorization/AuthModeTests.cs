using FhirServer.Authorization;
using FhirServer.Hosting;
using Microsoft.Extensions.Configuration;

namespace FhirServer.Tests.Authorization;

/// <summary>Auth:Mode and --auth: the default follows the listening addresses; off where others can reach needs --auth off.</summary>
public class AuthModeTests
{
    private static AuthSettings Read(string? urls, string? mode, params string[] args)
    {
        var values = new Dictionary<string, string?> { ["Urls"] = urls, ["Auth:Mode"] = mode };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).AddCommandLine(args, ServerSwitches.Mappings()).Build();
        return AuthSettings.Read(configuration, args);
    }

    [TestCase(null)]
    [TestCase("http://localhost:8080")]
    [TestCase("http://127.0.0.1:8080;http://[::1]:8080")]
    public void Without_a_mode_it_is_off_on_loopback_addresses(string? urls) => Assert.That(Read(urls, null).Smart, Is.False);

    [TestCase("http://0.0.0.0:8080")]
    [TestCase("http://*:8080")]
    [TestCase("http://localhost:8080;http://192.168.1.10:8080")]
    public void Without_a_mode_it_is_smart_on_addresses_others_reach(string urls) => Assert.That(Read(urls, null).Smart, Is.True);

    [Test]
    public void Off_on_an_address_others_reach_is_refused_unless_given_on_the_command_line()
    {
        var refused = Assert.Throws<ConfigurationException>(() => Read("http://0.0.0.0:8080", "off"));
        Assert.That(refused!.Message, Does.Contain("--auth off"));
        Assert.That(Read("http://0.0.0.0:8080", null, "--auth", "off").Smart, Is.False);
        Assert.That(Read("http://localhost:8080", "off").Smart, Is.False);
    }

    [Test]
    public void An_unknown_mode_is_a_configuration_error() =>
        Assert.That(Assert.Throws<ConfigurationException>(() => Read(null, "none"))!.Message, Does.Contain("--auth (Auth:Mode)"));

    [TestCase("patient/Observation.rs", "patient/Observation.rs")]
    [TestCase("patient/*.read", "patient/*.rs")]
    [TestCase("user/Observation.write", "user/Observation.cud")]
    [TestCase("system/*.*", "system/*.cruds")]
    [TestCase("user/*.cruds", "user/*.cruds")]
    [TestCase("patient/Observation.rs?category=laboratory", "patient/Observation.rs?category=laboratory")]
    [TestCase("patient/Observation.sr", null)]
    [TestCase("patient/Observation.rr", null)]
    [TestCase("patient/observation.rs", null)]
    [TestCase("launch/patient", null)]
    [TestCase("openid", null)]
    [TestCase("patient/Observation.read?code=x", null)]
    [TestCase("other/Observation.rs", null)]
    public void Scopes_v1_and_v2_are_read_and_malformed_ones_grant_nothing(string text, string? read) =>
        Assert.That(SmartScope.Parse(text)?.ToString(), Is.EqualTo(read));
}
