using System.Data.Common;
using FhirServer.Storage;
using FhirServer.Tests.Support;

namespace FhirServer.Tests.Storage;

/// <summary>
/// A search whose client goes away stops in the database (SqlDialect.CancelOnAbort, used by SqlSearch): the running
/// statement ends as cancelled and its connection is free for the next one.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class CancelOnAbortTests(string kind)
{
    private string _folder = null!;

    [SetUp]
    public void Create() => _folder = Path.Combine(Path.GetTempPath(), "fhirserver-cancel-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void Delete()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TempFolder.Delete(_folder);
    }

    [Test]
    public async Task A_statement_that_would_never_end_stops_when_its_token_is_cancelled()
    {
        await using SqlDialect dialect = kind == "postgres" ? new PostgresDialect(PostgresServer.NewDatabase()) : new SqliteDialect(Path.Combine(_folder, "fhir.db"));
        // Closed at the end only: closing a connection whose statement never stopped would wait for it.
        var connection = await dialect.OpenAsync(CancellationToken.None);
        using var aborted = new CancellationTokenSource();
        var endless = kind == "postgres"
            ? "SELECT pg_sleep(3600)"
            : "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n";
        var running = Task.Run(async () =>
        {
            using var interrupt = dialect.CancelOnAbort(connection, aborted.Token);
            await using var command = connection.CreateCommand();
            command.CommandText = endless;
            return await command.ExecuteScalarAsync(aborted.Token);
        });
        await Task.Delay(200);
        Assert.That(running.IsCompleted, Is.False, "the statement runs until cancelled");
        await aborted.CancelAsync();

        // Not a timing: a statement that is not stopped never ends, and the test would hang without this bound.
        var finished = await Task.WhenAny(running, Task.Delay(TimeSpan.FromMinutes(1)));
        Assert.That(finished, Is.SameAs(running), "the statement stopped");
        Assert.That(running.IsFaulted || running.IsCanceled, Is.True, "the statement ended as cancelled, not with a result");
        var error = running.Exception?.InnerException;
        Assert.That(running.IsCanceled || error is OperationCanceledException or DbException, Is.True, error?.ToString());

        await using var next = connection.CreateCommand();
        next.CommandText = "SELECT 1";
        Assert.That(Convert.ToInt32(await next.ExecuteScalarAsync()), Is.EqualTo(1), "the connection is free again");
        await connection.DisposeAsync();
    }
}
