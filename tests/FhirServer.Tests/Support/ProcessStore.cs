namespace FhirServer.Tests.Support;

/// <summary>
/// A fresh store for servers in processes of their own (<see cref="ServerProcess"/>): a SQLite data folder, or a
/// database of the tests' PostgreSQL server, and the command-line arguments that point a server at it. Disposing
/// deletes the folder.
/// </summary>
internal sealed class ProcessStore(string kind, string purpose) : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"fhirserver-{purpose}-{Guid.NewGuid():N}");
    private readonly string? _connection = kind == "postgres" ? PostgresServer.NewDatabase() : null;

    public string[] Arguments => _connection is null ? ["--data", _dataDirectory] : ["--store", "postgres", "--connection", _connection];

    public void Dispose() => TempFolder.Delete(_dataDirectory);
}
