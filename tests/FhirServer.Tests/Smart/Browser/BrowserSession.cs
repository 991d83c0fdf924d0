namespace FhirServer.Tests.Smart.Browser;

/// <summary>
/// Once for the browser tests (both stores): the app's site and one Chromium; each test opens a context of its own
/// (its own cookies and storage) in it. A missing Chromium or fhirclient fails these tests, it does not skip them.
/// </summary>
[SetUpFixture]
public sealed class BrowserSession
{
    private static SmartAppSite? _site;
    private static HeadlessChromium? _chromium;

    internal static SmartAppSite Site => _site ?? throw new InvalidOperationException("The app's site has not started.");

    internal static HeadlessChromium Chromium => _chromium ?? throw new InvalidOperationException("Chromium has not started.");

    [OneTimeSetUp]
    public async Task Start()
    {
        _site = await SmartAppSite.StartAsync();
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_chromium is not null) await _chromium.DisposeAsync();
        if (_site is not null) await _site.DisposeAsync();
        _chromium = null;
        _site = null;
    }
}
