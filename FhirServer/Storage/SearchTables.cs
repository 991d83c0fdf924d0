using System.Data.Common;
using System.Text;
using FhirServer.Conformance.Search;

namespace FhirServer.Storage;

/// <summary>
/// The search index: one table per parameter type, rows for the current version of each resource only, written in
/// the transaction that writes the version (architecture.md, "Database sketch"). Every index starts with
/// (type, param, value…) so that a search clause is an index range scan, and ends with the id so the scan yields ids.
/// <c>resource_current</c> has one row per resource: the current version, for reads, paging and <c>_lastUpdated</c>.
/// </summary>
public static class SearchTables
{
    public static string Ddl(bool postgres)
    {
        var real = postgres ? "double precision" : "REAL";
        var text = postgres ? "text" : "TEXT";
        var big = postgres ? "bigint" : "INTEGER";
        return $"""
            CREATE TABLE resource_current (
                type {text} NOT NULL, id {text} NOT NULL, version integer NOT NULL, seq {big} NOT NULL,
                last_updated {big} NOT NULL, deleted {(postgres ? "boolean" : "INTEGER")} NOT NULL,
                PRIMARY KEY (type, id));
            CREATE INDEX resource_current_updated ON resource_current (type, last_updated, id);
            CREATE TABLE search_string (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, value {text} NOT NULL, exact {text} NOT NULL);
            CREATE INDEX search_string_value ON search_string (type, param, value, id);
            CREATE INDEX search_string_resource ON search_string (type, id);
            CREATE TABLE search_token (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, system {text}, code {text}, text {text}, type_system {text}, type_code {text});
            CREATE INDEX search_token_value ON search_token (type, param, code, system, id);
            CREATE INDEX search_token_resource ON search_token (type, id);
            CREATE TABLE search_reference (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, target_type {text}, target_id {text}, url {text}, version {text},
                identifier_system {text}, identifier_value {text});
            CREATE INDEX search_reference_value ON search_reference (type, param, target_id, target_type, id);
            CREATE INDEX search_reference_url ON search_reference (type, param, url, id) WHERE url IS NOT NULL;
            CREATE INDEX search_reference_target ON search_reference (target_type, target_id, param, type, id);
            CREATE INDEX search_reference_identifier ON search_reference (type, param, identifier_value, id) WHERE identifier_value IS NOT NULL;
            CREATE INDEX search_reference_resource ON search_reference (type, id);
            CREATE TABLE search_date (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, low {big} NOT NULL, high {big} NOT NULL);
            CREATE INDEX search_date_value ON search_date (type, param, low, high, id);
            CREATE INDEX search_date_resource ON search_date (type, id);
            CREATE TABLE search_number (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, value {real} NOT NULL, low {real} NOT NULL, high {real} NOT NULL);
            CREATE INDEX search_number_value ON search_number (type, param, value, id);
            CREATE INDEX search_number_resource ON search_number (type, id);
            CREATE TABLE search_quantity (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, system {text}, code {text}, unit {text},
                value {real} NOT NULL, low {real} NOT NULL, high {real} NOT NULL, canonical_code {text}, canonical_value {real},
                canonical_low {real}, canonical_high {real});
            CREATE INDEX search_quantity_value ON search_quantity (type, param, code, value, id);
            CREATE INDEX search_quantity_canonical ON search_quantity (type, param, canonical_code, canonical_value, id) WHERE canonical_code IS NOT NULL;
            CREATE INDEX search_quantity_resource ON search_quantity (type, id);
            CREATE TABLE search_uri (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, uri {text} NOT NULL);
            CREATE INDEX search_uri_value ON search_uri (type, param, uri, id);
            CREATE INDEX search_uri_resource ON search_uri (type, id);
            CREATE TABLE search_state (name {text} PRIMARY KEY, value {text} NOT NULL);
            INSERT INTO resource_current (type, id, version, seq, last_updated, deleted)
                SELECT r.type, r.id, r.version, r.seq, r.last_updated, {(postgres ? "r.body IS NULL" : "r.body IS NULL")}
                FROM resource r
                WHERE r.version = (SELECT max(v.version) FROM resource v WHERE v.type = r.type AND v.id = r.id);
            """;
    }

