using System.Net.Http.Headers;
using System.Text;

namespace FhirServer.Tests.Smart;

/// <summary>
/// Standalone launch with <c>launch/encounter</c> (SMART <c>context-standalone-encounter</c>): after the patient, a
/// plain HTML picker lists that patient's Encounters, the token response carries the one chosen; a patient without any
/// is said so on the consent page and the app gets no encounter.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class EncounterPickerTests(string store) : SmartFlowTests(store)
{
    private const string Scope = "launch/patient launch/encounter patient/Encounter.rs patient/Observation.rs";

    [OneTimeSetUp]
    public async Task SeedEncounters()
    {
        var token = await AccessToken(scope: "system/*.cruds");
        foreach (var (path, json) in new[]
        {
            ("Encounter/enc2", """{"resourceType":"Encounter","id":"enc2","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"type":[{"text":"Consultation de suivi"}],"subject":{"reference":"Patient/pat1"},"period":{"start":"2024-05-02T10:00:00Z"}}"""),
            ("Patient/pat3", """{"resourceType":"Patient","id":"pat3","name":[{"family":"Petit","given":["Chloé"]}]}"""),
            ("Encounter/enc3", """{"resourceType":"Encounter","id":"enc3","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},"subject":{"reference":"Patient/pat3"}}"""),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, "/" + path) { Content = new StringContent(json, Encoding.UTF8, "application/fhir+json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await Client.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.AnyOf(200, 201), await response.Content.ReadAsStringAsync());
        }
    }

    [Test]
    public async Task A_practitioner_picks_an_encounter_of_the_patient_and_the_token_carries_it()
    {
        using var browser = NewBrowser();
        var (verifier, challenge) = AppBrowser.Pkce();
        var picker = await SignIn(browser, await browser.Open(AuthorizeUrl(Scope, challenge)), "doctor");
        var encounters = await browser.Submit(picker, "patient", new() { ["patient"] = "pat1" });

        // A plain form: radio inputs named encounter, a submit button, no script; French without Accept-Language.
        Assert.That(encounters.Document!.Title, Is.EqualTo("Choisir une rencontre"), encounters.Text);
        var radios = encounters.Document.QuerySelectorAll("input[type=radio][name=encounter]").Select(r => r.GetAttribute("value")).ToList();
        Assert.That(radios, Is.EquivalentTo(new[] { "enc1", "enc2" }), "the encounters of pat1 only");
        Assert.That(encounters.Text, Does.Contain("Consultation de suivi — 2024-05-02T10:00:00Z (finished)").And.Contain("Alice Martin"));
        Assert.That(encounters.Document.QuerySelector("form[method=post] button[type=submit]"), Is.Not.Null);
        Assert.That(encounters.Document.QuerySelector("script"), Is.Null, "works without JavaScript");
        Assert.That(encounters.Document.QuerySelector("input[type=hidden][name=patient]")?.GetAttribute("value"), Is.EqualTo("pat1"));

        var consent = await browser.Submit(encounters, "encounter", new() { ["encounter"] = "enc2" });
        Assert.That(consent.Text, Does.Contain("Rencontre : Consultation de suivi"), consent.Text);
        var callback = await browser.Submit(consent, "decision", button: ("decision", "allow"));
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(token.GetProperty("encounter").GetString(), Is.EqualTo("enc2"));
        Assert.That(token.GetProperty("scope").GetString()!.Split(' '), Does.Contain("launch/encounter"));
        var claims = await UserClaims(token.GetProperty("access_token").GetString()!);
        Assert.That(claims!["encounter"], Is.EqualTo(new[] { "enc2" }));
    }

    [Test]
    public async Task An_encounter_of_another_patient_is_not_taken()
    {
        using var browser = NewBrowser();
        browser.AcceptLanguage = "en";
        var (_, challenge) = AppBrowser.Pkce();
        var picker = await SignIn(browser, await browser.Open(AuthorizeUrl(Scope, challenge)), "doctor");
        var encounters = await browser.Submit(picker, "patient", new() { ["patient"] = "pat1" });
        Assert.That(encounters.Document!.Title, Is.EqualTo("Choose an encounter"));

        // A forged post: a radio's value changed to an encounter of another patient, then to one that does not exist.
        encounters.Document.QuerySelector("input[name=encounter]")!.SetAttribute("value", "enc3");
        var refused = await browser.Submit(encounters, "encounter", new() { ["encounter"] = "enc3" });
        Assert.That(refused.Document?.QuerySelector("[role=alert]")?.TextContent, Is.EqualTo("Choose an encounter from the list."), refused.Text);
        Assert.That(refused.Document!.QuerySelectorAll("input[type=radio][name=encounter]").Select(r => r.GetAttribute("value")),
            Is.EquivalentTo(new[] { "enc1", "enc2" }));
        refused.Document.QuerySelector("input[name=encounter]")!.SetAttribute("value", "no-such-encounter");
        var unknown = await browser.Submit(refused, "encounter", new() { ["encounter"] = "no-such-encounter" });
        Assert.That(unknown.Document?.QuerySelector("[role=alert]"), Is.Not.Null, unknown.Text);
    }

    [Test]
    public async Task A_patient_without_encounters_is_said_so_and_the_app_gets_none()
    {
        using var browser = NewBrowser();
        browser.AcceptLanguage = "en";
        var (verifier, challenge) = AppBrowser.Pkce();
        var picker = await SignIn(browser, await browser.Open(AuthorizeUrl(Scope, challenge)), "doctor");
        var consent = await browser.Submit(picker, "patient", new() { ["patient"] = "pat2" });
        Assert.That(consent.Text, Does.Contain("No encounter is recorded for this patient"), consent.Text);
        Assert.That(consent.Document!.QuerySelector("button[name=decision][value=allow]"), Is.Not.Null);
        var callback = await browser.Submit(consent, "decision", button: ("decision", "allow"));
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat2"));
        Assert.That(token.TryGetProperty("encounter", out _), Is.False);
        Assert.That(token.GetProperty("scope").GetString()!.Split(' '), Does.Not.Contain("launch/encounter"));
    }

    [Test]
    public async Task A_patient_user_picks_among_their_own_encounters()
    {
        var (callback, verifier) = await AuthorizeWithEncounter("alice", "launch/encounter patient/Encounter.rs", "enc1");
        var token = await Json(await Exchange(callback.Query["code"], verifier));
        Assert.That(token.GetProperty("patient").GetString(), Is.EqualTo("pat1"));
        Assert.That(token.GetProperty("encounter").GetString(), Is.EqualTo("enc1"));
    }

    private async Task<(AppBrowser.Page Callback, string Verifier)> AuthorizeWithEncounter(string user, string scope, string encounter)
    {
        using var browser = NewBrowser();
        var (verifier, challenge) = AppBrowser.Pkce();
        var page = await SignIn(browser, await browser.Open(AuthorizeUrl(scope, challenge)), user);
        if (page.Document?.QuerySelector("input[name=patient][type=radio]") is not null) page = await browser.Submit(page, "patient");
        Assert.That(page.Document?.QuerySelector("input[name=encounter][type=radio]"), Is.Not.Null, "the encounter picker: " + page.Text);
        page = await browser.Submit(page, "encounter", new() { ["encounter"] = encounter });
        page = await browser.Submit(page, "decision", button: ("decision", "allow"));
        Assert.That(page.Callback, Is.Not.Null, page.Text);
        return (page, verifier);
    }
}
