using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;

namespace FhirServer.Cli;

/// <summary>
/// <c>bench search copies &lt;fhir.db&gt; --copies K</c>: multiplies a SQLite store that the server's write path filled
/// (the <c>load</c> verb) into K copies, in SQL, so that a benchmark reaches a national size where loading every
/// resource through the write path would take hours on a shared machine. Copy k of a resource is the same resource
/// with its id prefixed <c>c{k}.</c>, the ids it refers to prefixed alike, and its identifier values suffixed
/// <c>-{k}</c> (in the body, the token and sort rows and the unique identifiers): distinct identities, as the
/// write path would index them. Every table keyed by (type, id) is copied row for row with those changes, so the rows
/// are the write path's rows for the copied resources (each body's index rows are what the indexer made of the
/// original, with the same renaming). Used by benchmarks/directory/scale.sh and benchmarks/documents/scale.sh.
/// </summary>
internal static class StoreCopiesCommand
{
    /// <summary>Tables copied row for row: all with a (type, id) of a resource.</summary>
    private static readonly string[] IndexTables =
    [
        "resource_current", "search_string", "search_token", "search_reference", "search_date", "search_number",
        "search_quantity", "search_uri", "search_composite", "search_sort", "unique_identifier",
    ];

    public static Command Create()
    {
        var file = new Argument<FileInfo>("store") { Description = "The SQLite store (fhir.db of the server's --data folder); no server may run on it" };
        var copies = new Option<int>("--copies") { Description = "Copies in all, the original included (1: nothing to do)", DefaultValueFactory = _ => 10 };
        var types = new Option<string?>("--types") { Description = "Copy only the resources of these types, comma-separated (default: all)" };
        var command = new Command("copies", "Multiply a loaded SQLite store into K copies (fresh ids and identifier values), rows as the write path makes them")
        {
            file, copies, types,
        };
        command.SetAction((result, _) =>
        {
            var path = result.GetValue(file)!;
            if (!path.Exists)
            {
                Console.Error.WriteLine($"bench search copies: {path.FullName} does not exist");
                return Task.FromResult(2);
            }
            var only = result.GetValue(types)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (only?.Any(t => !t.All(char.IsAsciiLetter)) == true)
            {
                Console.Error.WriteLine("bench search copies: --types takes resource type names");
                return Task.FromResult(2);
            }
            return Task.FromResult(Run(path.FullName, Math.Max(1, result.GetValue(copies)), only));
        });
        return command;
    }

