using FhirServer.Conformance.Search;
using FhirServer.Storage;

namespace FhirServer.Tests.Storage;

/// <summary>The versions a write session reports to the commit observers: those of its parts that were undone are not among them.</summary>
public class RecordingSessionTests
{
    private static StoredVersion Version(string id) => new("CodeSystem", id, 1, DateTimeOffset.UnixEpoch, VersionMethod.Create, [(byte)'{', (byte)'}']);

    [Test]
    public async Task A_part_that_failed_is_forgotten_and_one_that_succeeded_is_kept()
    {
        await using var session = new RecordingSession(new Inner());
        await session.InsertAsync(Version("a"));
        Assert.ThrowsAsync<InvalidOperationException>(() => session.InPartAsync(async () =>
        {
            await session.InsertAsync(Version("undone"));
            throw new InvalidOperationException("the entry failed");
        }));
        await session.InPartAsync(() => session.InsertNewAsync([(Version("b"), null)]));
        Assert.That(session.Written.Select(v => v.Id), Is.EqualTo(new[] { "a", "b" }));
    }

    /// <summary>A session that stores nothing and runs parts as they come (a savepoint's undo is the store's business).</summary>
    private sealed class Inner : IStoreSession
    {
        public Task<StoredVersion?> ReadCurrentAsync(string type, string id, CancellationToken ct = default) => Task.FromResult<StoredVersion?>(null);
        public Task LockResourcesAsync(IReadOnlyCollection<(string Type, string Id)> resources, CancellationToken ct = default) => Task.CompletedTask;
        public Task<StoredVersion?> ReadVersionAsync(string type, string id, int version, CancellationToken ct = default) => Task.FromResult<StoredVersion?>(null);
        public Task<IReadOnlyList<StoredVersion>> ReferencingAsync(string type, string param, string targetType, string targetId, CancellationToken ct = default) =>
            Task.FromResult<IReadOnlyList<StoredVersion>>([]);
        public Task InsertAsync(StoredVersion version, IReadOnlyList<IndexEntry>? index = null, CancellationToken ct = default) => Task.CompletedTask;
        public Task InsertNewAsync(IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> creates, CancellationToken ct = default) => Task.CompletedTask;
        public Task InPartAsync(Func<Task> work, CancellationToken ct = default) => work();
        public Task CommitAsync(CancellationToken ct = default) => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
