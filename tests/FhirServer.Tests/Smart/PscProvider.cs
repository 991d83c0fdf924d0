using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Smart;

/// <summary>
/// The OpenID Connect provider standing in for Pro Santé Connect (<c>psc-provider/provider.js</c>: npm
/// <c>oidc-provider</c>) in a node process of its own on a free port of 127.0.0.1; its packages are installed with
/// <c>npm ci</c> on first use. Disposing stops it.
/// </summary>
internal sealed class PscProvider : IDisposable
{
    private readonly Process _process;
    private readonly string _settingsFile;
    private readonly StringBuilder _output = new();

    private PscProvider(Process process, string settingsFile)
    {
        _process = process;
        _settingsFile = settingsFile;
    }

    public static string Folder => Path.Combine(TestData.RepositoryRoot, "tests", "FhirServer.Tests", "Smart", "psc-provider");

    public string Issuer { get; private set; } = "";

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts the provider with these clients and accounts (provider.js says what they hold).</summary>
    public static async Task<PscProvider> StartAsync(object settings)
    {
        // The packages of package-lock.json, from the npm registry (.ci/run installs them before the tests too).
        await NpmPackages.EnsureInstalledAsync(Folder, "oidc-provider");
        var file = Path.Combine(Path.GetTempPath(), $"psc-provider-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(settings));
        var start = new ProcessStartInfo("node", [Path.Combine(Folder, "provider.js"), file])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Folder,
        };
        var provider = new PscProvider(Process.Start(start)!, file);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Line(string? line)
        {
            if (line is null) return;
            lock (provider._output) provider._output.AppendLine(line);
            if (line.StartsWith("listening ", StringComparison.Ordinal)) listening.TrySetResult(line["listening ".Length..].Trim());
        }
        provider._process.OutputDataReceived += (_, e) => Line(e.Data);
        provider._process.ErrorDataReceived += (_, e) => Line(e.Data);
        provider._process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the provider exited"));
        provider._process.EnableRaisingEvents = true;
        provider._process.BeginOutputReadLine();
        provider._process.BeginErrorReadLine();
        try
        {
            provider.Issuer = await listening.Task.WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            provider.Dispose();
            Assert.Fail($"The PSC test provider did not start ({e.Message}): {provider.Output}");
        }
        return provider;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        File.Delete(_settingsFile);
    }
}
