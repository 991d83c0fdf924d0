using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FhirServer.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL for the tests: initdb + pg_ctl on 127.0.0.1 and a free port, trust authentication, in a
/// temporary folder; stopped when the test run ends (<see cref="TestRunCleanup"/>). As root it runs as the
/// <c>postgres</c> user (PostgreSQL refuses root). <c>FHIR_TEST_POSTGRES</c> (a connection string) uses an existing
/// server instead. Missing PostgreSQL binaries fail the tests that need them: they are never skipped.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<string> Admin = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? _dataDirectory;
    private static string? _binaries;
    private static int _databases;

    /// <summary>A connection string to a new, empty database on the shared test server.</summary>
    public static string NewDatabase()
    {
        var admin = Admin.Value;
        var name = $"fhir_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        using (var connection = new NpgsqlConnection(admin))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}";
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("FHIR_TEST_POSTGRES") is { Length: > 0 } existing) return existing;
        _binaries = FindBinaries() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH). Install it (apt-get install -y postgresql) " +
            "or set FHIR_TEST_POSTGRES to a connection string; .ci/run installs it.");
        var port = FreePort();
        _dataDirectory = Path.Combine(Path.GetTempPath(), $"fhirserver-pg-{Environment.ProcessId}-{port}");
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
        Directory.CreateDirectory(_dataDirectory);
        var root = Environment.UserName == "root";
        if (root) Run("chown", $"postgres:postgres {_dataDirectory}", asPostgres: false);
        Run(Path.Combine(_binaries, "initdb"), $"-D {_dataDirectory} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync", root);
        Run(Path.Combine(_binaries, "pg_ctl"),
            $"-D {_dataDirectory} -o \"-p {port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" -l {_dataDirectory}/server.log -w start", root);
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
    }

    /// <summary>Stops the server this run started (called once, at the end of the run).</summary>
    public static void Stop()
    {
        if (!Admin.IsValueCreated || _dataDirectory is null || _binaries is null) return;
        try
        {
            NpgsqlConnection.ClearAllPools();
            Run(Path.Combine(_binaries, "pg_ctl"), $"-D {_dataDirectory} -m immediate stop", Environment.UserName == "root");
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception e)
        {
            TestContext.Progress.WriteLine($"Stopping the test PostgreSQL: {e.Message}");
        }
    }

    private static string? FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            : Enumerable.Empty<string>();
        foreach (var dir in versions)
            if (File.Exists(Path.Combine(dir, "bin", "initdb"))) return Path.Combine(dir, "bin");
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"))) return dir;
        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string file, string arguments, bool asPostgres)
    {
        var start = asPostgres
            ? new ProcessStartInfo("su", ["postgres", "-s", "/bin/sh", "-c", $"{file} {arguments}"])
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) throw new TimeoutException($"{file} did not finish");
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
    }
}
