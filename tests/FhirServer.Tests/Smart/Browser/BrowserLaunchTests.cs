using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FhirServer.Tests.Smart.Browser;

/// <summary>
/// SMART App Launch end to end in a real browser: the fhirclient library (npm <c>fhirclient</c>), in headless Chromium,
/// in an app on a site of its own, launches against the server behind Kestrel (standalone, and EHR launch from a
/// launch context the portal made), signs in on the server's pages, then reads the patient in context and searches
/// its Observations. The app writes what it got into its page, which the test reads.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class BrowserLaunchTests(string store) : SmartFlowTests(store)
{
    private const string BrowserApp = "browser-app";
    private IBrowserContext _context = null!;

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:Clients:4:ClientId"] = BrowserApp;
        settings["Smart:Clients:4:Type"] = "public";
        settings["Smart:Clients:4:DisplayName"] = "Appli dans le navigateur";
        settings["Smart:Clients:4:RedirectUris:0"] = BrowserSession.Site.RedirectPage.AbsoluteUri;
        settings["Smart:Clients:4:LaunchUrl"] = BrowserSession.Site.LaunchPage.AbsoluteUri;
        settings["Smart:Clients:4:Scopes:0"] = "patient/*.rs";
        return settings;
    }

    // A browser reaches the server over the network: Kestrel on a free port of 127.0.0.1, which is then the issuer.
    protected override HttpClient Start(WebApplicationFactory<Program> factory)
    {
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = new Uri(address) });
    }

    private string FhirBase => Client.BaseAddress!.AbsoluteUri.TrimEnd('/');

    [SetUp]
    public async Task OpenContext() => _context = await BrowserSession.Chromium.Browser.NewContextAsync(new() { Locale = "en-US" });

    [TearDown]
    public async Task CloseContext() => await _context.CloseAsync();

    [Test]
    public async Task A_standalone_launch_reads_the_picked_patient_and_its_observations()
    {
        var page = await _context.NewPageAsync();
        await page.GotoAsync(StandaloneLaunch());
        await SignIn(page, "doctor");
        await PickPatient(page, "pat1");
        await page.ClickAsync("button[name=decision][value=allow]");

        await AppDone(page, "done");
        Assert.That(await Shown(page, "context-patient"), Is.EqualTo("pat1"));
        Assert.That(await Shown(page, "context-encounter"), Is.Empty);
        // fhirclient gives the last two segments of the id_token's fhirUser (an absolute URL).
        Assert.That(await Shown(page, "fhir-user"), Is.EqualTo("Practitioner/prac1"), "the id_token's fhirUser");
        Assert.That(await Shown(page, "patient"), Is.EqualTo("Patient/pat1|Alice|Martin|1980-02-03"));
        Assert.That(await Shown(page, "observations"), Is.EqualTo("Observation/obs1"));
    }

    [Test]
    public async Task An_ehr_launch_from_the_portal_reads_the_patient_in_context_and_its_observations()
    {
        var created = await Json(await CreateLaunch(await PortalToken(), $$"""
            {"patient":"pat2","encounter":"enc1","client_id":"{{BrowserApp}}"}
            """), HttpStatusCode.Created);
        var launchUrl = created.GetProperty("launch_url").GetString()!;
        Assert.That(launchUrl, Does.StartWith(BrowserSession.Site.LaunchPage.AbsoluteUri + "?iss=" + Uri.EscapeDataString(FhirBase) + "&launch="));

        var page = await _context.NewPageAsync();
        await page.GotoAsync(launchUrl);
        await SignIn(page, "doctor");
        // No patient picker: the launch names the patient.
        await page.ClickAsync("button[name=decision][value=allow]");

        await AppDone(page, "done");
        Assert.That(await Shown(page, "context-patient"), Is.EqualTo("pat2"));
        Assert.That(await Shown(page, "context-encounter"), Is.EqualTo("enc1"));
        Assert.That(await Shown(page, "patient"), Is.EqualTo("Patient/pat2|Bob|Durand|"));
        Assert.That(await Shown(page, "observations"), Is.EqualTo("Observation/obs2"));
    }

    [Test]
    public async Task Denied_at_consent_the_app_gets_access_denied_and_no_data()
    {
        var page = await _context.NewPageAsync();
        await page.GotoAsync(StandaloneLaunch());
        await SignIn(page, "alice");
        // A patient user: the picker offers their own Patient only.
        await page.WaitForSelectorAsync("input[type=radio][name=patient]");
        Assert.That(await page.Locator("input[type=radio][name=patient]").CountAsync(), Is.EqualTo(1));
        await PickPatient(page, "pat1");
        await page.ClickAsync("button[name=decision][value=deny]");

        await AppDone(page, "error");
        Assert.That(await Shown(page, "error"), Does.StartWith("access_denied"));
        Assert.That(await Shown(page, "patient"), Is.Empty);
        Assert.That(await Shown(page, "observations"), Is.Empty);
    }

    private string StandaloneLaunch() => BrowserSession.Site.LaunchPage.AbsoluteUri + "?server=" + Uri.EscapeDataString(FhirBase);

    private static async Task SignIn(IPage page, string user)
    {
        // The app may stop before it sends the browser to the server (discovery failed): say why rather than time out.
        await page.WaitForSelectorAsync("input[name=username], body[data-state=error]");
        if (await page.QuerySelectorAsync("body[data-state=error]") is not null)
            Assert.Fail($"The app stopped at {page.Url}: {await Shown(page, "error")}");
        await page.FillAsync("input[name=username]", user);
        await page.FillAsync("input[name=password][type=password]", Password(user));
        await page.ClickAsync("form:has(input[name=username]) button[type=submit]");
    }

    private static async Task PickPatient(IPage page, string id)
    {
        await page.CheckAsync($"input[type=radio][name=patient][value={id}]");
        await page.ClickAsync("form:has(input[name=patient]) button[type=submit]");
    }

    /// <summary>Waits until the app's page says it is done (or failed), on its redirect_uri.</summary>
    private static async Task AppDone(IPage page, string state)
    {
        await page.WaitForSelectorAsync("body[data-state]");
        Assert.That(new Uri(page.Url).GetLeftPart(UriPartial.Path), Is.EqualTo(BrowserSession.Site.RedirectPage.AbsoluteUri), page.Url);
        Assert.That(await page.GetAttributeAsync("body", "data-state"), Is.EqualTo(state), await Shown(page, "error"));
    }

    private static async Task<string> Shown(IPage page, string id) => (await page.TextContentAsync("#" + id))?.Trim() ?? "";
}
