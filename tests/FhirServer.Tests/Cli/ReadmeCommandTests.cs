using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FhirServer.Conformance.Tests.Support;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Cli;

/// <summary>
/// The commands of README.md and samples/README.md, run as written from the repository root with <c>dotnet run</c>:
/// the files they name are relative to the user's working directory (not to the project folder, where
/// <c>dotnet run</c> would otherwise start the program), and stdout carries only the verb's result.
/// </summary>
[NonParallelizable]
public partial class ReadmeCommandTests
{
    private static readonly string Root = TestData.RepositoryRoot;

    // Offline on the test packages, like every test; the commands themselves are untouched.
    private static readonly Dictionary<string, string?> Offline = new()
    {
        ["FhirPackages__Cache"] = TestData.CacheFolder,
        ["FhirPackages__SourceList"] = TestData.PackagesFolder,
        ["FhirPackages__Registry"] = "",
    };

    [GeneratedRegex(@"^    (dotnet run --project FhirServer -- .+)$", RegexOptions.Multiline)]
    private static partial Regex VerbCommand();

    private static IEnumerable<string> SampleCommands() =>
        VerbCommand().Matches(File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "samples", "README.md"))).Select(m => m.Groups[1].Value);

    [TestCaseSource(nameof(SampleCommands))]
    public async Task A_command_of_the_samples_readme_works_from_the_repository_root(string command)
    {
        var run = await ProcessRun.RunAsync("bash", ["-c", command], Root, Offline, TimeSpan.FromMinutes(5));
        Assert.That(run.Exit, Is.EqualTo(0), run.Out + run.Err);
        Assert.That(run.Err, Does.Not.Contain("does not exist"));
        Assert.That(run.Out, Does.Not.Contain("launch settings"), "stdout carries the result only");
        Assert.That(run.Out, Does.StartWith("wrote ").Or.StartWith("round-trip "));
    }

    [Test]
    public async Task The_readme_server_command_keeps_its_data_under_the_working_directory()
    {
        Assert.That(File.ReadAllText(Path.Combine(Root, "README.md")), Does.Contain("\n    dotnet run --project FhirServer\n"));
        var cwd = Directory.CreateTempSubdirectory("fhirserver-cwd-").FullName;
        try
        {
            // The README's command from another folder (so as not to leave data/ in the repository), on a free port.
            var port = FreePort();
            var start = new System.Diagnostics.ProcessStartInfo("dotnet", ["run", "--project", Path.Combine(Root, "FhirServer")])
            {
                WorkingDirectory = cwd,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var (name, value) in Offline) start.Environment[name] = value;
            start.Environment["Urls"] = $"http://127.0.0.1:{port}";
            using var server = System.Diagnostics.Process.Start(start)!;
            var output = new System.Text.StringBuilder();
            server.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            server.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient();
                var deadline = DateTime.UtcNow.AddMinutes(5);
                var ready = false;
                while (!ready && DateTime.UtcNow < deadline && !server.HasExited)
                {
                    try { ready = (await http.GetAsync($"http://127.0.0.1:{port}/ready")).IsSuccessStatusCode; }
                    catch (HttpRequestException) { await Task.Delay(250); }
                }
                Assert.That(ready, Is.True, () => { lock (output) return output.ToString(); });
                Assert.That(File.Exists(Path.Combine(cwd, "data", "fhir.db")), Is.True, "the SQLite file is ./data/fhir.db");
            }
            finally
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }
        finally
        {
            TempFolder.Delete(cwd);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
