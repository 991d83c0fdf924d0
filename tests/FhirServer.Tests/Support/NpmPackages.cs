using System.ComponentModel;

namespace FhirServer.Tests.Support;

/// <summary>
/// The npm packages a test folder locks (its package.json and package-lock.json), installed with <c>npm ci</c> from the
/// npm registry on first use when <c>.ci/run</c> has not installed them already.
/// </summary>
internal static class NpmPackages
{
    private static readonly SemaphoreSlim Install = new(1, 1);

    /// <summary>Runs <c>npm ci</c> in <paramref name="folder"/> unless <c>node_modules/{package}</c> is there; fails the test when it cannot.</summary>
    public static async Task EnsureInstalledAsync(string folder, string package, params string[] options)
    {
        await Install.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(folder, "node_modules", package, "package.json"))) return;
            ProcessRun run;
            try
            {
                run = await ProcessRun.RunAsync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", .. options], folder,
                    timeout: TimeSpan.FromMinutes(5));
            }
            catch (Win32Exception e)
            {
                Assert.Fail($"npm is needed to install {package} in {folder} ({e.Message}): install node and npm " +
                    "(apt-get install nodejs npm), then run `npm ci` there.");
                return;
            }
            Assert.That(run.Exit, Is.EqualTo(0), $"npm ci in {folder}: {run.Out}{run.Err}");
        }
        finally
        {
            Install.Release();
        }
    }
}
