using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FhirServer.Conformance.Search;
using FhirServer.Conformance.Serialization;
using FhirServer.Http;
using FhirServer.Rest;
using FhirServer.Storage;

using FhirServer.Authorization;

namespace FhirServer.Search;

/// <summary>A page of search results: the matches in order, the resources _include/_revinclude brought, the total when asked, and cursors.</summary>
public sealed record SearchPage(
    IReadOnlyList<StoredVersion> Matches,
    IReadOnlyList<StoredVersion> Included,
    int? Total,
    string? NextCursor,
    string? PreviousCursor,
    bool IncludesStopped = false,
    bool IncludesCut = false)
{
    /// <summary>
    /// The rows the search read to make the page: its rows (one past the page, to know there is more) and the references
    /// its includes followed. What a Bundle's entries may read in all is bounded (ServerSettings.MaxBundleSearchRows).
    /// </summary>
    public int RowsRead { get; init; }

    /// <summary>
    /// The parameter whose index rows drove the page in id order (SqlSearch.Driven: the page reads its own rows), or null
    /// when the page was taken from the whole set of matches (the filter form) or walked along a sort index.
    /// </summary>
    public string? DrivenBy { get; init; }
}

/// <summary>Restricts a search to a compartment (R4 compartmentdefinition.html): resources that point at the owner through one of the parameters.</summary>
public sealed record CompartmentSpec(string OwnerType, string OwnerId, IReadOnlyList<string> Parameters, bool IncludesOwner);

/// <summary>
/// Runs a <see cref="SearchQuery"/> as SQL over the index tables. Every clause becomes <c>c.id IN (ids of the
/// clause)</c>, where the ids come from an index range scan on (type, param, value); chains and <c>_has</c> nest the
/// same form. Paging is keyset (the last row's sort keys and id in an opaque cursor), never OFFSET, so page 50 costs
/// what page 1 costs.
/// </summary>
public sealed partial class SqlSearch(SqlResourceStore store, TimeProvider clock, ServerSettings settings, AccessPolicy? policy = null)
{
    private const int EstimateCap = 10_000;
    private const int HasSetCap = 2_000;
    private const int DriverCap = 2_000;
    private const int FoldDeltasAfter = 1_000;

    private readonly ServerBases _configuredBases = LocalBases.Parse(settings);

    private sealed class Sql
    {
        private int _next;
        public readonly List<(string Name, object? Value)> Args = [];

        /// <summary>A parameter; a text is cut as the index tables cut theirs (SearchTables.Indexed), so that it compares alike.</summary>
        public string Arg(object? value) => Bind(value is string text ? SearchTables.Indexed(text) : value);

        /// <summary>A LIKE pattern, whose text was cut before its wildcards were added.</summary>
        public string Pattern(string pattern) => Bind(pattern);

        private string Bind(object? value)
        {
            // PostgreSQL text cannot hold U+0000, and no FHIR value holds it (the parsers refuse C0 controls): a
            // search value or cursor carrying one matches nothing on any store, and is refused alike on both.
            if (value is string text && text.Contains('\0'))
                throw FhirException.BadRequest("A search value holds the character U+0000, which no FHIR value may contain.");
            var name = "a" + _next++.ToString(CultureInfo.InvariantCulture);
            Args.Add((name, value));
            return "@" + name;
        }
    }

    /// <summary>
    /// Checks the values of a query as running it would (a date that is no date → 400), reading nothing: for a search
    /// that runs later, such as one in a transaction, which runs after the commit and must fail before it. A
    /// <c>_has</c> clause is checked as planned for a small set (its planning reads only how large the set is);
    /// <c>_list</c>, which reads the List, is checked when it runs.
    /// </summary>
    public void Check(SearchQuery query, string baseUrl)
    {
        var sql = new Sql();
        foreach (var clause in query.Clauses.Where(c => !(c.Code == "_list" && c.Parameter is null)))
            Condition(sql, query.Type, clause, baseUrl);
    }

    /// <summary>
    /// Runs the search. When <paramref name="ct"/> is cancelled (the client went away) the statement running is stopped
    /// in the database (SqlDialect.CancelOnAbort), not left to run to its end, and the search ends with
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<SearchPage> RunAsync(SearchQuery query, CompartmentSpec? compartment, string baseUrl, CancellationToken ct)
    {
        if (policy?.Current is null) return await RunUnconstrainedAsync(query, compartment, baseUrl, ct);
        // Every search, of an endpoint or of a Bundle entry, is bounded here by what the request may see: its matches and
        // total by the constrained query, what _include and _revinclude bring by the same bounds, resource by resource.
        if (policy.Constrain(query, compartment) is not var (constrained, bounds))
            return new SearchPage([], [], query.Total != TotalMode.None || query.CountOnly ? 0 : null, null, null);
        var page = await RunUnconstrainedAsync(constrained, bounds, baseUrl, ct);
        return page.Included.Count == 0 ? page : page with { Included = await policy.VisibleAsync(page.Included, Interactions.Read, ct) };
    }

    /// <summary>The search as asked, whoever asks (<see cref="AccessPolicy"/> bounds it in <see cref="RunAsync"/>).</summary>
    internal async Task<SearchPage> RunUnconstrainedAsync(SearchQuery query, CompartmentSpec? compartment, string baseUrl, CancellationToken ct)
    {
        try
        {
            return await RunPageAsync(query, compartment, baseUrl, ct);
        }
        catch (DbException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("The search was cancelled.", e, ct);
        }
    }

