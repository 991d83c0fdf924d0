using FhirServer.Smart;

namespace FhirServer.Tests.Smart;

/// <summary>
/// Wrong passwords in a row lock the user name at the login form (Smart:LoginMaxFailures, here 3): the right password
/// is then refused too, the page says so in the browser's language, and it says the same of a name no user has.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class LoginLockoutTests(string store) : SmartFlowTests(store)
{
    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["Smart:LoginMaxFailures"] = "3";
        settings["Smart:LoginLockoutMinutes"] = "20";
        settings["Smart:Users:2:Username"] = "nurse";
        settings["Smart:Users:2:PasswordHash"] = SmartPasswords.Hash(Password("nurse"));
        settings["Smart:Users:2:FhirUser"] = "Practitioner/prac1";
        return settings;
    }

    private async Task<AppBrowser.Page> TryTimes(AppBrowser browser, string user, int wrong)
    {
        var (_, challenge) = AppBrowser.Pkce();
        var page = await browser.Open(AuthorizeUrl("user/Patient.rs", challenge));
        for (var i = 0; i < wrong; i++)
        {
            page = await SignIn(browser, page, user, "wrong-" + i);
            Assert.That(page.Document!.QuerySelector("[role=alert]")!.TextContent, Does.Contain("Wrong user name or password"), $"attempt {i + 1}");
        }
        return await SignIn(browser, page, user);
    }

    [Test]
    public async Task After_the_limit_the_right_password_is_refused_too_and_an_unknown_name_reads_the_same()
    {
        using var browser = NewBrowser();
        browser.AcceptLanguage = "en";
        Log.Warnings.Clear();
        var locked = await TryTimes(browser, "nurse", 3);
        Assert.That(locked.Document!.QuerySelector("[role=alert]")!.TextContent,
            Is.EqualTo("Too many failed attempts with this user name: try again in 20 minutes."));
        Assert.That(locked.Document.QuerySelector("button[name=decision]"), Is.Null, "not signed in");
        Assert.That(Log.Warnings, Has.Some.Contains("nurse").And.Contains("locked"));

        var unknown = await TryTimes(browser, "nobody-here", 3);
        Assert.That(unknown.Document!.QuerySelector("[role=alert]")!.TextContent, Is.EqualTo(locked.Document.QuerySelector("[role=alert]")!.TextContent));

        // Below the limit, the right password signs in and clears the count.
        using var other = NewBrowser();
        other.AcceptLanguage = "en";
        var consent = await TryTimes(other, "doctor", 2);
        Assert.That(consent.Document!.QuerySelector("button[name=decision]"), Is.Not.Null, consent.Text);
    }
}
