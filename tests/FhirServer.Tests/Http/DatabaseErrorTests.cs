using System.Net;
using System.Text.Json;
using FhirServer.Storage;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FhirServer.Tests.Http;

/// <summary>
/// A failure of the database is answered with a message that names its cause (Http.DatabaseErrors): a deadlock, a
/// conflict, a lock or a timeout is 503 with Retry-After (the same request may pass when sent again); a full disk is
/// 503 without it; any other database error is this server's fault, a 500. The store is wrapped so that a read fails
/// with the exception under test, as the database would throw it.
/// </summary>
[TestFixture("sqlite")]
[TestFixture("postgres")]
public class DatabaseErrorTests(string store)
{
    private ServerFactory _factory = null!;
    private HttpClient _client = null!;
    private readonly FailingStore.Failure _failure = new();

    [OneTimeSetUp]
    public void Start()
    {
        _factory = new ServerFactory(store);
        var failing = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddSingleton<IResourceStore>(sp => new FailingStore(sp.GetRequiredService<SqlResourceStore>(), _failure))));
        _client = failing.CreateClient();
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private static IEnumerable<TestCaseData> Failures()
    {
        yield return new TestCaseData(new PostgresException("deadlock detected", "ERROR", "ERROR", "40P01"), 503, "1", "deadlock").SetName("Deadlock");
        yield return new TestCaseData(new PostgresException("could not serialize access", "ERROR", "ERROR", "40001"), 503, "1", "serialization failure").SetName("Serialization failure");
        yield return new TestCaseData(new PostgresException("could not obtain lock", "ERROR", "ERROR", "55P03"), 503, "1", "lock this request needs").SetName("Lock not available");
        yield return new TestCaseData(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), 503, "5", "restarting").SetName("Database restarting");
        yield return new TestCaseData(new SqliteException("database is locked", 5), 503, "1", "locked by another writer").SetName("SQLite busy");
        yield return new TestCaseData(new NpgsqlException("Exception while reading from stream", new TimeoutException()), 503, "1", "did not answer in time").SetName("Timeout");
        yield return new TestCaseData(new PostgresException("could not extend file", "ERROR", "ERROR", "53100"), 503, null, "disk is full").SetName("Disk full");
        yield return new TestCaseData(new SqliteException("database or disk is full", 13), 503, null, "disk is full").SetName("SQLite disk full");
        yield return new TestCaseData(new PostgresException("syntax error", "ERROR", "ERROR", "42601"), 500, null, "Internal error").SetName("Other database error");
    }

    [TestCaseSource(nameof(Failures))]
    public async Task A_database_failure_is_answered_with_its_cause(Exception failure, int status, string? retryAfter, string message)
    {
        _failure.Next = failure;
        var response = await _client.GetAsync("/Patient/any");
        var body = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), body);
        Assert.That(response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null, Is.EqualTo(retryAfter));
        using var outcome = JsonDocument.Parse(body);
        var text = outcome.RootElement.GetProperty("issue")[0].GetProperty("diagnostics").GetString();
        Assert.That(text, Does.Contain(message));
        if (message != "did not answer in time") Assert.That(text, Does.Not.Contain("did not answer in time"), "each cause has its own message");
    }

    /// <summary>The server's store, but for reads, which throw <see cref="Failure.Next"/>.</summary>
    private sealed class FailingStore(SqlResourceStore inner, FailingStore.Failure failure) : IResourceStore
    {
        public sealed class Failure
        {
            public Exception? Next { get; set; }
        }

        public string Kind => inner.Kind;
        public bool SharesCommits => inner.SharesCommits;
        public Task InitializeAsync(CancellationToken ct = default) => inner.InitializeAsync(ct);
        public Task<IStoreSession> BeginAsync(bool write, CancellationToken ct = default) => inner.BeginAsync(write, ct);

        public Task<StoredVersion?> ReadAsync(string type, string id, CancellationToken ct = default) =>
            failure.Next is { } e ? Task.FromException<StoredVersion?>(e) : inner.ReadAsync(type, id, ct);

        public Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) => inner.ReadVersionAsync(type, id, version, ct);
        public Task<StoredVersion?> ReadStoredAsync(string type, string id, int? version, CancellationToken ct = default) =>
            failure.Next is { } e ? Task.FromException<StoredVersion?>(e) : inner.ReadStoredAsync(type, id, version, ct);
        public Task CopyContentAsync(long sequence, Stream destination, CancellationToken ct = default) => inner.CopyContentAsync(sequence, destination, ct);
        public Task<IReadOnlyList<StoredVersion>> HistoryAsync(HistoryQuery query, CancellationToken ct = default) => inner.HistoryAsync(query, ct);
        public ValueTask<IAsyncDisposable> LockAsync(IReadOnlyCollection<string> names, CancellationToken ct = default) => inner.LockAsync(names, ct);
        public Task<bool> PingAsync(CancellationToken ct = default) => inner.PingAsync(ct);
        public IAsyncEnumerable<StoredVersion> CurrentOfTypesAsync(IReadOnlyCollection<string> types, CancellationToken ct = default) => inner.CurrentOfTypesAsync(types, ct);

        // The server's SqlResourceStore is disposed by the container that made it.
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