    private static int Run(string path, int copies, string[]? types)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Exec(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA temp_store = MEMORY;");
        var done = Scalar(connection, "SELECT count(*) FROM resource WHERE id GLOB 'c[0-9]*.*'");
        if (done > 0)
        {
            Console.Error.WriteLine($"bench search copies: {path} already holds {done:N0} copied versions; start again from a fresh load");
            return 2;
        }
        var filter = types is null ? "" : $" WHERE type IN ({string.Join(", ", types.Select(t => $"'{t}'"))})";
        var originals = Scalar(connection, "SELECT count(*) FROM resource_current" + filter);
        var before = Scalar(connection, "SELECT count(*) FROM resource_current");
        var stride = Scalar(connection, "SELECT coalesce(max(seq), 0) FROM resource") + 1;
        Console.WriteLine($"{path}: {before:N0} resources, {copies - 1} copies to add of {originals:N0}{(types is null ? "" : " (" + string.Join(", ", types) + ")")}");
        // The originals' rows, kept aside: each copy reads these, not the growing tables.
        foreach (var table in IndexTables.Append("resource"))
            Exec(connection, $"DROP TABLE IF EXISTS temp.o_{table}; CREATE TEMP TABLE o_{table} AS SELECT * FROM main.{table}{filter}");
        var identifiers = new Dictionary<(string, string), List<string>>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT type, id, code FROM temp.o_search_token WHERE param = 'identifier' AND code IS NOT NULL";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                var key = (reader.GetString(0), reader.GetString(1));
                (identifiers.TryGetValue(key, out var list) ? list : identifiers[key] = []).Add(reader.GetString(2));
            }
        }
        var prefixes = IdPrefixes(connection);
        var clock = Stopwatch.StartNew();
        // The secondary indexes of the copied tables go while the copies are written, and are built again once at the
        // end, each by one sort: the copies' rows then append to their tables, where each copy otherwise inserted into
        // every index B-tree of the growing store, all over it (the values are spread, not grouped by copy), and a copy
        // went from 14 s to 2-3 min as the store grew. Primary keys and UNIQUE constraints (no SQL of their own) stay.
        var indexes = SecondaryIndexes(connection);
        foreach (var (name, _) in indexes) Exec(connection, $"DROP INDEX main.{name}");
        Console.Error.WriteLine($"{indexes.Count} secondary indexes dropped while copying");
        for (var k = 2; k <= copies; k++)
        {
            using var tx = connection.BeginTransaction();
            var p = $"c{k}.";
            foreach (var table in IndexTables)
            {
                var columns = Columns(connection, table);
                var select = columns.Select(c => (table, c) switch
                {
                    (_, "id") => $"'{p}' || id",
                    (_, "target_id") => $"CASE WHEN target_id GLOB '[a-z]*-[0-9]*-[0-9]*' THEN '{p}' || target_id ELSE target_id END",
                    (_, "seq") => $"seq + {stride * (k - 1)}",
                    ("search_token", "code") => $"CASE WHEN param = 'identifier' AND code IS NOT NULL THEN code || '-{k}' ELSE code END",
                    // A reference's sort value is the target's id.
                    ("search_sort", "low" or "high") => $"CASE WHEN param = 'identifier' THEN {c} || '-{k}' " +
                        $"WHEN {(prefixes.Count == 0 ? "0" : string.Join(" OR ", prefixes.Select(x => $"{c} GLOB '{x}*'")))} THEN '{p}' || {c} ELSE {c} END",
                    ("unique_identifier", "value") => $"value || '-{k}'",
                    _ => c,
                });
                Exec(connection, $"INSERT INTO main.{table} ({string.Join(", ", columns)}) SELECT {string.Join(", ", select)} FROM temp.o_{table}", tx);
            }
            using (var insert = connection.CreateCommand())
            using (var read = connection.CreateCommand())
            {
                insert.Transaction = tx;
                read.Transaction = tx;
                insert.CommandText = "INSERT INTO main.resource (seq, type, id, version, last_updated, method, body, content) VALUES ($seq, $type, $id, $version, $updated, $method, $body, $content)";
                var parameters = new[] { "$seq", "$type", "$id", "$version", "$updated", "$method", "$body", "$content" }.Select(n => insert.Parameters.Add(n, SqliteType.Blob)).ToArray();
                parameters[0].SqliteType = parameters[3].SqliteType = parameters[4].SqliteType = parameters[5].SqliteType = parameters[7].SqliteType = SqliteType.Integer;
                parameters[1].SqliteType = parameters[2].SqliteType = SqliteType.Text;
                insert.Prepare();
                read.CommandText = "SELECT seq, type, id, version, last_updated, method, body, content FROM temp.o_resource";
                using var reader = read.ExecuteReader();
                while (reader.Read())
                {
                    var (type, id) = (reader.GetString(1), reader.GetString(2));
                    parameters[0].Value = reader.GetInt64(0) + stride * (k - 1);
                    parameters[1].Value = type;
                    parameters[2].Value = p + id;
                    parameters[3].Value = reader.GetInt64(3);
                    parameters[4].Value = reader.GetInt64(4);
                    parameters[5].Value = reader.GetInt64(5);
                    parameters[6].Value = reader.IsDBNull(6) ? DBNull.Value
                        : Encoding.UTF8.GetBytes(Body(Encoding.UTF8.GetString((byte[])reader.GetValue(6)), prefixes, p, k,
                            identifiers.GetValueOrDefault((type, id))));
                    parameters[7].Value = reader.IsDBNull(7) ? DBNull.Value : reader.GetInt64(7);
                    insert.ExecuteNonQuery();
                }
            }
            tx.Commit();
            Console.Error.WriteLine($"copy {k}/{copies}: {before + originals * (k - 1):N0} resources, {clock.Elapsed.TotalSeconds:F0} s");
        }
        var copied = clock.Elapsed.TotalSeconds;
        foreach (var (name, sql) in indexes)
        {
            Exec(connection, sql);
            Console.Error.WriteLine($"index {name} built, {clock.Elapsed.TotalSeconds:F0} s");
        }
        Console.WriteLine($"copies written in {copied:F0} s, indexes built in {clock.Elapsed.TotalSeconds - copied:F0} s");
        // Counts stored before the copies would be short; they are taken again on demand.
        Exec(connection, "DELETE FROM search_count; DELETE FROM search_count_delta; PRAGMA optimize;");
        Console.WriteLine($"{before + originals * (copies - 1):N0} resources after {copies - 1} copies in {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    /// <summary>
    /// A copy's body: ids of the store's kinds (<c>"pat-1-0"</c>, <c>Patient/pat-1-0</c>) prefixed, and the values of
    /// the resource's identifiers suffixed (exact JSON strings, so a value inside another is left alone).
    /// </summary>
    internal static string Body(string body, IReadOnlyList<string> prefixes, string p, int k, List<string>? identifiers)
    {
        var text = new StringBuilder(body);
        foreach (var prefix in prefixes)
        {
            text.Replace($"\"{prefix}", $"\"{p}{prefix}");
            text.Replace($"/{prefix}", $"/{p}{prefix}");
        }
        foreach (var value in identifiers ?? [])
            text.Replace($"\"value\":\"{value}\"", $"\"value\":\"{value}-{k}\"");
        return text.ToString();
    }

    /// <summary>The indexes of the copied tables that have SQL of their own (not a primary key's or UNIQUE's), with it.</summary>
    private static List<(string Name, string Sql)> SecondaryIndexes(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (" +
                              string.Join(", ", IndexTables.Append("resource").Select(t => $"'{t}'")) + ") ORDER BY tbl_name, name";
        using var reader = command.ExecuteReader();
        var indexes = new List<(string, string)>();
        while (reader.Read()) indexes.Add((reader.GetString(0), reader.GetString(1)));
        return indexes;
    }

    /// <summary>The generator's id prefixes (<c>pat-1-</c>, <c>prat-1-</c>…): kind and seed, from the ids stored.</summary>
    private static List<string> IdPrefixes(SqliteConnection connection)
    {
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT substr(id, 1, instr(substr(id, instr(id, '-') + 1), '-') + instr(id, '-')) FROM temp.o_resource_current WHERE id GLOB '[a-z]*-[0-9]*-[0-9]*' " +
                              "UNION SELECT DISTINCT substr(target_id, 1, instr(substr(target_id, instr(target_id, '-') + 1), '-') + instr(target_id, '-')) FROM temp.o_search_reference WHERE target_id GLOB '[a-z]*-[0-9]*-[0-9]*'";
        using var reader = command.ExecuteReader();
        while (reader.Read()) prefixes.Add(reader.GetString(0));
        return [.. prefixes.Order(StringComparer.Ordinal)];
    }

    private static List<string> Columns(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
        using var reader = command.ExecuteReader();
        var columns = new List<string>();
        while (reader.Read()) columns.Add(reader.GetString(0));
        return columns;
    }

    private static void Exec(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }
}
