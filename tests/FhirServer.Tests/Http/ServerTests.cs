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

    [OneTimeTearDown]
    public void StopServer()
    {
        Client.Dispose();
        Factory.Dispose();
    }
}