    private async Task<SearchPage> RunPageAsync(SearchQuery query, CompartmentSpec? compartment, string baseUrl, CancellationToken ct)
    {
        if (query.Clauses.Any(c => c.Code == "_list" && c.Parameter is null))
            query = query with { Clauses = [.. await Task.WhenAll(query.Clauses.Select(c => ListAsIds(c, query.Type, baseUrl, ct)))] };
        await using var connection = await store.Dialect.OpenAsync(ct);
        using var interrupt = store.Dialect.CancelOnAbort(connection, ct);
        if (query.Clauses.Any(c => c.Has is not null))
        {
            // One after the other: a connection runs one command at a time.
            var planned = new List<SearchClause>();
            foreach (var clause in query.Clauses) planned.Add(await PlanHas(connection, clause, baseUrl, ct));
            query = query with { Clauses = planned };
        }
        if (query.Sort.Count == 0 && Driver(query) is null && query.Clauses.FirstOrDefault(IsPrefixString) is { } text
            && await SingleIndexedValueAsync(connection, query.Type, text, ct) is { } single)
            query = query with { Clauses = [.. query.Clauses.Select(c => ReferenceEquals(c, text) ? c with { IndexedValue = single } : c)] };
        var sql = new Sql();
        var where = new List<string> { $"c.type = {sql.Arg(query.Type)}", "NOT c.deleted" };
        foreach (var clause in query.Clauses) where.Add(Condition(sql, query.Type, clause, baseUrl));
        if (compartment is not null) where.Add(Compartment(sql, query.Type, compartment));

        // Sort keys: k0… of each row, then the id. The cursor is checked before anything is read.
        var keys = query.Sort.Select(SortColumn.Of).ToList();
        var binding = CursorBinding(query, compartment);
        var cursor = query.Cursor is null ? null : Cursor.Decode(query.Cursor, binding, keys);

        int? total = null;
        if (query.Total != TotalMode.None)
        {
            // One token or reference value: a maintained count when there is one. An accurate count is first taken up
            // to the threshold; past it, the value's count is kept from then on (MaintainCountAsync).
            var key = Countable(query, compartment, baseUrl);
            if (key is not null && await MaintainedCountAsync(connection, key, ct) is { } maintained) total = maintained;
            else
            {
                int? limit = query.Total == TotalMode.Estimate ? EstimateCap + 1 : key is not null ? Math.Max(0, settings.MaintainedCountFrom) : null;
                var matching = CountRows(sql, query, where, compartment, baseUrl);
                var countSql = limit is null ? $"SELECT count(*) FROM ({matching}) x" : $"SELECT count(*) FROM ({matching} LIMIT {limit}) x";
                await using var countCommand = Command(connection, countSql, sql);
                var counted = Convert.ToInt32(await countCommand.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
                total = limit is null || counted < limit ? counted
                    : query.Total == TotalMode.Accurate ? await MaintainCountAsync(key!, ct)
                    : null;
            }
        }
        if (query.CountOnly) return new SearchPage([], [], total, null, null);

        var backwards = cursor?.Backwards == true;
        List<PageRow> rows;
        SearchClause? drivenBy = null;
        if (keys.Count > 0 && !await FilterFirstAsync(connection, query, compartment, baseUrl, ct))
            rows = await SortWalkAsync(connection, query, keys, cursor, baseUrl, ct);
        else
        {
            drivenBy = keys.Count == 0 ? await ChooseDriver(connection, query, baseUrl, ct) : null;
            var select = drivenBy is not null
                ? Driven(sql, query, drivenBy, compartment, baseUrl, cursor)
                : Filtered(sql, query, where, keys, cursor);
            rows = await ReadRowsAsync(connection, select, sql, keys.Count, ct);
        }
        var read = rows.Count;
        var more = rows.Count > query.Count;
        if (more) rows.RemoveAt(rows.Count - 1);
        if (backwards) rows.Reverse();
        // A page stops where its bodies pass the byte budget (from the cursor's side: a previous page keeps its end).
        var sizes = await SizesAsync(connection, rows.Select(r => r.Seq).ToList(), ct);
        var budget = query.MaxBytes ?? settings.MaxPageBytes;
        var fit = PageBytes.Fit(backwards ? [.. Enumerable.Reverse(sizes)] : sizes, budget);
        if (fit < rows.Count)
        {
            rows = backwards ? rows.GetRange(rows.Count - fit, fit) : rows.GetRange(0, fit);
            more = true;
        }

        string? next = null, previous = null;
        if (rows.Count > 0)
        {
            if (backwards ? cursor is not null : more) next = Cursor.Encode(binding, false, rows[^1].Keys, rows[^1].Id);
            if (backwards ? more : cursor is not null) previous = Cursor.Encode(binding, true, rows[0].Keys, rows[0].Id);
        }

        var matches = await Versions(connection, rows.Select(r => r.Seq).ToList(), ct);
        var included = await Includes(connection, query, matches, budget - matches.Sum(PageBytes.Of), ct);
        return new SearchPage(matches, included.Resources, total, next, previous, included.Stopped, included.Cut) { RowsRead = read + included.Read, DrivenBy = drivenBy?.Code };
    }

    /// <summary>
    /// The page as a filter over the type's current resources: every clause a set of ids (<c>c.id IN (…)</c>), the
    /// page the first rows in sort order after the cursor. The database computes each clause's whole set, so the
    /// cost grows with the number of matches; <see cref="Driven"/> avoids that where it can.
    /// </summary>
    private static string Filtered(Sql sql, SearchQuery query, List<string> where, List<SortColumn> keys, Cursor? cursor)
    {
        var backwards = cursor?.Backwards == true;
        var idDescending = (keys.Count > 0 && keys[0].Descending) != backwards;
        var select = new StringBuilder("SELECT * FROM (SELECT c.id, c.seq");
        for (var i = 0; i < keys.Count; i++) select.Append($", {SortExpression(sql, keys[i])} AS k{i}");
        select.Append($" FROM resource_current c WHERE {string.Join(" AND ", where)}) x");
        var exprs = keys.Select((k, i) => ($"x.k{i}", k.Descending != backwards)).ToList();
        if (cursor is not null) select.Append(" WHERE ").Append(Keyset(sql, exprs, cursor.Values, "x.id", idDescending));
        select.Append(" ORDER BY ");
        foreach (var (expr, descending) in exprs) select.Append($"{expr} {(descending ? "DESC" : "ASC")}, ");
        select.Append($"x.id {(idDescending ? "DESC" : "ASC")} LIMIT {query.Count + 1}");
        return select.ToString();
    }

    /// <summary>A row of a page: the resource's id and current version, and its sort keys.</summary>
    private sealed record PageRow(string Id, long Seq, object?[] Keys);

    private static async Task<List<PageRow>> ReadRowsAsync(DbConnection connection, string select, Sql sql, int keys, CancellationToken ct)
    {
        var rows = new List<PageRow>();
        await using var command = Command(connection, select, sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var values = new object?[keys];
            for (var i = 0; i < keys; i++) values[i] = reader.IsDBNull(2 + i) ? null : reader.GetValue(2 + i);
            rows.Add(new PageRow(reader.GetString(0), reader.GetInt64(1), values));
        }
        return rows;
    }

    /// <summary>
    /// The clause that can drive a page in id order: one value of a token (<c>system|code</c>, <c>code</c>) or a
    /// reference, a string of one indexed value (a name read as its value; <c>:exact</c>), whose index rows for that
    /// value are stored in id order (the value index ends with the id). Null when no clause can (ranges, prefix strings
    /// of several values, chains, other modifiers, several values).
    /// </summary>
    private static SearchClause? Driver(SearchQuery query) =>
        query.Clauses.FirstOrDefault(c => CanDrive(c) && c.Parameter!.Type != SearchParamType.Date);

    /// <summary>
    /// The clause to drive the page: the id-ordered <see cref="Driver"/>, unless another clause that can drive matches
    /// few rows (at most <see cref="DriverCap"/>, counted by a range read stopped there). A date range that few resources
    /// fall in (<c>code=…&amp;date=ge2020</c>) would otherwise have the walk read every row of a common code before it
    /// found a page, and that walk grows with the data; driving by the small clause reads its rows and sorts them by id.
    /// </summary>
    private async Task<SearchClause?> ChooseDriver(DbConnection connection, SearchQuery query, string baseUrl, CancellationToken ct)
    {
        if (Driver(query) is not { } driver) return null;
        foreach (var clause in query.Clauses)
            if (!ReferenceEquals(clause, driver) && CanDrive(clause) && await FewRowsAsync(connection, query.Type, clause, baseUrl, ct))
                return clause;
        return driver;
    }

    /// <summary>A plain string clause of one value, matched as a prefix of the folded text (no modifier, not phonetic).</summary>
    private static bool IsPrefixString(SearchClause clause) =>
        IsPlain(clause) && clause.Parameter!.Type == SearchParamType.String && clause.Modifier is null && !clause.Parameter.IsPhonetic
        && clause.Values.Count == 1 && SearchText.Normalize(clause.Values[0].Raw).Length > 0;

    /// <summary>
    /// The one indexed value a prefix string clause matches, or null when it matches none or several: the first value
    /// of the prefix range and the next one above it, two index seeks. A name is most often the whole value
    /// (<c>name=Noël</c> → <c>noel</c>), and then the clause is an equality whose rows come in id order
    /// (<see cref="SearchClause.IndexedValue"/>), so the page reads its own rows rather than every resource of the name:
    /// a common name at 1 M practitioners is tens of thousands of them.
    /// </summary>
    private async Task<string?> SingleIndexedValueAsync(DbConnection connection, string type, SearchClause clause, CancellationToken ct)
    {
        var sql = new Sql();
        var prefix = SearchTables.Indexed(SearchText.Normalize(clause.Values[0].Raw))!;
        var upper = prefix[..^1] + (char)(prefix[^1] + 1);
        var p = sql.Arg(prefix);
        // The range of StartsWith, its lower bound apart: each read has one lower bound for the index to seek to (with
        // two, SQLite seeks to one and checks the other on every row of the value). ORDER BY … LIMIT 1 rather than
        // min(): SQLite reads min() from the index only when every condition is on its columns, and substr() is not.
        var rows = $"FROM search_string s WHERE s.type = {sql.Arg(type)} AND s.param = {sql.Arg(clause.Code)} AND s.value < {sql.Arg(upper)} " +
                   $"AND substr(s.value, 1, {prefix.Length.ToString(CultureInfo.InvariantCulture)}) = {p}";
        var text = $"WITH f(v) AS (SELECT s.value {rows} AND s.value >= {p} ORDER BY s.value LIMIT 1) " +
                   $"SELECT f.v, (SELECT s.value {rows} AND s.value > f.v ORDER BY s.value LIMIT 1) FROM f";
        await using var command = Command(connection, text, sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && !reader.IsDBNull(0) && reader.IsDBNull(1) ? reader.GetString(0) : null;
    }

    /// <summary>Whether a clause has at most <see cref="DriverCap"/> index rows: a range read stopped past the cap.</summary>
    private async Task<bool> FewRowsAsync(DbConnection connection, string type, SearchClause clause, string baseUrl, CancellationToken ct)
    {
        var sql = new Sql();
        var text = $"SELECT count(*) FROM ({Ids(sql, type, clause, baseUrl)} LIMIT {DriverCap + 1}) x";
        await using var command = Command(connection, text, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) <= DriverCap;
    }

    /// <summary>
    /// A clause whose rows can drive a page: the id-ordered kinds of <see cref="Driver"/>, and one date value read as a
    /// range of one of the date indexes (any prefix but ne).
    /// </summary>
    private static bool CanDrive(SearchClause clause) =>
        IsPlain(clause) && clause.Values.Count == 1 && clause.Parameter!.Type switch
        {
            SearchParamType.Token => clause.Modifier is null && SplitToken(clause.Values[0].Raw).Code is not null,
            SearchParamType.Reference => clause.Modifier != "identifier",
            SearchParamType.Date => clause.Modifier is null && clause.Values[0].Prefix != "ne",
            SearchParamType.String => clause.IndexedValue is not null || (clause.Modifier == "exact" && ExactValue(clause.Parameter, clause.Values[0].Raw).Length > 0),
            _ => false,
        };

    /// <summary>
    /// The date index a date value is a range of (DateCondition): ge, gt and eb bound the end of the stored interval,
    /// the other prefixes its start.
    /// </summary>
    private static string DateIndex(SearchValue value) => value.Prefix is "ge" or "gt" or "eb" ? "search_date_high" : "search_date_value";

    /// <summary>
    /// The rows to count for <c>_total</c>, one per matching resource. With a plain clause: its index rows grouped by id,
    /// the other clauses checked on each id. Index rows exist for the current version of live resources only, so this
    /// reads one index and no resource_current row; the filter form (every clause a set, each id looked up in
    /// resource_current) costs several times more on a large result. Without a plain clause: the filter form.
    /// </summary>
    private string CountRows(Sql sql, SearchQuery query, List<string> where, CompartmentSpec? compartment, string baseUrl)
    {
        if ((Driver(query) ?? query.Clauses.FirstOrDefault(IsPlain)) is not { } driver)
            return $"SELECT 1 FROM resource_current c WHERE {string.Join(" AND ", where)}";
        var t = sql.Arg(query.Type);
        var conditions = new List<string>();
        foreach (var clause in query.Clauses)
            if (!ReferenceEquals(clause, driver))
                conditions.Add(IsPlain(clause) ? Probe(sql, t, clause, baseUrl) : Condition(sql, query.Type, clause, baseUrl));
        if (compartment is not null) conditions.Add(Compartment(sql, query.Type, compartment));
        var ids = $"SELECT s.id FROM {Table(driver)} s WHERE s.type = {t} AND s.param = {sql.Arg(driver.Code)} AND {AnyValue(sql, driver, baseUrl)} GROUP BY s.id";
        return $"SELECT 1 FROM ({ids}) c" + (conditions.Count > 0 ? " WHERE " + string.Join(" AND ", conditions) : "");
    }

    /// <summary>
    /// A maintained count (SearchTables.CountDdl): one value of one parameter of one index table, the qualifier
    /// (system; target type) empty for any.
    /// </summary>
    private sealed record CountKey(SearchTables.CountedIndex Index, string Type, string Param, string Value, string Qualifier);

    /// <summary>
    /// The count a search's total can be kept as: one clause of one value, a token <c>code</c> or <c>system|code</c>
    /// or a reference <c>id</c> or <c>Type/id</c>, outside a compartment; null otherwise.
    /// </summary>
    private CountKey? Countable(SearchQuery query, CompartmentSpec? compartment, string baseUrl)
    {
        if (compartment is not null || query.Clauses is not [var clause] || !IsPlain(clause) || clause.Values is not [var value]) return null;
        switch (clause.Parameter!.Type)
        {
            case SearchParamType.Token when clause.Modifier is null:
                var (system, code) = SplitToken(value.Raw);
                return code is null || system is { Length: 0 } ? null : new CountKey(SearchTables.Tokens, query.Type, clause.Code, SearchTables.Indexed(code)!, SearchTables.Indexed(system) ?? "");
            case SearchParamType.Reference when clause.Modifier != "identifier":
                var target = ReferenceTarget(clause, value.Raw, baseUrl);
                return target.Url is not null ? null : new CountKey(SearchTables.References, query.Type, clause.Code, SearchTables.Indexed(target.Id)!, target.Type ?? "");
            default:
                return null;
        }
    }

    private static string CountKeyCondition(string alias) =>
        $"{alias}.tbl = @tbl AND {alias}.type = @type AND {alias}.param = @param AND {alias}.value = @value AND {alias}.qualifier = @qualifier";

    private static DbCommand CountCommand(DbConnection connection, DbTransaction? tx, string text, CountKey key) =>
        SqlResourceStore.Command(connection, tx, text,
            ("tbl", key.Index.Tag), ("type", key.Type), ("param", key.Param), ("value", key.Value), ("qualifier", key.Qualifier));

    private static readonly string ReadCountSql =
        $"SELECT k.n + coalesce((SELECT sum(d.d) FROM search_count_delta d WHERE {CountKeyCondition("d")}), 0), " +
        $"(SELECT count(*) FROM search_count_delta d WHERE {CountKeyCondition("d")}) FROM search_count k WHERE {CountKeyCondition("k")}";

    /// <summary>
    /// The maintained count of <paramref name="key"/>, null when it is not kept. The deltas PostgreSQL's writes append
    /// are added up; past <see cref="FoldDeltasAfter"/> of them they are folded into the count, in one statement that
    /// deletes them and adds their sum (a concurrent fold deletes none of the same rows twice: the second waits, then
    /// skips the rows the first deleted).
    /// </summary>
    private static async Task<int?> MaintainedCountAsync(DbConnection connection, CountKey key, CancellationToken ct)
    {
        long count, deltas;
        await using (var command = CountCommand(connection, null, ReadCountSql, key))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            (count, deltas) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        if (deltas > FoldDeltasAfter)
        {
            await using var fold = CountCommand(connection, null,
                $"WITH moved AS (DELETE FROM search_count_delta d WHERE {CountKeyCondition("d")} RETURNING d.d) " +
                $"UPDATE search_count k SET n = n + (SELECT coalesce(sum(d), 0) FROM moved) WHERE {CountKeyCondition("k")}", key);
            await fold.ExecuteNonQueryAsync(ct);
        }
        return (int)Math.Min(count, int.MaxValue);
    }

    /// <summary>
    /// Starts keeping the count of <paramref name="key"/> and returns it: counted in a transaction that no write to the
    /// index table can overlap, so that every write is either in the count or, committed after it, counted by its own
    /// statements (SearchTables.CountDdl). SQLite's write transaction excludes other writers by itself; PostgreSQL takes
    /// the table in SHARE mode, which waits for the writes in progress and holds new ones until the count is stored —
    /// once per value.
    /// </summary>
    private async Task<int> MaintainCountAsync(CountKey key, CancellationToken ct)
    {
        await using var connection = await store.Dialect.OpenAsync(ct);
        await using var tx = await store.Dialect.BeginWriteAsync(connection, ct);
        if (store.Dialect.LockBeforeCount(key.Index.Table) is { } lockSql)
            await using (var lockTable = SqlResourceStore.Command(connection, tx, lockSql))
                await lockTable.ExecuteNonQueryAsync(ct);
        await using (var insert = CountCommand(connection, tx, key.Index.StoreCount, key))
            await insert.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return await MaintainedCountAsync(connection, key, ct) ?? throw new InvalidOperationException("The count just stored is missing.");
    }

    /// <summary>A clause on one parameter's own index rows: no chain, _has, :missing or :not, not a special parameter.</summary>
    private static bool IsPlain(SearchClause clause) =>
        clause is { Parameter: not null, Chain: null, Has: null, Missing: null } && clause.Modifier != "not"
        && clause.Code is not ("_id" or "_lastUpdated" or "_list");

    /// <summary>
    /// The page walked along the driving clause's index in id order from the cursor, each row checked against the
    /// other clauses one resource at a time (EXISTS on the index rows of that resource), stopping after the page:
    /// the cost follows the page size and how many rows the other clauses reject, not the size of the result, so
    /// page 50 costs what page 1 does and a common code costs what a rare one does (search.md, "Query shapes"). A date
    /// driver (ChooseDriver: one with few rows) is read whole and sorted by id instead.
    /// </summary>
    private string Driven(Sql sql, SearchQuery query, SearchClause driver, CompartmentSpec? compartment, string baseUrl, Cursor? cursor)
    {
        var backwards = cursor?.Backwards == true;
        var t = sql.Arg(query.Type);
        var conditions = new List<string>
        {
            $"s.type = {t}", $"s.param = {sql.Arg(driver.Code)}", AnyValue(sql, driver, baseUrl), "NOT c.deleted",
        };
        if (cursor is not null) conditions.Add($"s.id {(backwards ? "<" : ">")} {sql.Arg(cursor.Values[^1])}");
        foreach (var clause in query.Clauses)
        {
            if (ReferenceEquals(clause, driver)) continue;
            conditions.Add(IsPlain(clause) ? Probe(sql, t, clause, baseUrl) : Condition(sql, query.Type, clause, baseUrl));
        }
        if (compartment is not null) conditions.Add(Compartment(sql, query.Type, compartment));
        // GROUP BY the id alone (a resource may have several rows of the value): both databases group rows that come in
        // id order as they come. DISTINCT on (id, seq) made PostgreSQL sort every match, since the index orders the id only.
        // A date driver is not in id order: SQLite, without statistics, would rather walk the (type, id) index to save the
        // sort, reading every date of the type; it is told to read the date range.
        var hint = driver.Parameter!.Type == SearchParamType.Date ? IndexedBy(DateIndex(driver.Values[0])) : "";
        return $"SELECT s.id, max(c.seq) FROM {Table(driver)} s{hint} JOIN resource_current c ON c.type = s.type AND c.id = s.id " +
               $"WHERE {string.Join(" AND ", conditions)} GROUP BY s.id ORDER BY s.id {(backwards ? "DESC" : "ASC")} LIMIT {query.Count + 1}";
    }

    /// <summary>
    /// A clause checked on one resource (<c>c</c>): its index rows found by (type, id). SQLite, which keeps no
    /// statistics, would rather scan the covering value index on the type alone — every row of the type — so it is
    /// told which index to use (<c>INDEXED BY</c>, SQLite's own syntax; PostgreSQL chooses from its statistics).
    /// </summary>
    private string Probe(Sql sql, string typeArg, SearchClause clause, string baseUrl)
    {
        var table = Table(clause);
        return $"EXISTS (SELECT 1 FROM {table} s{IndexedBy(table + "_resource")} WHERE s.type = {typeArg} AND s.id = c.id " +
               $"AND s.param = {sql.Arg(clause.Code)} AND {AnyValue(sql, clause, baseUrl)}{PerRow})";
    }

    /// <summary>See <see cref="SqlDialect.PerRowProbe"/>.</summary>
    private string PerRow => store.Dialect.PerRowProbe;

    /// <summary>
    /// The types that have a resource, in name order: a walk that jumps from one type to the next along the
    /// (type, id) key, a few index reads per type instead of a read of every row.
    /// </summary>
    public async Task<List<string>> StoredTypesAsync(CancellationToken ct)
    {
        await using var connection = await store.Dialect.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "WITH RECURSIVE t(type) AS (SELECT min(type) FROM resource_current " +
            "UNION ALL SELECT (SELECT min(c.type) FROM resource_current c WHERE c.type > t.type) FROM t WHERE t.type IS NOT NULL) " +
            "SELECT type FROM t WHERE type IS NOT NULL";
        var types = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) types.Add(reader.GetString(0));
        types.Sort(StringComparer.Ordinal);
        return types;
    }

    /// <summary>
    /// <c>_list=id</c> (search.html#list): the resources of the type that the List's entries name, as an _id clause;
    /// an entry on another server's base names none of them.
    /// </summary>
    private async Task<SearchClause> ListAsIds(SearchClause clause, string type, string baseUrl, CancellationToken ct)
    {
        if (clause.Code != "_list" || clause.Parameter is not null) return clause;
        var ids = new List<SearchValue>();
        foreach (var value in clause.Values)
        {
            // A value that is no id names no List (and a NUL byte in it would reach the database as an error).
            if (!PrimitiveRules.IsId(value.Raw)) continue;
            var list = await store.ReadAsync("List", value.Raw, ct);
            if (list?.Body is null) continue;
            using var doc = JsonDocument.Parse(list.Body, settings.StoredJsonOptions());
            if (!doc.RootElement.TryGetProperty("entry", out var entries)) continue;
            foreach (var entry in entries.EnumerateArray())
                if (entry.TryGetProperty("item", out var item) && item.TryGetProperty("reference", out var reference)
                    && reference.GetString() is { } literal && (_configuredBases.With(baseUrl).LocalPart(literal) ?? literal) is var r
                    && r.StartsWith(type + "/", StringComparison.Ordinal))
                    ids.Add(new SearchValue("eq", r[(type.Length + 1)..].Split('/')[0]));
        }
        // An empty id list must match nothing: an id no resource can have.
        return clause with { Code = "_id", Values = ids.Count > 0 ? ids : [new SearchValue("eq", "")] };
    }

    /// <summary>
    /// <c>_has</c> is a set of referenced ids: all the resources of the inner clause, then what they refer to. With a
    /// frequent inner value (a common code: 57,000 Observations of 1 M resources) building that set costs more than
    /// the page, and grows with the data. So the inner clause's rows are counted first, up to <see cref="HasSetCap"/>
    /// (an index range read, stopped early); above it the clause is checked per candidate instead (the candidate's
    /// referring resources, one probe each), which costs what the page costs. Only a plain inner clause is counted.
    /// </summary>
    private async Task<SearchClause> PlanHas(DbConnection connection, SearchClause clause, string baseUrl, CancellationToken ct)
    {
        if (clause.Has is not { } has || !IsPlain(has.Inner)) return clause;
        var sql = new Sql();
        var text = $"SELECT count(*) FROM ({Ids(sql, has.SourceType, has.Inner, baseUrl)} LIMIT {HasSetCap + 1}) x";
        await using var command = Command(connection, text, sql);
        var rows = Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        return rows > HasSetCap ? clause with { Has = has with { PerResource = true } } : clause;
    }

    /// <summary>
    /// <c>_has</c> checked on one candidate (<paramref name="column"/>): its references from the source type through the
    /// parameter (search_reference_target is keyed by the target), each referring resource probed for the inner clause
    /// by (type, id).
    /// </summary>
    private string HasPerResource(Sql sql, string type, HasSpec has, string baseUrl, string column)
    {
        var inner = has.Inner;
        var table = Table(inner);
        var source = sql.Arg(has.SourceType);
        return $"EXISTS (SELECT 1 FROM search_reference r{IndexedBy("search_reference_target")} WHERE r.target_type = {sql.Arg(type)} " +
               $"AND r.target_id = {column} AND r.param = {sql.Arg(has.ReferenceParameter)} AND r.type = {source} " +
               $"AND EXISTS (SELECT 1 FROM {table} s{IndexedBy(table + "_resource")} WHERE s.type = {source} AND s.id = r.id " +
               $"AND s.param = {sql.Arg(inner.Code)} AND {AnyValue(sql, inner, baseUrl)}{PerRow}){PerRow})";
    }

    /// <summary>The ids (of <paramref name="type"/>) a clause selects, as a condition on <c>c.id</c>.</summary>
    private string Condition(Sql sql, string type, SearchClause clause, string baseUrl, string column = "c.id")
    {
        if (clause.Has is { PerResource: true } perResource) return HasPerResource(sql, type, perResource, baseUrl, column);
        if (clause.Code == "_id" && clause.Parameter is null && clause.Missing is null)
            return $"{column} IN ({string.Join(", ", clause.Values.Select(v => sql.Arg(v.Raw)))})";
        if (clause.Missing is { } missing)
        {
            var table = Table(clause);
            var present = $"SELECT s.id FROM {table} s WHERE s.type = {sql.Arg(type)} AND s.param = {sql.Arg(clause.Code)}";
            return missing ? $"{column} NOT IN ({present})" : $"{column} IN ({present})";
        }
        var ids = Ids(sql, type, clause, baseUrl);
        return clause.Modifier == "not" ? $"{column} NOT IN ({ids})" : $"{column} IN ({ids})";
    }

    /// <summary>A SELECT of the ids of <paramref name="type"/> that match the clause (ignoring :not, applied by the caller).</summary>
    private string Ids(Sql sql, string type, SearchClause clause, string baseUrl)
    {
        var t = sql.Arg(type);
        if (clause.Has is { } has)
        {
            var inner = Ids(sql, has.SourceType, has.Inner, baseUrl);
            var innerCondition = has.Inner.Modifier == "not" ? $"s.id NOT IN ({inner})" : $"s.id IN ({inner})";
            // SQLite (no statistics) would otherwise range-scan search_reference_target on target_type alone: every
            // reference of any type to the target type. The unary + keeps it on (type, param) of search_reference_value.
            var targetType = store.Dialect.NotForIndex("s.target_type");
            return $"SELECT s.target_id FROM search_reference s WHERE s.type = {sql.Arg(has.SourceType)} AND s.param = {sql.Arg(has.ReferenceParameter)} " +
                   $"AND {targetType} = {t} AND {innerCondition}";
        }
        if (clause.Chain is { } chain)
        {
            // One SELECT per target type, UNION ALL: a reference matches if its target matches that type's clause. ORed
            // in one SELECT, the targets had SQLite read every reference of the parameter and check the OR on each
            // (DocumentReference?patient.identifier= took seconds at 280 k documents, as patient:Patient.identifier= did
            // not); alone, each target is a seek per target id.
            var stored = chain.Targets.Select(target =>
                $"SELECT s.id FROM search_reference s WHERE s.type = {t} AND s.param = {sql.Arg(clause.Code)} " +
                $"AND s.target_type = {sql.Arg(target.Type)} AND {Condition(sql, target.Type, target.Inner, baseUrl, "s.target_id")}");
            // The same chain evaluated inside contained resources (R4 search.html#contained): their rows are the
            // container's, under the chain's name with its type (SearchIndexer.ContainedParam).
            // A contained resource's own links to others of the same container are indexed up to
            // SearchIndexer.ContainedLinks deep (a contained PractitionerRole's #practitioner): a clause already on
            // contained rows (its code has one '.' per contained link) goes on into them while that depth allows.
            var contained = chain.Targets.Where(target => SearchIndexer.ContainedDepth(clause.Code) < SearchIndexer.ContainedLinks && InContained(target.Inner))
                .Select(target => Ids(sql, type, target.Inner with { Code = SearchIndexer.ContainedParam(clause.Code, target.Type, target.Inner.Code) }, baseUrl));
            return string.Join(" UNION ALL ", stored.Concat(contained));
        }
        if (clause.Code == "_id" && clause.Parameter is null)
            return $"SELECT r.id FROM resource_current r WHERE r.type = {t} AND r.id IN ({string.Join(", ", clause.Values.Select(v => sql.Arg(v.Raw)))})";
        if (clause.Code == "_lastUpdated" && clause.Parameter is null)
        {
            var ors = clause.Values.Select(v =>
            {
                var range = Range(v, clause.Code);
                return DateCondition(sql, "r.last_updated", "(r.last_updated + 1000)", v.Prefix, range.Low, range.High);
            });
            return $"SELECT r.id FROM resource_current r WHERE r.type = {t} AND NOT r.deleted AND {AnyOf(ors.ToList())}";
        }
        var p = sql.Arg(clause.Code);
        return $"SELECT s.id FROM {Table(clause)} s WHERE s.type = {t} AND s.param = {p} AND {AnyValue(sql, clause, baseUrl)}";
    }

    /// <summary>
    /// Whether a chain's last link can be matched on the rows of contained resources: a parameter's own values, or a
    /// chain from there to stored resources (a contained PractitionerRole's <c>organization.name</c>). Not
    /// <c>:not</c>, <c>:missing</c>, <c>_has</c>, <c>_id</c> or <c>_lastUpdated</c> (which contained resources have
    /// no rows of).
    /// </summary>
    private static bool InContained(SearchClause inner) =>
        inner is { Parameter: not null, Has: null, Missing: null } && inner.Modifier != "not";

    /// <summary>
    /// A clause's values, ORed, on index rows aliased <c>s</c>. Values that are one column's equality (a token's bare
    /// code, a reference's bare id) become one <c>IN</c> list, which both databases read as index seeks; the others an
    /// OR tree (<see cref="AnyOf"/>). Up to <see cref="ServerSettings.MaxOrValues"/> values (the parser refuses more).
    /// </summary>
    private string AnyValue(Sql sql, SearchClause clause, string baseUrl)
    {
        var conditions = new List<string>();
        if (clause.IndexedValue is { } indexed) return $"(s.value = {sql.Arg(indexed)})";
        var column = clause.Parameter!.Type switch
        {
            SearchParamType.Token when clause.Modifier is null => "s.code",
            SearchParamType.Reference when clause.Modifier is null => "s.target_id",
            _ => null,
        };
        var equal = new List<string>();
        foreach (var value in clause.Values)
        {
            if (column is not null && EqualityValue(clause, value.Raw, baseUrl) is { } single) equal.Add(single);
            else conditions.Add(ValueCondition(sql, clause, value, baseUrl));
        }
        if (equal.Count == 1) conditions.Add($"{column} = {sql.Arg(equal[0])}");
        else if (equal.Count > 1) conditions.Add($"{column} IN ({string.Join(", ", equal.Distinct(StringComparer.Ordinal).Select(sql.Arg))})");
        return AnyOf(conditions);
    }

    /// <summary>The one column value a token or reference value asks for, when it names nothing else (no system, no type, no URL).</summary>
    private string? EqualityValue(SearchClause clause, string raw, string baseUrl)
    {
        if (clause.Parameter!.Type == SearchParamType.Token)
            return SplitToken(raw) is (null, { } code) ? code : null;
        var target = ReferenceTarget(clause, raw, baseUrl);
        return target is (null, _, null, { Length: > 0 } id) ? id : null;
    }

    /// <summary>
    /// Conditions ORed as a balanced tree: SQLite refuses an expression deeper than 1,000, which a chain of a thousand
    /// ORs is; a balanced tree of them is ten deep.
    /// </summary>
    private static string AnyOf(IReadOnlyList<string> conditions) => conditions.Count switch
    {
        0 => "1 = 0",
        1 => "(" + conditions[0] + ")",
        _ => "(" + AnyOf(conditions.Take(conditions.Count / 2).ToList()) + " OR " + AnyOf(conditions.Skip(conditions.Count / 2).ToList()) + ")",
    };

    private string IndexedBy(string index) => store.Dialect.IndexHint(index);

    private static string Table(SearchClause clause) => (clause.Parameter?.Type ?? (clause.Code == "_id" ? SearchParamType.Token : SearchParamType.Date)) switch
    {
        SearchParamType.String => "search_string",
        SearchParamType.Token => "search_token",
        SearchParamType.Reference => "search_reference",
        SearchParamType.Date => "search_date",
        SearchParamType.Number => "search_number",
        SearchParamType.Quantity => "search_quantity",
        SearchParamType.Uri => "search_uri",
        SearchParamType.Composite => "search_composite",
        var other => throw FhirException.NotSupported($"{other} parameters are not supported yet."),
    };

    private string ValueCondition(Sql sql, SearchClause clause, SearchValue value, string baseUrl)
    {
        var raw = value.Raw;
        switch (clause.Parameter!.Type)
        {
            case SearchParamType.String:
                if (clause.Modifier == "exact") return ExactCondition(sql, clause.Parameter, raw);
                // Indexed as phonetic keys: the value's key, the whole key (a prefix of a key is not a sound).
                if (clause.Parameter.IsPhonetic && clause.Modifier is null) return $"s.value = {sql.Arg(PhoneticKey.Of(raw))}";
                var normalized = SearchText.Normalize(raw);
                if (clause.Modifier == "contains") return $"s.value LIKE {sql.Pattern("%" + EscapeLike(SearchTables.Indexed(normalized)!) + "%")} ESCAPE '\\'";
                return StartsWith(sql, "s.value", normalized);
            case SearchParamType.Token:
            {
                // :text compares with the normalized display / text (case and accents folded, as strings are).
                if (clause.Modifier == "text") return StartsWith(sql, "s.text", SearchText.Normalize(raw));
                if (clause.Modifier == "of-type")
                {
                    // identifier:of-type=type-system|type-code|value (search.html, "of-type").
                    var ofType = raw.Split('|');
                    if (ofType.Length != 3 || ofType.Any(x => x.Length == 0))
                        throw FhirException.BadRequest($"{clause.Code}:of-type takes type-system|type-code|value, not '{raw}'.", clause.Code);
                    return $"(s.type_system = {sql.Arg(ofType[0])} AND s.type_code = {sql.Arg(ofType[1])} AND s.code = {sql.Arg(ofType[2])})";
                }
                var (system, code) = SplitToken(raw);
                var parts = new List<string>();
                if (code is not null) parts.Add($"s.code = {sql.Arg(code)}");
                if (system is { Length: 0 }) parts.Add("s.system IS NULL");
                else if (system is not null) parts.Add($"s.system = {sql.Arg(system)}");
                return parts.Count == 0 ? "1 = 0" : "(" + string.Join(" AND ", parts) + ")";
            }
            case SearchParamType.Reference:
            {
                if (clause.Modifier == "identifier")
                {
                    var (system, code) = SplitToken(raw);
                    var parts = new List<string>();
                    if (code is not null) parts.Add($"s.identifier_value = {sql.Arg(code)}");
                    if (system is { Length: > 0 }) parts.Add($"s.identifier_system = {sql.Arg(system)}");
                    return parts.Count == 0 ? "1 = 0" : "(" + string.Join(" AND ", parts) + ")";
                }
                var (url, version, type, id) = ReferenceTarget(clause, raw, baseUrl);
                if (url is not null)
                    return version is not null ? $"(s.url = {sql.Arg(url)} AND s.version = {sql.Arg(version)})" : $"s.url = {sql.Arg(url)}";
                return type is null
                    ? $"s.target_id = {sql.Arg(id)}"
                    : $"(s.target_id = {sql.Arg(id)} AND s.target_type = {sql.Arg(type)})";
            }
            case SearchParamType.Date:
            {
                var range = Range(value, clause.Code);
                return DateCondition(sql, "s.low", "s.high", value.Prefix, range.Low, range.High);
            }
            case SearchParamType.Number:
                return NumberCondition(sql, "s.value", value.Prefix, raw, clause.Code);
            case SearchParamType.Quantity:
            {
                var parts = SplitQuantity(raw);
                var condition = NumberCondition(sql, "s.value", value.Prefix, parts[0], clause.Code);
                var system = parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null;
                var code = parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null;
                if (code is not null)
                    condition += system is null
                        ? $" AND (s.code = {sql.Arg(code)} OR s.unit = {sql.Arg(code)})"
                        : $" AND s.code = {sql.Arg(code)} AND s.system = {sql.Arg(system)}";
                // UCUM: also compare in canonical units, so 0.25 g finds 250 mg (search.html#quantity).
                if (code is not null && NumericValues.CanonicalUnit(system ?? NumericValues.UcumSystem, code) is { } unit
                    && decimal.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    var canonical = NumberCondition(sql, "s.canonical_value", value.Prefix, parts[0], clause.Code, unit.Factor);
                    return $"(({condition}) OR (s.canonical_code = {sql.Arg(unit.Code)} AND {canonical}))";
                }
                return "(" + condition + ")";
            }
            case SearchParamType.Uri:
                return clause.Modifier switch
                {
                    "below" => StartsWith(sql, "s.uri", raw),
                    "above" => $"substr({sql.Arg(raw)}, 1, length(s.uri)) = s.uri",
                    _ => $"s.uri = {sql.Arg(raw)}",
                };
            case SearchParamType.Composite:
                return CompositeCondition(sql, clause, raw);
            default:
                throw FhirException.NotSupported($"{clause.Parameter.Type} parameters are not supported yet.");
        }
    }

    /// <summary>
    /// What a reference value points at: a canonical or external URL (with the <c>|version</c> split off), or a type
    /// (from the value or the <c>:[type]</c> modifier; null for any) and an id. This server's base URLs (the request's
    /// and the configured ones) and <c>/_history/n</c> are dropped: the index holds the resource, not a version. An
    /// absolute URL on another base stays a URL, matched only by the URL of an external reference (ServerBases).
    /// </summary>
    private (string? Url, string? Version, string? Type, string Id) ReferenceTarget(SearchClause clause, string raw, string baseUrl)
    {
        var target = _configuredBases.With(baseUrl).LocalPart(raw) ?? raw;
        var history = target.IndexOf("/_history/", StringComparison.Ordinal);
        if (history > 0) target = target[..history];
        if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("urn:", StringComparison.Ordinal))
        {
            var bar = target.IndexOf('|');
            return bar > 0 ? (target[..bar], target[(bar + 1)..], null, "") : (target, null, null, "");
        }
        var slash = target.LastIndexOf('/');
        return (null, null, clause.Modifier ?? (slash > 0 ? target[..slash] : null), slash > 0 ? target[(slash + 1)..] : target);
    }

