using System.Text.Json;

namespace FhirServer.Tests.Smart;

/// <summary>
/// With <c>Smart:StyleUrl</c> set (SMART App Launch "Styling"): discovery lists <c>context-style</c>, and token
/// responses carry <c>smart_style_url</c>.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class StyleUrlTests(string store) : SmartFlowTests(store)
{
    private const string Style = "https://portal.example/smart-style.json";

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:StyleUrl"] = Style;
        return settings;
    }

    [Test]
    public async Task The_style_url_is_announced_and_given_with_the_token()
    {
        var discovery = JsonDocument.Parse(await Client.GetStringAsync("/.well-known/smart-configuration")).RootElement;
        var capabilities = discovery.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.That(capabilities, Does.Contain("context-style").And.Contain("context-passthrough-style"));

        var (callback, verifier) = await Authorize("doctor", "user/Patient.rs");
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("smart_style_url").GetString(), Is.EqualTo(Style));
    }
}
