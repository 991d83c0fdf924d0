using System.Data.Common;
using System.Text;
using FhirServer.Conformance.Search;

namespace FhirServer.Search;

/// <summary>
/// <c>_sort</c> (R4 search.html#sort) as a walk of the <c>search_sort</c> index (SearchTables.SortDdl): the first key's
/// index read from the cursor in order, the filters checked on each resource, the other keys looked up per resource
/// and ordering ties of the first. The cost follows the page and how many resources the filters reject, not the number
/// of resources or of their values. Resources without a value of the first key come last, walked by id afterwards.
/// </summary>
public sealed partial class SqlSearch
{
    /// <summary>
    /// What a missing value sorts as, so that resources without one come last both ways (search.html#sort leaves
    /// missing values to the server): above every stored value ascending (the encoded values are hex digits or folded
    /// text; U+10FFFF is the highest code point), below them descending (no stored value is empty).
    /// </summary>
    private const string LastAscending = "\U0010FFFF";
    private const string LastDescending = "";

    /// <summary>
    /// A sort key as SQL on the current resource <c>c</c>: <c>_id</c>, <c>_lastUpdated</c> (a number), or a parameter's
    /// stored lowest (ascending) or highest (descending) value, the missing-value sentinel when it has none.
    /// </summary>
    private sealed record SortColumn(SortKey Key, string? Column, string? Missing)
    {
        public bool Descending => Key.Descending;

        /// <summary>Whether the cursor holds the key as a number (<c>_lastUpdated</c>) rather than a text.</summary>
        public bool Numeric => Key.Parameter is null && Key.Code != "_id";

        public static SortColumn Of(SortKey key) => key.Parameter is null
            ? new SortColumn(key, null, null)
            : new SortColumn(key, key.Descending ? "high" : "low", key.Descending ? LastDescending : LastAscending);
    }

    /// <summary>The value of a sort key for the resource <c>c</c>, looked up by (type, id, param).</summary>
    private static string SortExpression(Sql sql, SortColumn key) => key.Column is null
        ? key.Key.Code == "_id" ? "c.id" : "c.last_updated"
        : $"COALESCE((SELECT ss.{key.Column} FROM search_sort ss WHERE ss.type = c.type AND ss.id = c.id AND ss.param = {sql.Arg(key.Key.Code)}), {sql.Arg(key.Missing)})";

    /// <summary>
    /// Whether a sorted page is better found by filtering first and sorting what matches: when a clause selects few
    /// resources (an <c>_id</c> list, or a clause on its own index rows with at most <see cref="DriverCap"/> of them,
    /// counted by a range read stopped there), sorting them costs less than walking the sort index past the resources
    /// they reject — a family name that nobody has would otherwise have the walk read every Patient. A compartment is
    /// the resources of one owner: few, too.
    /// </summary>
    private async Task<bool> FilterFirstAsync(DbConnection connection, SearchQuery query, CompartmentSpec? compartment, string baseUrl, CancellationToken ct)
    {
        if (compartment is not null || query.Sort[0].Parameter is null) return true;
        if (query.Clauses.Any(c => c.Code == "_id" && c.Parameter is null && c.Missing is null)) return true;
        foreach (var clause in query.Clauses)
            if (IsPlain(clause) && await FewRowsAsync(connection, query.Type, clause, baseUrl, ct))
                return true;
        return false;
    }

    /// <summary>
    /// The sorted page walked along the first key's sort index: forward, the resources with a value from the cursor on,
    /// then those without; backward the other way round. Each part stops once the page is full.
    /// </summary>
    private async Task<List<PageRow>> SortWalkAsync(DbConnection connection, SearchQuery query, List<SortColumn> keys, Cursor? cursor,
        string baseUrl, CancellationToken ct)
    {
        var backwards = cursor?.Backwards == true;
        var fromMissing = cursor is not null && Equals(cursor.Values[0], keys[0].Missing);
        var rows = new List<PageRow>();
        foreach (var missing in backwards ? new[] { true, false } : [false, true])
        {
            // The parts before the cursor's own are behind it.
            if (cursor is not null && (backwards ? missing && !fromMissing : !missing && fromMissing)) continue;
            var sql = new Sql();
            var from = cursor is not null && missing == fromMissing ? cursor : null;
            var text = missing ? MissingPart(sql, query, keys, from, backwards, baseUrl, query.Count + 1 - rows.Count)
                : ValuePart(sql, query, keys, from, backwards, baseUrl, query.Count + 1 - rows.Count);
            rows.AddRange(await ReadRowsAsync(connection, text, sql, keys.Count, ct));
            if (rows.Count > query.Count) break;
        }
        return rows;
    }