    /// <summary><c>code-value-quantity=http://loinc.org|8480-6$lt60</c>: each '$'-separated part on its component's columns.</summary>
    private string CompositeCondition(Sql sql, SearchClause clause, string raw)
    {
        var components = clause.Parameter!.Components;
        var parts = raw.Split('$');
        if (parts.Length > components.Count || components.Count > 2)
            throw FhirException.BadRequest($"{clause.Code}: '{raw}' has {parts.Length} parts; the parameter has {components.Count} components.", clause.Code);
        var conditions = new List<string>();
        for (var i = 0; i < parts.Length; i++)
        {
            var c = $"s.c{i + 1}_";
            var part = parts[i];
            var prefix = "eq";
            if (part.Length > 2 && part[..2] is "eq" or "ne" or "gt" or "lt" or "ge" or "le" or "sa" or "eb" or "ap" && (char.IsDigit(part[2]) || part[2] is '-' or '.'))
                (prefix, part) = (part[..2], part[2..]);
            switch (components[i].Type)
            {
                case SearchParamType.Token:
                {
                    var (system, code) = SplitToken(part);
                    if (code is not null) conditions.Add($"{c}text = {sql.Arg(code)}");
                    if (system is { Length: > 0 }) conditions.Add($"{c}system = {sql.Arg(system)}");
                    break;
                }
                case SearchParamType.String:
                    conditions.Add(StartsWith(sql, c + "text", SearchText.Normalize(part)));
                    break;
                case SearchParamType.Reference or SearchParamType.Uri:
                    conditions.Add($"{c}text = {sql.Arg(part)}");
                    break;
                case SearchParamType.Number:
                    conditions.Add(NumberCondition(sql, c + "num", prefix, part, clause.Code));
                    break;
                case SearchParamType.Quantity:
                {
                    var q = part.Split('|');
                    conditions.Add(NumberCondition(sql, c + "num", prefix, q[0], clause.Code));
                    if (q.Length > 2 && q[2].Length > 0) conditions.Add($"{c}text = {sql.Arg(q[2])}");
                    if (q.Length > 1 && q[1].Length > 0) conditions.Add($"{c}system = {sql.Arg(q[1])}");
                    break;
                }
                case SearchParamType.Date:
                {
                    var range = Range(new SearchValue(prefix, part), clause.Code);
                    conditions.Add(DateCondition(sql, c + "date_low", c + "date_high", prefix, range.Low, range.High));
                    break;
                }
                default:
                    throw FhirException.NotSupported($"{clause.Code}: its component {i + 1} has a type this server cannot search on.");
            }
        }
        return conditions.Count == 0 ? "1 = 1" : "(" + string.Join(" AND ", conditions) + ")";
    }