    /// <summary>
    /// Composite parameters (migration 3): one row per combination, two components side by side, each in the columns
    /// of its kind (text for strings, tokens and references; num for numbers and quantities; date for dates).
    /// </summary>
    public static string CompositeDdl(bool postgres)
    {
        var real = postgres ? "double precision" : "REAL";
        var text = postgres ? "text" : "TEXT";
        var big = postgres ? "bigint" : "INTEGER";
        string Component(int n) =>
            $"c{n}_system {text}, c{n}_text {text}, c{n}_num {real}, c{n}_num_low {real}, c{n}_num_high {real}, c{n}_date_low {big}, c{n}_date_high {big}";
        return $"""
            CREATE TABLE search_composite (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, {Component(1)}, {Component(2)});
            CREATE INDEX search_composite_value ON search_composite (type, param, c1_text, c1_system, id);
            CREATE INDEX search_composite_resource ON search_composite (type, id);
            """;
    }

    /// <summary>
    /// Migration 4: the token and reference value indexes put the id right after the searched value (the code; the
    /// target id), before the columns a search usually leaves open (the system; the target type), so that the rows of
    /// <c>code=x</c> or <c>subject=123</c> come in id order and can drive a page (SqlSearch.Driven) without a sort.
    /// </summary>
    public const string IdOrderDdl = """
        DROP INDEX search_token_value;
        CREATE INDEX search_token_value ON search_token (type, param, code, id, system);
        DROP INDEX search_reference_value;
        CREATE INDEX search_reference_value ON search_reference (type, param, target_id, id, target_type);
        """;

    /// <summary>
    /// Migration 5: dates also indexed by their end. <c>date=ge2020</c> asks for intervals that end after 2020 began,
    /// a condition on <c>high</c> that the (low, high) index can only check row by row over every date of the
    /// parameter; with this index each date prefix but <c>ne</c> is a range of one of the two (SqlSearch.DateCondition).
    /// </summary>
    public const string DateHighDdl = "CREATE INDEX search_date_high ON search_date (type, param, high, low, id);";

    /// <summary>
    /// Migration 7: sort values (<see cref="SortValues"/>), one row per resource and sortable parameter it has a value of,
    /// its lowest and highest, each indexed with the id so that a sorted page walks one index from its cursor
    /// (SqlSearch.Sort.cs; the indexes are partial since <see cref="SortOneDdl"/>). On SQLite the table is its primary key (WITHOUT ROWID): one B-tree fewer to write per row.
    /// PostgreSQL compares them in the C collation, byte by byte as SQLite does: the encoded numbers
    /// and the normalized strings then order the same on both stores. The fingerprint is dropped so that the next start
    /// reindexes, which fills the table.
    /// </summary>
    public static string SortDdl(bool postgres)
    {
        var text = postgres ? "text" : "TEXT";
        var collated = postgres ? "text COLLATE \"C\"" : "TEXT";
        return $"""
            CREATE TABLE search_sort (type {text} NOT NULL, id {text} NOT NULL, param {text} NOT NULL, low {collated} NOT NULL, high {collated} NOT NULL,
                PRIMARY KEY (type, id, param)){(postgres ? "" : " WITHOUT ROWID")};
            CREATE INDEX search_sort_low ON search_sort (type, param, low, id);
            CREATE INDEX search_sort_high ON search_sort (type, param, high, id);
            DELETE FROM search_state WHERE name = 'fingerprint';
            """;
    }

    /// <summary>
    /// Migration 8: most sort rows have one value (a single string, code, reference or number: lowest and highest
    /// alike), and the index on the lowest then serves both directions. So a row with one value is indexed once
    /// (<c>search_sort_one</c>), and only a row whose lowest and highest differ (a date's interval, several values) in
    /// both <c>search_sort_low</c> and <c>search_sort_high</c>; a sorted walk merges the two indexes of its direction
    /// (SqlSearch.ValuePart). Two index entries for every sort row had cost a third of SQLite's ingest CPU.
    /// </summary>
    public const string SortOneDdl = """
        DROP INDEX search_sort_low;
        DROP INDEX search_sort_high;
        CREATE INDEX search_sort_one ON search_sort (type, param, low, id) WHERE low = high;
        CREATE INDEX search_sort_low ON search_sort (type, param, low, id) WHERE low <> high;
        CREATE INDEX search_sort_high ON search_sort (type, param, high, id) WHERE low <> high;
        """;

