namespace FhirServer.Storage;

/// <summary>A stored resource holding an identifier that <see cref="Holder"/>, of the same type, holds under <c>Server:UniqueIdentifiers</c>.</summary>
public sealed record DuplicateIdentifier(string Type, string Id, string System, string Value, string Holder)
{
    public override string ToString() =>
        $"{Type}/{Id} has the identifier {System}|{Value}, which {Type}/{Holder} holds (Server:UniqueIdentifiers)";
}

/// <summary>
/// Fills <c>unique_identifier</c> (<see cref="UniqueIdentifierRows"/>) from the resources stored before
/// <c>Server:UniqueIdentifiers</c> named their system (or before the table existed): a write only keys what it writes,
/// so without this a stored Patient's INS would not stop a second Patient from taking it. Runs at start-up when the
/// configured systems differ from those the table was last filled for (kept in <c>search_state</c>), after the search
/// index is up to date, and on each <c>reindex</c>.
/// <para>
/// The current resources' identifiers are read from the search index (the <c>identifier</c> token rows, which hold
/// each current version's identifiers, cut as the table cuts them), not from their bodies: one statement, in the
/// database. Where several resources of a type share a key, the one stored first (lowest version sequence) gets it;
/// the others are duplicates: reported (<see cref="DuplicatesAsync"/>, logged at start-up, listed by <c>reindex</c>),
/// not refused: start-up goes on, and their next write is refused with 409 until the identifier is corrected.
/// </para>
/// </summary>
public sealed class UniqueIdentifierBackfill(SqlResourceStore store, ServerSettings settings, ILogger<UniqueIdentifierBackfill> logger)
{
    private const string StateName = "unique_identifiers";

    /// <summary>How many duplicates the start-up log names one by one (the count is always given).</summary>
    public const int LoggedDuplicates = 20;

    private IReadOnlyList<string> Systems { get; } = [.. settings.UniqueIdentifiers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(s => SearchTables.Indexed(s)!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Fills the table when the configured systems changed since the last fill (always with <paramref name="force"/>);
    /// returns the keys added and the duplicates found (none when nothing ran).
    /// </summary>
    public async Task<(int Added, IReadOnlyList<DuplicateIdentifier> Duplicates)> RunAsync(bool force, CancellationToken ct = default)
    {
        var state = string.Join(',', Systems);
        await using var connection = await store.Dialect.OpenAsync(ct);
        if (!force)
        {
            await using var read = SqlResourceStore.Command(connection, null, $"SELECT value FROM search_state WHERE name = '{StateName}'");
            if (await read.ExecuteScalarAsync(ct) as string == state) return (0, []);
        }
        var added = 0;
        await using (var tx = await store.Dialect.BeginWriteAsync(connection, ct))
        {
            if (Systems.Count > 0)
            {
                // Per key, the resource stored first; DISTINCT since an identifier with a type has several token rows.
                // ON CONFLICT: a key already held (by a write, or by another server process filling at the same time).
                var (systems, args) = SystemArgs();
                var insert = "INSERT INTO unique_identifier (type, id, system, value) " +
                             $"SELECT DISTINCT t.type, t.id, t.system, t.code FROM {Current} WHERE {Keyed(systems)} " +
                             "AND c.seq = (SELECT min(c2.seq) FROM search_token t2 JOIN resource_current c2 ON c2.type = t2.type AND c2.id = t2.id " +
                             "WHERE t2.type = t.type AND t2.param = 'identifier' AND t2.system = t.system AND t2.code = t.code AND NOT c2.deleted) " +
                             "AND NOT EXISTS (SELECT 1 FROM unique_identifier u WHERE u.type = t.type AND u.system = t.system AND u.value = t.code) " +
                             "ON CONFLICT DO NOTHING";
                await using var command = SqlResourceStore.Command(connection, tx, insert, args);
                added = await command.ExecuteNonQueryAsync(ct);
            }
            await using (var delete = SqlResourceStore.Command(connection, tx, $"DELETE FROM search_state WHERE name = '{StateName}'"))
                await delete.ExecuteNonQueryAsync(ct);
            await using (var insert = SqlResourceStore.Command(connection, tx, $"INSERT INTO search_state (name, value) VALUES ('{StateName}', @v)", ("v", state)))
                await insert.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
        var duplicates = await DuplicatesAsync(ct);
        if (added > 0) logger.LogInformation("Unique identifiers: {Added} keys of stored resources added ({Systems})", added, state);
        if (duplicates.Count > 0)
        {
            logger.LogWarning("Unique identifiers: {Count} stored resources have an identifier another resource of their type holds; " +
                              "their next write will be refused until it is corrected. `reindex` lists them all.", duplicates.Count);
            foreach (var duplicate in duplicates.Take(LoggedDuplicates)) logger.LogWarning("Unique identifiers: {Duplicate}", duplicate);
        }
        return (added, duplicates);
    }

    /// <summary>
    /// The current resources holding an identifier of a configured system whose key another resource of their type
    /// holds, by type, system, value and id.
    /// </summary>
    public async Task<IReadOnlyList<DuplicateIdentifier>> DuplicatesAsync(CancellationToken ct = default)
    {
        if (Systems.Count == 0) return [];
        var (systems, args) = SystemArgs();
        var sql = $"SELECT DISTINCT t.type, t.id, t.system, t.code, u.id FROM {Current} " +
                  "JOIN unique_identifier u ON u.type = t.type AND u.system = t.system AND u.value = t.code AND u.id <> t.id " +
                  $"WHERE {Keyed(systems)} ORDER BY t.type, t.system, t.code, t.id";
        await using var connection = await store.Dialect.OpenAsync(ct);
        await using var command = SqlResourceStore.Command(connection, null, sql, args);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var found = new List<DuplicateIdentifier>();
        while (await reader.ReadAsync(ct))
            found.Add(new DuplicateIdentifier(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        return found;
    }

    private const string Current = "search_token t JOIN resource_current c ON c.type = t.type AND c.id = t.id";

    private static string Keyed(string systems) =>
        $"t.param = 'identifier' AND t.system IN ({systems}) AND t.code IS NOT NULL AND t.code <> '' AND NOT c.deleted";

    private (string List, (string, object)[] Args) SystemArgs() =>
        (string.Join(", ", Systems.Select((_, i) => "@s" + i)), [.. Systems.Select((s, i) => ("s" + i, (object)s))]);
}