    /// <summary>
    /// <c>:exact</c> (R4 search.html §2.1.1.5.2): the stored text equal to the value. No index has the <c>exact</c>
    /// column, but a row's <c>value</c> is a function of it: the normalized text, the phonetic key of a phonetic
    /// parameter, the word itself for the words of <c>_content</c> and <c>_text</c> (SearchIndexer). So the rows of the
    /// exact text are among those of its value, which <c>search_string_value</c> finds by a seek; the exact text is then
    /// checked on those few. Comparing <c>exact</c> alone read every string row of the parameter: 27 s a request at
    /// 440,000 Practitioners for <c>name:exact</c>. Those rows come in id order along that index, so the clause can drive a page (<see cref="CanDrive"/>).
    /// </summary>
    private static string ExactCondition(Sql sql, SearchParameterInfo parameter, string raw)
    {
        var value = ExactValue(parameter, raw);
        // A text whose value is empty (blank; no letter for a phonetic key) has no row: the indexer drops empty values.
        if (value.Length == 0) return "1 = 0";
        return $"(s.value = {sql.Arg(value)} AND s.exact = {sql.Arg(raw)})";
    }

    /// <summary>The <c>value</c> column of the rows whose <c>exact</c> column is <paramref name="raw"/>.</summary>
    private static string ExactValue(SearchParameterInfo parameter, string raw) =>
        parameter.Code is "_content" or "_text" ? raw
        : parameter.IsPhonetic ? PhoneticKey.Of(raw)
        : SearchText.Normalize(raw);