    /// <summary>The index tables whose values can be counted (<see cref="CountDdl"/>).</summary>
    public static readonly CountedIndex Tokens = new("search_token", "token", "code", "system");
    public static readonly CountedIndex References = new("search_reference", "reference", "target_id", "target_type");
    private static readonly CountedIndex[] Counted = [Tokens, References];

    /// <summary>
    /// An index table whose values can be counted: its tag in <c>search_count.tbl</c>, the column a count's <c>value</c>
    /// is (code; target id) and the one its <c>qualifier</c> narrows (system; target type).
    /// </summary>
    public sealed record CountedIndex(string Table, string Tag, string Value, string Qualifier)
    {
        /// <summary>
        /// Whether index rows <paramref name="r"/> have a count's value, given as SQL (columns of the count row, or
        /// parameters): the one definition that storing a count and keeping it share.
        /// </summary>
        public string HasValue(string r, string param, string value, string qualifier) =>
            $"{r}.param = {param} AND {r}.{Value} = {value} AND ({qualifier} = '' OR {r}.{Qualifier} = {qualifier})";

        /// <summary>
        /// Stores the count of one value (parameters @tbl, @type, @param, @value, @qualifier): the resources with a row
        /// of it, unless another process stored it first.
        /// </summary>
        public string StoreCount =>
            $"INSERT INTO search_count (tbl, type, param, value, qualifier, n) VALUES (@tbl, @type, @param, @value, @qualifier, " +
            $"(SELECT count(*) FROM (SELECT s.id FROM {Table} s WHERE s.type = @type AND {HasValue("s", "@param", "@value", "@qualifier")} GROUP BY s.id) x)) " +
            "ON CONFLICT DO NOTHING";
    }

    /// <summary>
    /// Migration 6: maintained counts (search.md, "Maintained counts"). A row of <c>search_count</c> is the number of
    /// resources with an index row of one value: <c>(tbl, type, param, value, qualifier)</c>, the qualifier empty for
    /// any system / target type (FHIR values are never empty strings). Rows exist only for the values a search asked to
    /// count (SqlSearch, <c>_total=accurate</c> on a large result); the writes of index rows keep them exact in their
    /// transaction (<see cref="CountChange"/>). On PostgreSQL an update of a popular value's count would hold its row
    /// until commit and queue every concurrent writer of that value, so writes append signed deltas to
    /// <c>search_count_delta</c> instead, which the reader adds up and folds into the count now and then.
    /// </summary>
    public static string CountDdl(bool postgres)
    {
        var text = postgres ? "text" : "TEXT";
        var big = postgres ? "bigint" : "INTEGER";
        return $"""
            CREATE TABLE search_count (tbl {text} NOT NULL, type {text} NOT NULL, param {text} NOT NULL, value {text} NOT NULL, qualifier {text} NOT NULL,
                n {big} NOT NULL, PRIMARY KEY (tbl, type, param, value, qualifier));
            CREATE TABLE search_count_delta (tbl {text} NOT NULL, type {text} NOT NULL, param {text} NOT NULL, value {text} NOT NULL, qualifier {text} NOT NULL, d {big} NOT NULL);
            CREATE INDEX search_count_delta_key ON search_count_delta (tbl, type, param, value, qualifier);
            """;
    }

    /// <summary>
    /// The counts of the type that the resource's token and reference rows have, taken down by one before its rows are
    /// deleted or up by one after its new rows are written: one statement, a resource counted once however many rows
    /// of a value it has, and for almost every write nothing to do (no count of the type). SQLite updates the count in
    /// place; PostgreSQL appends a delta.
    /// </summary>
    private static string CountChange(bool postgres, char sign)
    {
        var k = postgres ? "k" : "search_count";
        var has = CountHas(k, "@type", "@id");
        return postgres
            ? $"INSERT INTO search_count_delta (tbl, type, param, value, qualifier, d) SELECT k.tbl, k.type, k.param, k.value, k.qualifier, {sign}1 " +
              $"FROM search_count k WHERE k.type = @type AND ({has})"
            : $"UPDATE search_count SET n = n {sign} 1 WHERE type = @type AND ({has})";
    }

