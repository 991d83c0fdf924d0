namespace FhirServer;

/// <summary>
/// The server's own settings (section <c>Server</c> of the configuration; command-line switches map onto them, see
/// <see cref="Hosting.ServerApp"/>).
/// </summary>
public sealed class ServerSettings
{
    /// <summary><c>sqlite</c> (default, a file under <see cref="DataDirectory"/>) or <c>postgres</c> (<see cref="Connection"/>).</summary>
    public string Store { get; set; } = "sqlite";

    /// <summary>Where the SQLite file lives.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>PostgreSQL connection string (Npgsql syntax).</summary>
    public string? Connection { get; set; }

    /// <summary>Larger request bodies are refused with 413.</summary>
    public long MaxRequestBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// Longer request lines (method, path and query, protocol) are refused with 414 and an OperationOutcome that points
    /// to <c>POST [type]/_search</c>; Kestrel refuses those over four times as long itself (Http.RequestLimits).
    /// </summary>
    public int MaxRequestLineBytes { get; set; } = 32 * 1024;

    /// <summary>Request header sections larger than this (names and values) are refused with 431 and an OperationOutcome.</summary>
    public int MaxRequestHeaderBytes { get; set; } = 32 * 1024;

    /// <summary>Requests with more header fields than this are refused with 431 and an OperationOutcome.</summary>
    public int MaxRequestHeaders { get; set; } = 100;

    /// <summary>Whether PUT on an id that does not exist creates the resource (R4 http.html#upsert).</summary>
    public bool UpdateCreate { get; set; } = true;

    /// <summary>History page size when the client gives no <c>_count</c>, and the largest it may ask for.</summary>
    public int DefaultPageSize { get; set; } = 50;
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>Entries a batch or transaction Bundle may hold.</summary>
    public int MaxBundleEntries { get; set; } = 10_000;

    /// <summary>
    /// Whether <c>_text</c> and <c>_content</c> can be searched: the words of each resource's narrative and texts are
    /// then indexed (FullText in Conformance/Search), which makes every write several times larger. Off by default;
    /// switching it rebuilds the search index at the next start.
    /// </summary>
    public bool FullText { get; set; }

    /// <summary>
    /// An accurate total (<c>_total=accurate</c>) of one token or reference value that reaches this many resources is
    /// kept up to date from then on by the writes, so that counting it again costs a lookup (docs/search.md,
    /// "Maintained counts"). Below it, counting is cheap enough as it is.
    /// </summary>
    public int MaintainedCountFrom { get; set; } = 10_000;

    /// <summary>
    /// OR values one search parameter may have (<c>code=a,b,c</c>); more are refused with 400. Each value is a condition
    /// of the query the database plans and runs (an equality of an IN list, or a range), so the limit bounds a query's
    /// size and planning time; 1,000 covers the lists clients build from a previous page (a page is at most
    /// <see cref="MaxPageSize"/> resources) and keeps a date or quantity clause (four SQL parameters a value) far
    /// below SQLite's 32,766 parameters per statement.
    /// </summary>
    public int MaxOrValues { get; set; } = 1_000;

    /// <summary>
    /// The web origins whose browser apps (SMART apps in a portal) may call this server (CORS), separated by commas:
    /// <c>*</c> (the default) for any, as a FHIR API whose access is by bearer token rather than cookie can afford;
    /// empty for none (the browser then refuses cross-origin calls).
    /// </summary>
    public string CorsOrigins { get; set; } = "*";
}
