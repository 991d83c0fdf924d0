using FhirServer.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FhirServer.Tests.Http;

/// <summary>
/// An end-to-end fixture: the server in-process on one store, started once for the fixture's tests, and a client on
/// it. A fixture that runs on both stores carries <c>[TestFixture("sqlite")]</c> and <c>[TestFixture("postgres")]</c>.
/// </summary>
public abstract class ServerTests(string store = "sqlite", Dictionary<string, string>? settings = null)
{
    protected ServerFactory Factory { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;

    /// <summary>"sqlite" or "postgres".</summary>
    protected string Store => store;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        Factory = new ServerFactory(store, settings);
        Client = Factory.CreateClient();
        await Seed();
    }

    /// <summary>Data the fixture's tests share, written once the server is up.</summary>
    protected virtual Task Seed() => Task.CompletedTask;

    /// <summary>A statement on the store itself: to put it in the state an earlier version left.</summary>
    protected async Task ExecuteSql(string sql)
    {
        await using var connection = await Factory.Services.GetRequiredService<SqlResourceStore>().Dialect.OpenAsync(default);
        await using var command = SqlResourceStore.Command(connection, null, sql);
        await command.ExecuteNonQueryAsync();
    }

    [OneTimeTearDown]
    public void StopServer()
    {
        Client.Dispose();
        Factory.Dispose();
    }
}