    /// <summary>Whether the resource (<paramref name="type"/>, <paramref name="id"/>: SQL) has index rows of count <paramref name="k"/>'s value.</summary>
    private static string CountHas(string k, string type, string id) => string.Join(" OR ", Counted.Select(c =>
        $"({k}.tbl = '{c.Tag}' AND EXISTS (SELECT 1 FROM {c.Table} s WHERE s.type = {type} AND s.id = {id} " +
        $"AND {c.HasValue("s", $"{k}.param", $"{k}.value", $"{k}.qualifier")}))"));

    /// <summary>
    /// PostgreSQL, after the rows of several new resources (arrays @type and @id) are written: one delta per count
    /// their values have, the number of those resources with a row of the value (each counted once).
    /// </summary>
    private static readonly string PostgresCountInMany =
        "INSERT INTO search_count_delta (tbl, type, param, value, qualifier, d) SELECT k.tbl, k.type, k.param, k.value, k.qualifier, count(*) " +
        "FROM search_count k JOIN unnest(@type::text[], @id::text[]) AS r(type, id) ON k.type = r.type " +
        $"WHERE {CountHas("k", "r.type", "r.id")} GROUP BY k.tbl, k.type, k.param, k.value, k.qualifier";

    /// <summary>
    /// PostgreSQL: taken before a write reads the counts it will take down, so that a count being first stored (SqlSearch.
    /// MaintainCountAsync takes the table in SHARE mode) either waits for this write or is committed before the read and
    /// seen by it. An insert takes the same lock itself, before the statement that takes the counts up.
    /// </summary>
    private const string LockCounted = "LOCK TABLE search_token, search_reference IN ROW EXCLUSIVE MODE";

    private static readonly string[] CompositeColumns =
        [.. new[] { 1, 2 }.SelectMany(n => new[] { "system", "text", "num", "num_low", "num_high", "date_low", "date_high" }.Select(c => $"c{n}_{c}"))];

    /// <summary>The seven columns of one composite component.</summary>
    private static object?[] Component(IndexValue? value) => value switch
    {
        TokenIndex t => [t.System, t.Code, null, null, null, null, null],
        StringIndex s => [null, s.Normalized, null, null, null, null, null],
        ReferenceIndex r => [null, r.TargetType is not null ? $"{r.TargetType}/{r.TargetId}" : r.Url, null, null, null, null, null],
        UriIndex u => [null, u.Uri, null, null, null, null, null],
        QuantityIndex q => [q.System, q.Code, (double)q.Value, (double)q.Low, (double)q.High, null, null],
        NumberIndex n => [null, null, (double)n.Value, (double)n.Low, (double)n.High, null, null],
        DateIndex d => [null, null, null, null, null, d.Low, d.High],
        _ => [null, null, null, null, null, null, null],
    };

    public static readonly string[] Tables = ["search_string", "search_token", "search_reference", "search_date", "search_number", "search_quantity", "search_uri", "search_composite", "search_sort"];

    /// <summary>The layout of <c>search_sort</c>, written with the index rows (<see cref="Rows"/>).</summary>
    private static readonly (string Table, string[] Columns, string Kinds) SortLayout = ("search_sort", ["low", "high"], "tt");

    // Column kinds of the index tables, for PostgreSQL's typed arrays (PostgresInserts): t text, b bigint, d double.
    private static readonly Dictionary<SearchParamType, (string Table, string[] Columns, string Kinds)> Layout = new()
    {
        [SearchParamType.String] = ("search_string", ["value", "exact"], "tt"),
        [SearchParamType.Token] = ("search_token", ["system", "code", "text", "type_system", "type_code"], "ttttt"),
        [SearchParamType.Reference] = ("search_reference", ["target_type", "target_id", "url", "version", "identifier_system", "identifier_value"], "tttttt"),
        [SearchParamType.Date] = ("search_date", ["low", "high"], "bb"),
        [SearchParamType.Number] = ("search_number", ["value", "low", "high"], "ddd"),
        [SearchParamType.Quantity] = ("search_quantity", ["system", "code", "unit", "value", "low", "high", "canonical_code", "canonical_value", "canonical_low", "canonical_high"], "tttdddtddd"),
        [SearchParamType.Uri] = ("search_uri", ["uri"], "t"),
        [SearchParamType.Composite] = ("search_composite", CompositeColumns, "ttdddbbttdddbb"),
    };