    /// <summary>Starts-with as an index range (value ≥ prefix and &lt; the next prefix) checked exactly with substr.</summary>
    private static string StartsWith(Sql sql, string column, string prefix)
    {
        if (prefix.Length == 0) return "1 = 1";
        prefix = SearchTables.Indexed(prefix)!;
        var upper = prefix[..^1] + (char)(prefix[^1] + 1);
        return $"({column} >= {sql.Arg(prefix)} AND {column} < {sql.Arg(upper)} AND substr({column}, 1, {prefix.Length.ToString(CultureInfo.InvariantCulture)}) = {sql.Arg(prefix)})";
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    /// <summary><c>system|code</c>, <c>|code</c> (system empty string: no system), <c>system|</c>, or <c>code</c>; <c>\|</c> is a literal bar.</summary>
    internal static (string? System, string? Code) SplitToken(string raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 1 < raw.Length) { i++; continue; }
            if (raw[i] != '|') continue;
            var system = raw[..i].Replace("\\|", "|");
            var code = raw[(i + 1)..].Replace("\\|", "|");
            return (system, code.Length == 0 ? null : code);
        }
        return (null, raw.Replace("\\|", "|"));
    }

    private static string[] SplitQuantity(string raw) => raw.Split('|');

    private static DateRange Range(SearchValue value, string code) =>
        DateRange.TryParse(value.Raw, out var range)
            ? range
            : throw FhirException.BadRequest($"{code}: '{value.Prefix}{value.Raw}' is not a date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime).", code);

    /// <summary>Comparisons of the stored interval [low, high) with the searched one (R4 search.html#prefix).</summary>
    private string DateCondition(Sql sql, string low, string high, string prefix, DateTimeOffset from, DateTimeOffset to)
    {
        var lo = SqlResourceStore.Micros(from);
        var hi = SqlResourceStore.Micros(to);
        string Within() => $"({low} >= {sql.Arg(lo)} AND {high} <= {sql.Arg(hi)})";
        // eq, ge and le also get a bound they imply (every stored interval ends after it starts), so that each prefix
        // but ne is a range of the index on low or of the one on high (DateIndex) rather than a check of every row.
        return prefix switch
        {
            "eq" => $"({low} < {sql.Arg(hi)} AND {Within()})",
            "ne" => $"NOT {Within()}",
            "gt" => $"{high} > {sql.Arg(hi)}",
            "lt" => $"{low} < {sql.Arg(lo)}",
            "ge" => $"({high} > {sql.Arg(lo)} AND ({high} > {sql.Arg(hi)} OR {Within()}))",
            "le" => $"({low} < {sql.Arg(hi)} AND ({low} < {sql.Arg(lo)} OR {Within()}))",
            "sa" => $"{low} >= {sql.Arg(hi)}",
            "eb" => $"{high} <= {sql.Arg(lo)}",
            _ => Approximately(),
        };

        string Approximately()
        {
            // ap: 10% of the distance between the value and now, on each side (search.html#prefix).
            var now = SqlResourceStore.Micros(clock.GetUtcNow());
            var margin = Math.Abs(now - lo) / 10;
            return $"({low} < {sql.Arg(hi + margin)} AND {high} > {sql.Arg(lo - margin)})";
        }
    }

    /// <summary>
    /// A number compared with the precision it was written with: <c>100</c> is [99.5, 100.5). A factor converts the
    /// searched value into the stored column's units (canonical UCUM).
    /// </summary>
    private static string NumberCondition(Sql sql, string column, string prefix, string raw, string code, decimal factor = 1m)
    {
        if (!NumericValues.TryParse(raw, out var number, out var low, out var high))
            throw FhirException.BadRequest($"{code}: '{raw}' is not a number.", code);
        // Bounds in decimal, then to double: 0.8 + 0.05 must be the same double as a stored 0.85.
        var (v, lo, hi) = ((double)(number * factor), (double)(low * factor), (double)(high * factor));
        return prefix switch
        {
            "eq" => $"({column} >= {sql.Arg(lo)} AND {column} < {sql.Arg(hi)})",
            "ne" => $"NOT ({column} >= {sql.Arg(lo)} AND {column} < {sql.Arg(hi)})",
            "gt" or "sa" => $"{column} > {sql.Arg(v)}",
            "lt" or "eb" => $"{column} < {sql.Arg(v)}",
            "ge" => $"{column} >= {sql.Arg(v)}",
            "le" => $"{column} <= {sql.Arg(v)}",
            _ => $"({column} >= {sql.Arg(v - Math.Abs(v) * 0.1)} AND {column} <= {sql.Arg(v + Math.Abs(v) * 0.1)})",
        };
    }

    private static string Compartment(Sql sql, string type, CompartmentSpec compartment)
    {
        var conditions = new List<string>();
        if (compartment.Parameters.Count > 0)
            conditions.Add($"c.id IN (SELECT s.id FROM search_reference s WHERE s.type = {sql.Arg(type)} AND s.param IN ({string.Join(", ", compartment.Parameters.Select(sql.Arg))}) " +
                           $"AND s.target_type = {sql.Arg(compartment.OwnerType)} AND s.target_id = {sql.Arg(compartment.OwnerId)})");
        if (compartment.IncludesOwner) conditions.Add($"c.id = {sql.Arg(compartment.OwnerId)}");
        return conditions.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", conditions) + ")";
    }

    /// <summary>
    /// Rows after the cursor in the walk order: (k0, k1, …, id) compared lexicographically, each key in its direction.
    /// <paramref name="values"/> are the cursor's keys then its id.
    /// </summary>
    private static string Keyset(Sql sql, IReadOnlyList<(string Expr, bool Descending)> keys, object?[] values, string id, bool idDescending)
    {
        var ors = new List<string>();
        for (var i = 0; i <= keys.Count; i++)
        {
            var ands = new List<string>();
            for (var j = 0; j < i; j++) ands.Add($"{keys[j].Expr} = {sql.Arg(values[j])}");
            ands.Add(i < keys.Count
                ? $"{keys[i].Expr} {(keys[i].Descending ? "<" : ">")} {sql.Arg(values[i])}"
                : $"{id} {(idDescending ? "<" : ">")} {sql.Arg(values[^1])}");
            ors.Add("(" + string.Join(" AND ", ands) + ")");
        }
        return "(" + string.Join(" OR ", ors) + ")";
    }

    /// <summary>The bytes of the stored bodies of <paramref name="seqs"/>, in their order, read without the bodies.</summary>
    private async Task<List<long>> SizesAsync(DbConnection connection, IReadOnlyList<long> seqs, CancellationToken ct)
    {
        if (seqs.Count == 0) return [];
        // length() of a BLOB (SQLite) or bytea (PostgreSQL) is its byte count, read from the value's header.
        // A Binary's data kept apart counts as the base64 it is answered as (its size is on the version).
        var bySeq = await BySeqAsync(connection, "coalesce(length(body), 0) + coalesce((content + 2) / 3 * 4 + 10, 0)", seqs,
            r => Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), ct);
        return [.. seqs.Select(s => bySeq.GetValueOrDefault(s))];
    }

    /// <summary>Rows of <c>resource</c> by seq: <c>seq</c>, then <paramref name="columns"/>, each read by <paramref name="read"/>.</summary>
    private static async Task<Dictionary<long, T>> BySeqAsync<T>(DbConnection connection, string columns, IReadOnlyList<long> seqs,
        Func<DbDataReader, T> read, CancellationToken ct)
    {
        var sql = new Sql();
        var list = string.Join(", ", seqs.Select(s => sql.Arg(s)));
        await using var command = Command(connection, $"SELECT seq, {columns} FROM resource WHERE seq IN ({list})", sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var bySeq = new Dictionary<long, T>();
        while (await reader.ReadAsync(ct)) bySeq[reader.GetInt64(0)] = read(reader);
        return bySeq;
    }

    private async Task<List<StoredVersion>> Versions(DbConnection connection, IReadOnlyList<long> seqs, CancellationToken ct)
    {
        if (seqs.Count == 0) return [];
        var bySeq = await BySeqAsync(connection, SqlResourceStore.VersionColumns("resource", seq: false), seqs, r => SqlResourceStore.Read(r), ct);
        return seqs.Where(bySeq.ContainsKey).Select(s => bySeq[s]).ToList();
    }

    /// <summary>
    /// _include and _revinclude (with :iterate), fetched by id batches, never one query per resource; Stopped when
    /// :iterate had more to follow after <see cref="ServerSettings.MaxIncludeIterations"/> rounds, or when what they
    /// reached would take the page past <paramref name="budget"/> bytes (<see cref="ServerSettings.MaxPageBytes"/>).
    /// </summary>
    private async Task<(List<StoredVersion> Resources, bool Stopped, bool Cut, int Read)> Includes(DbConnection connection, SearchQuery query,
        List<StoredVersion> matches, long budget, CancellationToken ct)
    {
        if (matches.Count == 0 || (query.Includes.Count == 0 && query.RevIncludes.Count == 0)) return ([], false, false, 0);
        var read = 0;
        var seen = new HashSet<(string, string)>(matches.Select(m => (m.Type, m.Id)));
        var result = new List<StoredVersion>();
        var frontier = matches;
        var rounds = 1 + settings.MaxIncludeIterations;
        for (var round = 0; round < rounds && frontier.Count > 0; round++)
        {
            var found = new List<(string Type, string Id)>();
            foreach (var group in frontier.GroupBy(v => v.Type))
            {
                var ids = group.Select(v => v.Id).ToList();
                foreach (var spec in query.Includes.Where(s => (round == 0 || s.Iterate) && (s.SourceType == "*" || s.SourceType == group.Key)))
                {
                    var sql = new Sql();
                    // By (type, id): SQLite, without statistics, would scan the parameter's whole value index instead
                    // (every practitioner reference of every Encounter to include those of one page).
                    var text = $"SELECT DISTINCT s.target_type, s.target_id FROM search_reference s{IndexedBy("search_reference_resource")} WHERE s.type = {sql.Arg(group.Key)} " +
                               $"AND s.id IN ({string.Join(", ", ids.Select(sql.Arg))}) AND s.target_type IS NOT NULL AND s.target_id IS NOT NULL";
                    if (spec.Parameter is not null) text += $" AND s.param = {sql.Arg(spec.Parameter)}";
                    if (spec.TargetType is not null) text += $" AND s.target_type = {sql.Arg(spec.TargetType)}";
                    await using var command = Command(connection, text, sql);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct)) found.Add((reader.GetString(0), reader.GetString(1)));
                }
                foreach (var spec in query.RevIncludes.Where(s => (round == 0 || s.Iterate) && (s.TargetType is null || s.TargetType == group.Key)))
                {
                    var sql = new Sql();
                    var text = $"SELECT DISTINCT s.type, s.id FROM search_reference s WHERE s.target_type = {sql.Arg(group.Key)} " +
                               $"AND s.target_id IN ({string.Join(", ", ids.Select(sql.Arg))})";
                    if (spec.SourceType != "*") text += $" AND s.type = {sql.Arg(spec.SourceType)}";
                    if (spec.Parameter is not null) text += $" AND s.param = {sql.Arg(spec.Parameter)}";
                    await using var command = Command(connection, text, sql);
                    await using var reader = await command.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct)) found.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
            read += found.Count;
            var fresh = found.Where(seen.Add).ToList();
            var seqs = await CurrentSeqs(connection, fresh, ct);
            var sizes = await SizesAsync(connection, seqs, ct);
            var fit = PageBytes.Fit(sizes, budget, atLeastOne: false);
            frontier = await Versions(connection, seqs.GetRange(0, fit), ct);
            result.AddRange(frontier);
            if (fit < seqs.Count) return (result, false, true, read);
            budget -= sizes.Sum();
        }
        var iterates = query.Includes.Concat(query.RevIncludes).Any(s => s.Iterate);
        return (result, iterates && frontier.Count > 0, false, read);
    }

    private async Task<List<long>> CurrentSeqs(DbConnection connection, List<(string Type, string Id)> keys, CancellationToken ct)
    {
        var seqs = new List<long>();
        foreach (var group in keys.GroupBy(k => k.Type))
        {
            var sql = new Sql();
            var text = $"SELECT c.seq FROM resource_current c WHERE c.type = {sql.Arg(group.Key)} AND NOT c.deleted AND c.id IN ({string.Join(", ", group.Select(k => sql.Arg(k.Id)))})";
            await using var command = Command(connection, text, sql);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) seqs.Add(reader.GetInt64(0));
        }
        return seqs;
    }

    private static DbCommand Command(DbConnection connection, string text, Sql sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        foreach (var (name, value) in sql.Args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }
}
