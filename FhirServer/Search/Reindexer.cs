using FhirServer.Conformance.Context;
using FhirServer.Storage;

namespace FhirServer.Search;

/// <summary>
/// Rebuilds the search index of every current resource: at start-up when the rows would change (the indexer's
/// fingerprint — search parameters, indexer version, configured bases — differs from the one the index was built
/// with), and on demand (<c>reindex</c> verb). Works in batches, each in its own transaction, so a large store is
/// reindexed without one giant transaction. With no request at hand, absolute references are local on the configured
/// bases only (<see cref="LocalBases"/>).
/// </summary>
public sealed class Reindexer(SqlResourceStore store, IResourceIndexer indexer, ConformanceContext conformance, LocalBases bases, ILogger<Reindexer> logger)
{
    private const int Batch = 500;

    public async Task<string?> IndexedFingerprintAsync(CancellationToken ct = default)
    {
        await using var connection = await store.Dialect.OpenAsync(ct);
        await using var command = SqlResourceStore.Command(connection, null, "SELECT value FROM search_state WHERE name = 'fingerprint'");
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Reindexes when the parameters changed (or always with <paramref name="force"/>); returns the number of resources reindexed.</summary>
    public async Task<int> RunAsync(bool force, CancellationToken ct = default)
    {
        var fingerprint = indexer.Fingerprint;
        var indexed = await IndexedFingerprintAsync(ct);
        if (!force && indexed == fingerprint) return 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var count = 0;
        var postgres = store.Dialect.PostgresWriteStatements;
        var (lastType, lastId) = ("", "");
        while (true)
        {
            var batch = new List<(string Type, string Id, long Seq, byte[] Body)>();
            await using (var connection = await store.Dialect.OpenAsync(ct))
            await using (var command = SqlResourceStore.Command(connection, null,
                             "SELECT c.type, c.id, c.seq, r.body FROM resource_current c JOIN resource r ON r.seq = c.seq " +
                             "WHERE NOT c.deleted AND (c.type > @t OR (c.type = @t AND c.id > @i)) ORDER BY c.type, c.id LIMIT " + Batch,
                             ("t", lastType), ("i", lastId)))
            await using (var reader = await command.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) batch.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<byte[]>(3)));
            if (batch.Count == 0) break;
            await using (var connection = await store.Dialect.OpenAsync(ct))
            await using (var tx = await store.Dialect.BeginWriteAsync(connection, ct))
            {
                foreach (var (type, id, seq, body) in batch)
                {
                    // A version written since the batch was read has indexed itself; leave it.
                    await using (var check = SqlResourceStore.Command(connection, tx, "SELECT seq FROM resource_current WHERE type = @t AND id = @i", ("t", type), ("i", id)))
                        if (Convert.ToInt64(await check.ExecuteScalarAsync(ct)) != seq) continue;
                    var resource = conformance.Json.Parse(body).Resource;
                    await SearchTables.DeleteAsync(connection, tx, postgres, type, id, ct);
                    if (resource is not null) await SearchTables.InsertAsync(connection, tx, postgres, type, id, indexer.Extract(resource, bases.Configured), ct);
                }
                await tx.CommitAsync(ct);
            }
            count += batch.Count;
            (lastType, lastId) = (batch[^1].Type, batch[^1].Id);
            logger.LogInformation("Reindexed {Count} resources", count);
        }
        await using (var connection = await store.Dialect.OpenAsync(ct))
        await using (var tx = await store.Dialect.BeginWriteAsync(connection, ct))
        {
            await using (var delete = SqlResourceStore.Command(connection, tx, "DELETE FROM search_state WHERE name = 'fingerprint'")) await delete.ExecuteNonQueryAsync(ct);
            await using (var insert = SqlResourceStore.Command(connection, tx, "INSERT INTO search_state (name, value) VALUES ('fingerprint', @v)", ("v", fingerprint)))
                await insert.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        logger.LogInformation("Search index rebuilt for {Count} resources in {Elapsed} ms (search parameters {Fingerprint})", count, started.ElapsedMilliseconds, fingerprint);
        return count;
    }
}
