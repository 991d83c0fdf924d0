namespace FhirServer.Search;

public sealed partial class SqlSearch
{
    /// <summary>
    /// The ids of the live stored resources of <paramref name="type"/> among <paramref name="ids"/>: a stored resource
    /// hides the packaged conformance resource of the same id (<see cref="PackagedSearch"/>), as a read does.
    /// </summary>
    public async Task<HashSet<string>> StoredIdsAsync(string type, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        if (ids.Count == 0) return found;
        await using var connection = await store.Dialect.OpenAsync(ct);
        var sql = new Sql();
        await using var command = Command(connection, $"SELECT c.id FROM resource_current c WHERE c.type = {sql.Arg(type)} AND NOT c.deleted", sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var wanted = ids as ISet<string> ?? ids.ToHashSet(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
            if (reader.GetString(0) is var id && wanted.Contains(id)) found.Add(id);
        return found;
    }
}