    /// <summary>
    /// The characters of a text value the index tables hold: its first 512. A B-tree entry of PostgreSQL holds at most
    /// a third of a page (2,704 bytes), and a FHIR string may be 1 MB (R4 datatypes.html#string); 512 UTF-16 units
    /// are at most 1,536 bytes of UTF-8, with room for the type, parameter and id beside them. Both stores keep the
    /// same prefix, and a search compares its values cut the same way (<see cref="Indexed"/>): values that differ only
    /// past the prefix match alike.
    /// </summary>
    public const int IndexedLength = 512;

    /// <summary>The value as the index tables hold it: at most <see cref="IndexedLength"/> characters, no surrogate pair split.</summary>
    public static string? Indexed(string? value) => value is null ? null : Prefix(value, IndexedLength);

    /// <summary>
    /// The first <paramref name="length"/> characters of a value, one fewer rather than between the two halves of a
    /// surrogate pair: a lone half is no UTF-8, and PostgreSQL's driver refuses it.
    /// </summary>
    public static string Prefix(string value, int length) =>
        value.Length <= length ? value : value[..(char.IsHighSurrogate(value[length - 1]) ? length - 1 : length)];

    /// <summary>The rows a resource's index entries are stored as: one per value, and one sort row per sortable parameter.</summary>
    private static IEnumerable<(string Param, (string Table, string[] Columns, string Kinds, object?[] Values) Row)> Rows(IReadOnlyList<IndexEntry> entries) =>
        entries.Select(e => (e.Param, Row: Row(e))).Where(r => r.Row is not null).Select(r => (r.Param, r.Row!.Value))
            .Concat(SortValues.Of(entries).Select(v => (v.Param, (SortLayout.Table, SortLayout.Columns, SortLayout.Kinds, new object?[] { v.Low, v.High }))));

    /// <summary>The stored columns of a value (composites and unknown kinds are not stored: null).</summary>
    private static (string Table, string[] Columns, string Kinds, object?[] Values)? Row(IndexEntry entry)
    {
        object?[]? values = entry.Value switch
        {
            StringIndex s => [s.Normalized, s.Exact],
            TokenIndex t => [t.System, t.Code, t.Text, t.TypeSystem, t.TypeCode],
            ReferenceIndex r => [r.TargetType, r.TargetId, r.Url, r.Version, r.IdentifierSystem, r.IdentifierValue],
            DateIndex d => [d.Low, d.High],
            NumberIndex n => [(double)n.Value, (double)n.Low, (double)n.High],
            QuantityIndex q => [q.System, q.Code, q.Unit, (double)q.Value, (double)q.Low, (double)q.High, q.CanonicalCode,
                q.CanonicalValue is { } c ? (double)c : null, q.CanonicalLow is { } cl ? (double)cl : null, q.CanonicalHigh is { } ch ? (double)ch : null],
            UriIndex u => [u.Uri],
            CompositeIndex c => [.. Component(c.Components.ElementAtOrDefault(0)), .. Component(c.Components.ElementAtOrDefault(1))],
            _ => null,
        };
        var kind = entry.Value switch
        {
            StringIndex => SearchParamType.String,
            TokenIndex => SearchParamType.Token,
            ReferenceIndex => SearchParamType.Reference,
            DateIndex => SearchParamType.Date,
            NumberIndex => SearchParamType.Number,
            QuantityIndex => SearchParamType.Quantity,
            UriIndex => SearchParamType.Uri,
            CompositeIndex => SearchParamType.Composite,
            _ => SearchParamType.Special,
        };
        if (values is null || !Layout.TryGetValue(kind, out var layout)) return null;
        for (var i = 0; i < values.Length; i++)
            if (values[i] is string { Length: > IndexedLength } text) values[i] = Indexed(text);
        return (layout.Table, layout.Columns, layout.Kinds, values);
    }