    /// <summary>
    /// The resources with a value of the first key, in its order: the rows of one value (lowest and highest alike) from
    /// the index that serves both directions, the others from their direction's own (SearchTables.SortOneDdl), each
    /// walked from the cursor and stopped after the page, merged by the keys and the id.
    /// </summary>
    private string ValuePart(Sql sql, SearchQuery query, List<SortColumn> keys, Cursor? cursor, bool backwards, string baseUrl, int limit)
    {
        var first = keys[0];
        var walk = first.Descending != backwards;
        var one = ValueWalk(sql, query, keys, cursor, backwards, baseUrl, limit, "low", "search_sort_one", "s0.low = s0.high");
        var several = ValueWalk(sql, query, keys, cursor, backwards, baseUrl, limit, first.Column!,
            first.Descending ? "search_sort_high" : "search_sort_low", "s0.low <> s0.high");
        var order = keys.Select((k, i) => $"k{i} {((i == 0 ? walk : k.Descending != backwards) ? "DESC" : "ASC")}");
        return $"SELECT * FROM ({one}) x0 UNION ALL SELECT * FROM ({several}) x1 ORDER BY {string.Join(", ", order)}, id {(walk ? "DESC" : "ASC")} LIMIT {limit}";
    }

    /// <summary>
    /// One index of the first key read from the cursor (a bound on the indexed value, then the exact keyset), each
    /// resource checked against the clauses (plain ones probed by (type, id)). SQLite, without statistics, is told to
    /// read that index; PostgreSQL reads it for the ORDER BY … LIMIT, the partial index's condition being in the query.
    /// </summary>
    private string ValueWalk(Sql sql, SearchQuery query, List<SortColumn> keys, Cursor? cursor, bool backwards, string baseUrl, int limit,
        string indexed, string index, string rows)
    {
        var first = keys[0];
        var column = "s0." + indexed;
        var walk = first.Descending != backwards;
        var t = sql.Arg(query.Type);
        var conditions = new List<string> { $"s0.type = {t}", $"s0.param = {sql.Arg(first.Key.Code)}", rows, "NOT c.deleted" };
        var exprs = new List<(string Expr, bool Descending)> { (column, walk) };
        exprs.AddRange(keys.Skip(1).Select(k => (SortExpression(sql, k), k.Descending != backwards)));
        if (cursor is not null)
        {
            conditions.Add($"{column} {(walk ? "<=" : ">=")} {sql.Arg(cursor.Values[0])}");
            conditions.Add(Keyset(sql, exprs, cursor.Values, "s0.id", walk));
        }
        conditions.AddRange(ClauseChecks(sql, query, t, baseUrl));
        return SortedSelect(exprs, "s0.id", walk,
            $"FROM search_sort s0{IndexedBy(index)} JOIN resource_current c ON c.type = s0.type AND c.id = s0.id", conditions, limit);
    }

    /// <summary>
    /// The resources without a value of the first key, by id (then the other keys): the type's resources walked by
    /// (type, id), each probed for a sort row. Only the pages past the last value come here; that walk reads the
    /// resources with a value too, so the last pages of a sort that few resources miss cost the type's size.
    /// </summary>
    private string MissingPart(Sql sql, SearchQuery query, List<SortColumn> keys, Cursor? cursor, bool backwards, string baseUrl, int limit)
    {
        var first = keys[0];
        var walk = first.Descending != backwards;
        var t = sql.Arg(query.Type);
        var conditions = new List<string>
        {
            $"c.type = {t}", "NOT c.deleted",
            $"NOT EXISTS (SELECT 1 FROM search_sort s0 WHERE s0.type = c.type AND s0.id = c.id AND s0.param = {sql.Arg(first.Key.Code)})",
        };
        var exprs = new List<(string Expr, bool Descending)> { (sql.Arg(first.Missing), walk) };
        exprs.AddRange(keys.Skip(1).Select(k => (SortExpression(sql, k), k.Descending != backwards)));
        if (cursor is not null) conditions.Add(Keyset(sql, exprs.Skip(1).ToList(), cursor.Values[1..], "c.id", walk));
        conditions.AddRange(ClauseChecks(sql, query, t, baseUrl));
        return SortedSelect(exprs, "c.id", walk, "FROM resource_current c", conditions, limit, ordered: 1);
    }

    /// <summary>The clauses as conditions on one resource <c>c</c>: plain ones probed on its index rows, the others as sets.</summary>
    private IEnumerable<string> ClauseChecks(Sql sql, SearchQuery query, string typeArg, string baseUrl) =>
        query.Clauses.Select(clause => IsPlain(clause) ? Probe(sql, typeArg, clause, baseUrl) : Condition(sql, query.Type, clause, baseUrl)).ToList();

    /// <summary>
    /// <c>SELECT id, seq, k0, k1…</c> ordered by the keys from <paramref name="ordered"/> on, then the id in the first
    /// key's direction (ties of a descending first key come in descending id order, as its index walks them).
    /// </summary>
    private static string SortedSelect(List<(string Expr, bool Descending)> keys, string id, bool idDescending, string from, List<string> conditions,
        int limit, int ordered = 0)
    {
        var select = new StringBuilder($"SELECT {id}, c.seq");
        for (var i = 0; i < keys.Count; i++) select.Append($", {keys[i].Expr} AS k{i}");
        select.Append($" {from} WHERE {string.Join(" AND ", conditions)} ORDER BY ");
        for (var i = ordered; i < keys.Count; i++) select.Append($"{(i == 0 ? keys[i].Expr : "k" + i)} {(keys[i].Descending ? "DESC" : "ASC")}, ");
        select.Append($"{id} {(idDescending ? "DESC" : "ASC")} LIMIT {limit}");
        return select.ToString();
    }
}
