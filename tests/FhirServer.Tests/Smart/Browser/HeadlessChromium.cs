using Microsoft.Playwright;

namespace FhirServer.Tests.Smart.Browser;

/// <summary>
/// The system's Chromium (Debian's <c>chromium</c> package), headless, driven by Playwright: Playwright's driver ships
/// in the build output, and no browser is downloaded (<see cref="BrowserTypeLaunchOptions.ExecutablePath"/>).
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>An environment variable naming another Chromium (or Chrome) executable than <see cref="DefaultPath"/>.</summary>
    public const string PathVariable = "FHIR_TEST_CHROMIUM";

    public const string DefaultPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath;

    /// <summary>Launches it, or fails (never skips) saying how to install it.</summary>
    public static async Task<HeadlessChromium> LaunchAsync()
    {
        var path = ExecutablePath;
        if (!File.Exists(path))
            Assert.Fail($"The browser tests need Chromium at {path}: install it (`sudo apt-get install chromium` on Debian; " +
                $".ci/run does it), or set {PathVariable} to a Chromium or Chrome executable.");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = path,
                Headless = true,
                // --no-sandbox: Chromium's sandbox cannot start as root (CI containers); the pages are our own test pages.
                ChromiumSandbox = false,
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch (PlaywrightException e)
        {
            playwright.Dispose();
            Assert.Fail($"Chromium at {path} did not start: {e.Message}");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright.Dispose();
    }
}
