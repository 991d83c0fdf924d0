using FhirServer.Conformance.Tests.Support;
using FhirServer.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirServer.Tests.Http;

/// <summary>
/// The server in-process, on the test package cache, offline, with a fresh store: a SQLite file in a temporary folder
/// (deleted on dispose) or a new database on the test PostgreSQL.
/// </summary>
public sealed class ServerFactory(string store = "sqlite", Dictionary<string, string>? settings = null, Action<IWebHostBuilder>? configure = null)
    : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "fhirserver-test-" + Guid.NewGuid().ToString("N"));

    public string Store => store;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("FhirPackages:Cache", TestData.CacheFolder);
        builder.UseSetting("FhirPackages:SourceList", TestData.PackagesFolder);
        builder.UseSetting("FhirPackages:Registry", "");
        builder.UseSetting("Server:Store", store);
        if (store == "postgres") builder.UseSetting("Server:Connection", PostgresServer.NewDatabase());
        else builder.UseSetting("Server:DataDirectory", _dataDirectory);
        foreach (var (key, value) in settings ?? []) builder.UseSetting(key, value);
        configure?.Invoke(builder);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        TempFolder.Delete(_dataDirectory);
    }
}
