using FhirServer.Hosting;
using FhirServer.Smart;
using FhirServer.Smart.ProSanteConnect;
using Microsoft.Extensions.Configuration;

namespace FhirServer.Tests.Smart;

/// <summary>
/// The rules of the PSC sign-in that need no provider: <c>Smart:ProSanteConnect</c> read with PSC's defaults (a
/// mistake names the setting), the identifiers an IdNatPS is looked up by, the return URLs accepted.
/// </summary>
public class ProSanteConnectRulesTests
{
    private static SmartSettings Read(Dictionary<string, string?> values) =>
        SmartSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());

    private static Dictionary<string, string?> Enabled(string key, string? value)
    {
        var values = new Dictionary<string, string?>
        {
            ["Smart:ProSanteConnect:Enabled"] = "true",
            ["Smart:ProSanteConnect:Issuer"] = "https://auth.bas.esw.esante.gouv.fr/auth/realms/esante-wallet",
            ["Smart:ProSanteConnect:ClientId"] = "fhir-server",
            ["Smart:ProSanteConnect:ClientSecret"] = "secret",
        };
        values["Smart:ProSanteConnect:" + key] = value;
        return values;
    }

    [Test]
    public void Psc_is_off_by_default_and_asks_for_its_scopes_and_eidas1_when_on()
    {
        Assert.That(Read(new()).ProSanteConnect.Enabled, Is.False);
        var psc = Read(Enabled("RedirectPath", "/auth/psc/callback")).ProSanteConnect;
        Assert.That(psc.Scopes, Is.EqualTo(new[] { "openid", "scope_all" }));
        Assert.That(psc.AcceptedAcr, Is.EqualTo(new[] { "eidas1" }));
        Assert.That(psc.RedirectPath, Is.EqualTo(ProSanteConnectSettings.DefaultRedirectPath));
    }

    [TestCase("Issuer", "http://psc.example/realms/x", "Smart:ProSanteConnect:Issuer 'http://psc.example/realms/x' is not an https URL")]
    [TestCase("Issuer", "not a url", "is not an https URL")]
    [TestCase("ClientId", "", "Smart:ProSanteConnect:ClientId is missing")]
    [TestCase("ClientSecret", null, "Smart:ProSanteConnect:ClientSecret is missing")]
    [TestCase("Scope", "scope_all", "lacks openid")]
    [TestCase("AcrValues", " ", "AcrValues is empty")]
    [TestCase("TimeoutSeconds", "0", "Smart:ProSanteConnect:TimeoutSeconds is 0: it must be a positive number")]
    [TestCase("RedirectPath", "https://elsewhere.example/cb", "is not a path of this server")]
    [TestCase("RedirectPath", "//elsewhere.example/cb", "is not a path of this server")]
    public void A_mistake_stops_the_server_naming_the_setting(string key, string? value, string expected) =>
        Assert.That(Assert.Throws<ConfigurationException>(() => Read(Enabled(key, value)))!.Message, Does.Contain(expected));

    [Test]
    public void Http_is_accepted_for_a_provider_on_a_loopback_address() =>
        Assert.That(Read(Enabled("Issuer", "http://127.0.0.1:4000")).ProSanteConnect.Issuer, Is.EqualTo("http://127.0.0.1:4000"));

    [TestCase("810001234565", new[] { "urn:oid:1.2.250.1.71.4.2.1|810001234565", "https://rpps.esante.gouv.fr|10001234565" })]
    [TestCase("810001234566", new[] { "urn:oid:1.2.250.1.71.4.2.1|810001234566" }, Description = "not an RPPS number: its Luhn key is wrong")]
    [TestCase("0751234567", new[] { "urn:oid:1.2.250.1.71.4.2.1|0751234567" }, Description = "ADELI-based: no rpps slice")]
    public void An_idnatps_is_looked_up_in_the_idNatPs_slice_and_in_the_rpps_slice_when_it_holds_an_RPPS_number(string idNatPs, string[] identifiers) =>
        Assert.That(PractitionerDirectory.Identifiers(idNatPs), Is.EqualTo(identifiers));

    [TestCase("/auth/authorize?response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&scope=launch%2Fpatient%20patient%2F*.rs%3Fcategory%3Dlaboratory&state=xyz&aud=https%3A%2F%2Ffhir.example%2F&code_challenge=abc&code_challenge_method=S256", true)]
    [TestCase("/", true)]
    [TestCase("https://elsewhere.example/", false)]
    [TestCase("//elsewhere.example/", false)]
    [TestCase("/\\elsewhere.example/", false)]
    [TestCase("auth/authorize", false)]
    [TestCase("/auth\r\nLocation: https://elsewhere.example", false)]
    public void Only_paths_of_this_server_are_return_urls(string url, bool local) =>
        Assert.That(SmartSession.IsLocal(url), Is.EqualTo(local));
}
