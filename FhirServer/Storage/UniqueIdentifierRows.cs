using System.Data.Common;
using FhirServer.Conformance.Search;

namespace FhirServer.Storage;

/// <summary>
/// The table <c>unique_identifier</c>: one row per identifier a resource holds that must be unique within its type
/// (<see cref="UniqueIdentifierIndex"/>), written in the transaction that writes the version, replaced with each new
/// version and removed by a deletion. Its primary key (type, system, value) is what makes a second holder impossible
/// across server processes: on SQLite writers take turns for the whole file, on PostgreSQL a second insert of the key
/// waits for the first holder's transaction and then fails (a unique violation, retried as a version conflict, after
/// which the check below names the holder). The check before the insert finds the holder in the committed rows and in
/// the transaction's own (two Patients with one INS in a transaction Bundle), so that the refusal can name it.
/// The search rebuild (<c>reindex</c>) leaves this table alone: its rows depend on no search parameter.
/// </summary>
internal static class UniqueIdentifierRows
{
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS unique_identifier (type TEXT NOT NULL, id TEXT NOT NULL, system TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (type, system, value));
        CREATE INDEX IF NOT EXISTS unique_identifier_resource ON unique_identifier (type, id);
        """;

    private const string Holder = "SELECT id FROM unique_identifier WHERE type = @type AND system = @system AND value = @value AND id <> @id";
    private const string DeleteOf = "DELETE FROM unique_identifier WHERE type = @type AND id = @id";
    private const string InsertOne = "INSERT INTO unique_identifier (type, id, system, value) VALUES (@type, @id, @system, @value)";

    // PostgreSQL: the holders of many keys in one statement, and their rows from arrays.
    private const string HolderOfMany =
        "SELECT k.i, u.id FROM unnest(@type::text[], @id::text[], @system::text[], @value::text[]) WITH ORDINALITY AS k(type, id, system, value, i) " +
        "JOIN unique_identifier u ON u.type = k.type AND u.system = k.system AND u.value = k.value AND u.id <> k.id LIMIT 1";
    private const string InsertMany =
        "INSERT INTO unique_identifier (type, id, system, value) SELECT * FROM unnest(@type::text[], @id::text[], @system::text[], @value::text[])";

    private static readonly string[] TypeAndId = ["type", "id"];
    private static readonly string[] KeyNames = ["type", "id", "system", "value"];

    /// <summary>The unique identifiers among a write's index entries, each once, cut as the index tables cut values.</summary>
    public static List<(string System, string Value)> Of(IReadOnlyList<IndexEntry>? index)
    {
        var found = new List<(string, string)>();
        if (index is null) return found;
        foreach (var entry in index)
            if (entry.Value is UniqueIdentifierIndex u && (SearchTables.Indexed(u.System)!, SearchTables.Indexed(u.Value)!) is var key && !found.Contains(key))
                found.Add(key);
        return found;
    }

    /// <summary>SQLite's writer: replaces the rows of the version's resource, refusing a key another resource holds.</summary>
    public static void Write(SqliteStatements sqlite, StoredVersion version, IReadOnlyList<IndexEntry>? index)
    {
        if (version.Version > 1) sqlite.Execute(DeleteOf, TypeAndId, [version.Type, version.Id]);
        if (version.Deleted) return;
        foreach (var (system, value) in Of(index))
        {
            if (sqlite.ExecuteText(Holder, KeyNames, [version.Type, version.Id, system, value]) is { } holder)
                throw new DuplicateIdentifierException(version.Type, version.Id, system, value, holder);
            sqlite.Execute(InsertOne, KeyNames, [version.Type, version.Id, system, value]);
        }
    }

    /// <summary>
    /// PostgreSQL, before the write's batch: refuses keys that another resource holds (committed, or written earlier
    /// in this transaction) or that two of the new versions share.
    /// </summary>
    public static async Task CheckAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> writes,
        CancellationToken ct)
    {
        var keys = Keys(writes);
        if (keys.Count == 0) return;
        var first = new Dictionary<(string, string, string), string>();
        foreach (var (type, id, system, value) in keys)
            if (!first.TryAdd((type, system, value), id) && first[(type, system, value)] != id)
                throw new DuplicateIdentifierException(type, id, system, value, first[(type, system, value)]);
        await using var command = SqlResourceStore.Command(connection, tx, HolderOfMany, Arrays(keys));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            var (type, id, system, value) = keys[(int)reader.GetInt64(0) - 1];
            throw new DuplicateIdentifierException(type, id, system, value, reader.GetString(1));
        }
    }

    /// <summary>PostgreSQL: the statements that replace the rows of the written resources, added to the write's batch.</summary>
    public static void AddWrites(DbBatch batch, IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> writes)
    {
        foreach (var (version, _) in writes.Where(w => w.Version.Version > 1))
            batch.BatchCommands.Add(SearchTables.BatchCommand(batch, DeleteOf, [("type", version.Type), ("id", version.Id)]));
        var keys = Keys(writes);
        if (keys.Count == 0) return;
        batch.BatchCommands.Add(SearchTables.BatchCommand(batch, InsertMany, Arrays(keys).Select(a => (a.Name, (object?)a.Value))));
    }

    private static List<(string Type, string Id, string System, string Value)> Keys(IReadOnlyList<(StoredVersion Version, IReadOnlyList<IndexEntry>? Index)> writes) =>
        [.. writes.Where(w => !w.Version.Deleted).SelectMany(w => Of(w.Index).Select(k => (w.Version.Type, w.Version.Id, k.System, k.Value)))];

    private static (string Name, object Value)[] Arrays(List<(string Type, string Id, string System, string Value)> keys) =>
    [
        ("type", keys.Select(k => k.Type).ToArray()), ("id", keys.Select(k => k.Id).ToArray()),
        ("system", keys.Select(k => k.System).ToArray()), ("value", keys.Select(k => k.Value).ToArray()),
    ];
}
