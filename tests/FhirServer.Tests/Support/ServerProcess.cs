using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using FhirServer.Conformance.Tests.Support;

namespace FhirServer.Tests.Support;

/// <summary>
/// The built server (<c>FhirServer.dll</c>) in a process of its own, behind Kestrel on a free port — for what the
/// in-memory test server cannot show (a kill, Kestrel's limits). Its output is collected line by line, so a test can
/// wait for a log line. Disposing kills it.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource<bool> Seen)> _waiters = [];

    private ServerProcess(Process process, string baseUrl)
    {
        Process = process;
        BaseUrl = baseUrl;
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string BaseUrl { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts the server with the test packages and <paramref name="arguments"/> (the store's), and waits until it is ready.</summary>
    public static async Task<ServerProcess> StartAsync(IEnumerable<string> arguments)
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "FhirServer.dll");
        var all = new List<string>
        {
            dll, "--urls", $"http://127.0.0.1:{port}",
            "--package-cache", TestData.CacheFolder, "--package-sources", TestData.PackagesFolder, "--registry", "",
        };
        all.AddRange(arguments);
        var start = new ProcessStartInfo("dotnet", all)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        var server = new ServerProcess(Process.Start(start)!, $"http://127.0.0.1:{port}");
        using var probe = new HttpClient();
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            if (server.Process.HasExited) Assert.Fail($"The server exited at start-up: {server.Output}");
            try
            {
                if ((await probe.GetAsync(server.BaseUrl + "/ready")).IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        await server.DisposeAsync();
        Assert.Fail($"The server did not become ready: {server.Output}");
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Line(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var (text, seen) in _waiters)
                if (line.Contains(text, StringComparison.Ordinal)) seen.TrySetResult(true);
        }
    }

    public async Task<bool> WaitForLine(string text, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal)) return true;
            _waiters.Add((text, seen));
        }
        return await Task.WhenAny(seen.Task, Task.Delay(timeout)) == seen.Task;
    }

    /// <summary>Kills the process (SIGKILL) and waits for it to end.</summary>
    public async Task KillAsync()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Process.Dispose();
    }
}