    /// <summary>Removes the index rows of a resource (before its new version's rows are written, or when it is deleted).</summary>
    public static async Task DeleteAsync(DbConnection connection, DbTransaction tx, bool postgres, string type, string id, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = string.Concat(DeleteStatements(postgres).Select(sql => sql + ";"));
        Add(command, "type", type);
        Add(command, "id", id);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Writes the index rows of a resource through SQLite's own API on the writer connection (<see cref="SqliteStatements"/>).</summary>
    internal static void Insert(SqliteStatements sqlite, string type, string id, IReadOnlyList<IndexEntry> entries)
    {
        Span<object?> values = new object?[3 + ColumnParameters.Length];
        foreach (var (param, row) in Rows(entries))
        {
            values[0] = type;
            values[1] = id;
            values[2] = param;
            row.Values.CopyTo(values[3..]);
            sqlite.Execute(SingleRowInsert(row.Table, row.Columns), RowNames[row.Table], values[..(3 + row.Values.Length)]);
        }
        sqlite.Execute(SqliteCountIn, TypeAndId, [type, id]);
    }

    /// <summary>Removes the index rows of a resource through SQLite's own API on the writer connection.</summary>
    internal static void Delete(SqliteStatements sqlite, string type, string id)
    {
        foreach (var sql in DeleteStatements(postgres: false)) sqlite.Execute(sql, TypeAndId, [type, id]);
    }

    /// <summary>The statements that remove a resource's index rows, the counts of its values taken down first.</summary>
    private static string[] DeleteStatements(bool postgres) => postgres ? PostgresDeletes : SqliteDeletes;

    private static readonly string[] SqliteDeletes = [CountChange(false, '-'), .. DeleteRows()];
    private static readonly string[] PostgresDeletes = [LockCounted, CountChange(true, '-'), .. DeleteRows()];

    private static IEnumerable<string> DeleteRows() => Tables.Select(t => $"DELETE FROM {t} WHERE type = @type AND id = @id");

    private static readonly string SqliteCountIn = CountChange(false, '+');
    private static readonly string PostgresCountIn = CountChange(true, '+');

    private static readonly string[] TypeAndId = ["type", "id"];

    private static readonly string[] ColumnParameters = [.. Enumerable.Range(0, 16).Select(i => "c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    // The parameter names of each table's single-row insert, in the order Insert binds them. Declared after
    // ColumnParameters, which it reads: static fields are set in the order they are written.
    private static readonly Dictionary<string, string[]> RowNames = Layout.Values.Append(SortLayout).ToDictionary(
        l => l.Table, l => (string[])["type", "id", "param", .. ColumnParameters.Take(l.Columns.Length)]);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> SingleRowSql = new();

    private static string SingleRowInsert(string table, string[] columns) =>
        SingleRowSql.GetOrAdd(table, _ =>
            $"INSERT INTO {table} (type, id, param, {string.Join(", ", columns)}) VALUES (@type, @id, @param, {string.Join(", ", columns.Select((_, i) => "@" + ColumnParameters[i]))})");

    /// <summary>Writes the index rows of a resource: one multi-row INSERT per table (chunked under the parameter limits).</summary>
    public static async Task InsertAsync(DbConnection connection, DbTransaction tx, bool postgres, string type, string id, IReadOnlyList<IndexEntry> entries, CancellationToken ct)
    {
        foreach (var (sql, parameters) in InsertStatements(postgres, type, id, entries))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            foreach (var (name, value) in parameters) Add(command, name, value);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The index rows of a resource as statements added to a batch (one round trip with the rest of the write).</summary>
    public static void AddInserts(DbBatch batch, bool postgres, string type, string id, IReadOnlyList<IndexEntry> entries)
    {
        foreach (var (sql, parameters) in InsertStatements(postgres, type, id, entries)) batch.BatchCommands.Add(BatchCommand(batch, sql, parameters));
    }

    /// <summary>The index rows of several resources as statements added to a PostgreSQL batch: one per table for all.</summary>
    public static void AddInserts(DbBatch batch, IReadOnlyCollection<(string Type, string Id, IReadOnlyList<IndexEntry> Entries)> resources)
    {
        foreach (var (sql, parameters) in PostgresInserts(resources)) batch.BatchCommands.Add(BatchCommand(batch, sql, parameters));
    }

    /// <summary>The deletion of a resource's index rows as statements added to a batch.</summary>
    public static void AddDeletes(DbBatch batch, bool postgres, string type, string id)
    {
        foreach (var sql in DeleteStatements(postgres)) batch.BatchCommands.Add(BatchCommand(batch, sql, [("type", type), ("id", id)]));
    }

    /// <summary>A statement of a batch with its parameters (null as SQL NULL).</summary>
    internal static DbBatchCommand BatchCommand(DbBatch batch, string sql, IEnumerable<(string Name, object? Value)> parameters)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    /// <summary>
    /// The inserts of a resource's index rows, one multi-row INSERT per table (chunked under the parameter limits), with
    /// its parameters, then the counts of the resource's values taken up.
    /// </summary>
    private static IEnumerable<(string Sql, List<(string Name, object? Value)> Parameters)> InsertStatements(bool postgres, string type, string id, IReadOnlyList<IndexEntry> entries)
    {
        if (postgres)
        {
            foreach (var statement in PostgresInserts([(type, id, entries)])) yield return statement;
            yield break;
        }
        foreach (var group in Rows(entries).GroupBy(r => r.Row.Table))
        {
            var columns = group.First().Row.Columns;
            foreach (var chunk in group.Chunk(Math.Max(1, 900 / (columns.Length + 3))))
            {
                var parameters = new List<(string Name, object? Value)> { ("type", type), ("id", id) };
                var sql = new StringBuilder($"INSERT INTO {group.Key} (type, id, param, {string.Join(", ", columns)}) VALUES ");
                for (var r = 0; r < chunk.Length; r++)
                {
                    if (r > 0) sql.Append(", ");
                    sql.Append($"(@type, @id, @p{r}");
                    parameters.Add(($"p{r}", chunk[r].Param));
                    var values = chunk[r].Row.Values;
                    for (var c = 0; c < values.Length; c++)
                    {
                        sql.Append($", @v{r}_{c}");
                        parameters.Add(($"v{r}_{c}", values[c]));
                    }
                    sql.Append(')');
                }
                yield return (sql.ToString(), parameters);
            }
        }
        yield return (SqliteCountIn, [("type", type), ("id", id)]);
    }

    /// <summary>
    /// PostgreSQL: the index rows of one or several resources, one INSERT per table from <c>unnest</c> of a typed array per
    /// column, then the counts of their values taken up. A table has one statement text whatever the number of rows
    /// (prepared once per connection, never planned again), a null is typed like the rest of its column (an untyped
    /// null makes Npgsql prepare the statement anew), and a transaction's creates share each statement.
    /// </summary>
    private static IEnumerable<(string Sql, List<(string Name, object? Value)> Parameters)> PostgresInserts(
        IReadOnlyCollection<(string Type, string Id, IReadOnlyList<IndexEntry> Entries)> resources)
    {
        var rows = resources.SelectMany(r => Rows(r.Entries).Select(e => (r.Type, r.Id, e.Param, e.Row))).GroupBy(r => r.Row.Table);
        foreach (var group in rows)
        {
            var (table, columns, kinds, _) = group.First().Row;
            var all = group.ToArray();
            var parameters = new List<(string Name, object? Value)>
            {
                ("type", all.Select(r => r.Type).ToArray()), ("id", all.Select(r => r.Id).ToArray()), ("param", all.Select(r => r.Param).ToArray()),
            };
            for (var c = 0; c < columns.Length; c++)
                parameters.Add((ColumnParameters[c], ColumnArray(kinds[c], all.Select(r => r.Row.Values[c]))));
            yield return (UnnestSql[table], parameters);
        }
        if (resources.Count == 1)
        {
            var (type, id, _) = resources.First();
            yield return (PostgresCountIn, [("type", type), ("id", id)]);
        }
        else yield return (PostgresCountInMany, [("type", resources.Select(r => r.Type).ToArray()), ("id", resources.Select(r => r.Id).ToArray())]);
    }

    // Each table's insert from arrays. Declared after Layout and ColumnParameters, which it reads.
    private static readonly Dictionary<string, string> UnnestSql = Layout.Values.Append(SortLayout).ToDictionary(l => l.Table, l =>
        $"INSERT INTO {l.Table} (type, id, param, {string.Join(", ", l.Columns)}) SELECT * FROM unnest(@type::text[], @id::text[], @param::text[], " +
        string.Join(", ", l.Columns.Select((_, c) => $"@{ColumnParameters[c]}::{ArrayType(l.Kinds[c])}")) + ")");

    private static string ArrayType(char kind) => kind switch { 't' => "text[]", 'b' => "bigint[]", _ => "double precision[]" };

    /// <summary>A column's values as a typed array (nulls kept), for <see cref="UnnestSql"/>.</summary>
    private static Array ColumnArray(char kind, IEnumerable<object?> values) => kind switch
    {
        't' => values.Select(v => (string?)v).ToArray(),
        'b' => values.Select(v => (long?)v).ToArray(),
        _ => values.Select(v => (double?)v).ToArray(),
    };

    private static void Add(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
    }
}
