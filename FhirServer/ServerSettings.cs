namespace FhirServer;

/// <summary>
/// The server's own settings (section <c>Server</c> of the configuration; command-line switches map onto them, see
/// <see cref="Hosting.ServerApp"/>).
/// </summary>
public sealed class ServerSettings
{
    /// <summary><c>sqlite</c> (default, a file under <see cref="DataDirectory"/>) or <c>postgres</c> (<see cref="Connection"/>).</summary>
    public string Store { get; set; } = "sqlite";

    /// <summary>Where the SQLite file lives, relative to the working directory (not to the executable).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>PostgreSQL connection string (Npgsql syntax).</summary>
    public string? Connection { get; set; }

    /// <summary>
    /// SQLite: the size the write-ahead log is kept near. Past it the writer, between two transactions, copies the log
    /// into the database and waits for the reads still on it (at most 10 s) so that the log starts over, and the file
    /// is cut back to this size (Storage.WalBound). Without it, steady writes with reads in progress kept the log from
    /// ever starting over: over 1 GB after a burst of 2 MB writes. A lower value costs more checkpoints.
    /// </summary>
    public long SqliteWalLimitBytes { get; set; } = Storage.SqliteDialect.DefaultWalLimitBytes;

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

    /// <summary>
    /// Identifier systems whose values are unique within a resource type, separated by commas (empty: none). A write
    /// that would give a second resource of the type an identifier (system and value) of one of them is refused with
    /// 409, naming the resource that has it (Rest.UniqueIdentifiers). The default is the INS-NIR and its test and demo
    /// systems (French Core, fr-core-patient-ins): one INS is one person, and two Patients with it would split that
    /// person's record. The INS-NIA (…4.9) is not in it: a temporary number, which an operator may add.
    /// </summary>
    public string UniqueIdentifiers { get; set; } = "urn:oid:1.2.250.1.213.1.4.8,urn:oid:1.2.250.1.213.1.4.10,urn:oid:1.2.250.1.213.1.4.11";

    /// <summary>Whether PUT on an id that does not exist creates the resource (R4 http.html#upsert).</summary>
    public bool UpdateCreate { get; set; } = true;

    /// <summary>History page size when the client gives no <c>_count</c>, and the largest it may ask for.</summary>
    public int DefaultPageSize { get; set; } = 50;
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>
    /// Bytes of stored resource bodies one search or history page may carry (matches and includes together): a page
    /// stops at the resource that would pass it, and its <c>next</c> link continues from there; it always carries at
    /// least one match. Without it, 1,000 resources of a few MB each made answers of 159 MB taking 14 s. The default
    /// is the request limit's (<see cref="MaxRequestBytes"/>): a client can page through whatever it could send.
    /// </summary>
    public long MaxPageBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// Elements one resource may hold (every node of its tree, each repeat and each primitive, but the <c>id</c> and
    /// <c>meta</c> the server sets), counted before it is
    /// indexed and stored; past it the write is refused with 413. The largest real resources seen are far below: the
    /// largest in the packages this server loads is a collection Bundle of the terminology package (224,000 elements,
    /// 8.4 MB), the FHIR core ImplementationGuide has 108,000 and the SNOMED GPS expansion 79,000. A resource past
    /// half a million elements is a machine's output or an attack, and would cost its index rows and write time.
    /// </summary>
    public int MaxResourceElements { get; set; } = 500_000;

    /// <summary>Entries a batch or transaction Bundle may hold; also the validations of one ValueSet/$batch-validate-code.</summary>
    public int MaxBundleEntries { get; set; } = 10_000;

    /// <summary>
    /// Links of a search chain (<c>subject.organization.partof.name</c> has three) and reverse chains
    /// (<c>_has:…:_has:…</c>), counted together however they nest: each is one more join. More are refused with 400.
    /// </summary>
    public int MaxChainDepth { get; set; } = 4;

    /// <summary><c>_include</c> and <c>_revinclude</c> parameters a search may carry (each one more query per round); more are refused with 400.</summary>
    public int MaxIncludes { get; set; } = 20;

    /// <summary>
    /// Rounds of <c>_include:iterate</c> / <c>_revinclude:iterate</c> after the first (R4 search.html#revinclude lets a
    /// server limit them): a search that would go further stops there and says so in its OperationOutcome entry.
    /// </summary>
    public int MaxIncludeIterations { get; set; } = 3;

    /// <summary>
    /// The deepest nesting of a resource a client sends, in levels of FHIR JSON (objects and arrays; XML elements may
    /// nest half as deep): deeper ones are refused with 400 (<see cref="Conformance.Serialization.ParserOptions.MaxDepth"/>).
    /// Raise it with care: the writers, the search indexer, FHIRPath, the views and patching walk a resource
    /// recursively, and were measured safe at four times the default (docs/conformance.md, "Nesting limits").
    /// </summary>
    public int MaxResourceDepth { get; set; } = Conformance.Serialization.ParserOptions.Default.MaxDepth;

    /// <summary>Options for reading back resource JSON this server stored or generated: as deep as it accepts.</summary>
    public System.Text.Json.JsonDocumentOptions StoredJsonOptions() => new() { MaxDepth = MaxResourceDepth };

    /// <summary>
    /// The deepest nesting of a FHIRPath expression a client sends (the <c>path</c> of a FHIRPath Patch): deeper ones
    /// are refused with 400 before they are compiled, since parsing and evaluating recurse once per level
    /// (<see cref="Conformance.FhirPath.FhirPathLimits.MaxDepth"/>; docs/fhirpath.md, "Limits").
    /// </summary>
    public int FhirPathMaxDepth { get; set; } = Conformance.FhirPath.FhirPathLimits.Default.MaxDepth;

    /// <summary>The longest FHIRPath expression a client may send, in characters; longer ones are refused with 400.</summary>
    public int FhirPathMaxLength { get; set; } = Conformance.FhirPath.FhirPathLimits.Default.MaxLength;

    /// <summary>
    /// Resources that the search and history entries of one batch or transaction Bundle may answer with in all (each
    /// entry counts its page, <c>_count</c>, before it runs, and what it found after). An entry over it is refused with
    /// 422 <c>too-costly</c>: a batch's alone, a transaction whole and before it writes. The default is five pages of
    /// <see cref="MaxPageSize"/>, or a hundred of <see cref="DefaultPageSize"/>: some 5 MB of answer for resources of
    /// 1 KB, the order of the request limit, where 300 entries of 1,000 made 235 MB, all held in memory.
    /// </summary>
    public int MaxBundleResponseResources { get; set; } = 5_000;

    /// <summary>
    /// Bytes that the resources of one batch or transaction Bundle's answer may carry in all: searchsets and history
    /// Bundles of its entries, resources read, and those written when the client asks for them back. A search or
    /// history page is cut to what is left (its <c>next</c> link goes on from there); once nothing is left, a read is
    /// refused with 422 <c>too-costly</c>, a batch's entry alone, a transaction whole when the read is inside it. The
    /// answer may pass it by one resource, as a page always carries one match. <see cref="MaxBundleResponseResources"/>
    /// alone let batches of searches of large resources be answered with 992 MB after 44 s, each entry's page within
    /// <see cref="MaxPageBytes"/>: the default is two such pages, so that a batch can still carry any one page whole.
    /// </summary>
    public long MaxBundleResponseBytes { get; set; } = 40 * 1024 * 1024;

    /// <summary>
    /// Rows that the search and history entries of one batch or transaction Bundle may read in all: each page's rows and
    /// the rows its <c>_include</c> and <c>_revinclude</c> reach, counted whether the entry's answer was kept or refused.
    /// Once they are read, the entries after are refused with 422 <c>too-costly</c> without running (an entry may pass
    /// it by its own page). <see cref="MaxBundleResponseResources"/> bounds only what is answered: an entry whose
    /// includes take it past that limit is refused after it ran, the next one fits again and runs as far, and a batch
    /// of 300 such entries read every row of all 300. The default, five times the resources a Bundle may answer, leaves
    /// room for includes and pages that were cut, and lets 25 pages of <see cref="MaxPageSize"/> run. Counts
    /// (<c>_total</c>, <c>_summary=count</c>) are not rows read here: the database counts index entries without reading
    /// a resource.
    /// </summary>
    public long MaxBundleSearchRows { get; set; } = 25_000;

    /// <summary>
    /// Blocks of this many bytes or more that the native side (SQLite, compression) allocates get mappings of their own,
    /// given back to the system when freed (glibc's M_MMAP_THRESHOLD, fixed; Hosting.NativeAllocator). glibc's default
    /// raises its threshold to each large block freed, up to 32 MB: bodies of megabytes then came from its heaps, which
    /// held 450 MB freed but not given back after a fuzzing run. 0 leaves glibc's default; at most 32 MB.
    /// </summary>
    public int NativeMmapThresholdBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The most heaps (arenas) glibc's allocator keeps for the native side (M_ARENA_MAX; Hosting.NativeAllocator): each
    /// holds its own freed memory, and its default is eight per core. Two are enough for the server's native work
    /// (SQLite statements, compression), which is short next to the managed work around it. 0 leaves glibc's default.
    /// </summary>
    public int NativeArenas { get; set; } = 2;

    /// <summary>
    /// Bytes of free buffers the server keeps for reuse between requests (Http.BufferPool): request bodies and the
    /// Bundles of its answers are written in pooled blocks of 128 KB and, when a parser needs them in one piece, copied
    /// into pooled buffers of 1, 2, 4… MB. A quarter of this is for blocks; the rest is shared equally by the sizes of
    /// buffers, and a size larger than its share is not kept (the default keeps sizes up to 16 MB). Without the pool
    /// each body and Bundle of megabytes was a new array on the large object heap, and the GC kept several times what
    /// was alive committed for that churn. Buffers in use are bounded by the request limits (a body, a page, a
    /// Bundle's answer), not by this. At least 1 MB.
    /// </summary>
    public long BufferPoolBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// Seconds without a request after which the server gives back to the system the memory that its last busy spell
    /// left committed (Hosting.IdleMemory): a full compacting collection that decommits the GC's free space, then the
    /// C allocator's free heaps. Bodies, pages and Bundles of megabytes leave the GC several times what is alive
    /// committed, which it otherwise keeps for the next such spell. Once per idle spell, never while a request runs.
    /// 0 turns it off.
    /// </summary>
    public int IdleTrimSeconds { get; set; } = 10;

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
    /// This server's public base URL (several separated by commas), such as <c>https://fhir.example.org/r4</c> behind a
    /// proxy: an absolute reference on it is to a local resource, as one on the base of the request itself is; one on
    /// any other base is external and found only by its full URL (docs/search.md, "References"). The index rebuilt at
    /// start, which has no request, knows these bases only; changing them rebuilds the index at the next start.
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// OR values one search parameter may have (<c>code=a,b,c</c>); more are refused with 400. Each value is a condition
    /// of the query the database plans and runs (an equality of an IN list, or a range), so the limit bounds a query's
    /// size and planning time; 1,000 covers the lists clients build from a previous page (a page is at most
    /// <see cref="MaxPageSize"/> resources) and keeps a date or quantity clause (four SQL parameters a value) far
    /// below SQLite's 32,766 parameters per statement.
    /// </summary>
    public int MaxOrValues { get; set; } = 1_000;

    /// <summary>
    /// Parameters one search may have, repetitions of one parameter counted apart (<c>name=a&amp;name=b</c>: two), result
    /// parameters included; more are refused with 400. Each repetition is a condition of its own, ANDed, that the
    /// database joins or probes: <see cref="MaxOrValues"/> bounds the values of one parameter, this the number of them.
    /// </summary>
    public int MaxSearchParameters { get; set; } = 100;

    /// <summary>
    /// The web origins whose browser apps (SMART apps in a portal) may call this server (CORS), separated by commas:
    /// <c>*</c> (the default) for any, as a FHIR API whose access is by bearer token rather than cookie can afford;
    /// empty for none (the browser then refuses cross-origin calls).
    /// </summary>
    public string CorsOrigins { get; set; } = "*";

    /// <summary>The limits of <see cref="FhirPathMaxDepth"/> and <see cref="FhirPathMaxLength"/> for the engine.</summary>
    public Conformance.FhirPath.FhirPathLimits ClientFhirPathLimits() => new() { MaxDepth = FhirPathMaxDepth, MaxLength = FhirPathMaxLength };

    /// <summary>
    /// One log line per request at information level (method, path, status, duration, body bytes; for a 4xx or 5xx the
    /// OperationOutcome's first message), category <c>FhirServer.Requests</c>. The query string is left out: search
    /// values name patients.
    /// </summary>
    public bool RequestLog { get; set; } = true;

    internal bool IsSqlite => Store.Equals("sqlite", StringComparison.OrdinalIgnoreCase);

    internal bool IsPostgres => Store.Equals("postgres", StringComparison.OrdinalIgnoreCase) || Store.Equals("postgresql", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws <see cref="Hosting.ConfigurationException"/> for the first setting that cannot work, naming its switch.</summary>
    public void Validate()
    {
        if (!IsSqlite && !IsPostgres)
            throw new Hosting.ConfigurationException($"Unknown store '{Store}' (--store, Server:Store): use sqlite or postgres.");
        if (IsPostgres && string.IsNullOrWhiteSpace(Connection))
            throw new Hosting.ConfigurationException("--store postgres needs --connection (Server:Connection): a PostgreSQL connection string such as \"Host=localhost;Username=fhir;Database=fhir\".");
        if (IsSqlite && string.IsNullOrWhiteSpace(DataDirectory))
            throw new Hosting.ConfigurationException("--data (Server:DataDirectory) is empty: name the folder of the SQLite file.");
        Positive(SqliteWalLimitBytes, "Server:SqliteWalLimitBytes");
        Positive(MaxRequestBytes, "Server:MaxRequestBytes");
        Positive(MaxRequestLineBytes, "Server:MaxRequestLineBytes");
        Positive(MaxRequestHeaderBytes, "Server:MaxRequestHeaderBytes");
        Positive(MaxRequestHeaders, "Server:MaxRequestHeaders");
        Positive(DefaultPageSize, "Server:DefaultPageSize");
        Positive(MaxPageSize, "Server:MaxPageSize");
        Positive(MaxPageBytes, "Server:MaxPageBytes");
        Positive(MaxBundleEntries, "Server:MaxBundleEntries");
        Positive(MaintainedCountFrom, "Server:MaintainedCountFrom");
        Positive(MaxResourceDepth, "Server:MaxResourceDepth");
        Positive(FhirPathMaxDepth, "Server:FhirPathMaxDepth");
        Positive(FhirPathMaxLength, "Server:FhirPathMaxLength");
        Positive(MaxChainDepth, "Server:MaxChainDepth");
        Positive(MaxIncludes, "Server:MaxIncludes");
        Positive(MaxOrValues, "Server:MaxOrValues");
        Positive(MaxSearchParameters, "Server:MaxSearchParameters");
        Positive(MaxBundleResponseResources, "Server:MaxBundleResponseResources");
        Positive(MaxBundleResponseBytes, "Server:MaxBundleResponseBytes");
        Positive(MaxBundleSearchRows, "Server:MaxBundleSearchRows");
        if (BufferPoolBytes < 1024 * 1024)
            throw new Hosting.ConfigurationException($"Server:BufferPoolBytes is {BufferPoolBytes}: it must be at least 1,048,576 (1 MB).");
        if (NativeMmapThresholdBytes is < 0 or > 32 * 1024 * 1024)
            throw new Hosting.ConfigurationException($"Server:NativeMmapThresholdBytes is {NativeMmapThresholdBytes}: it must be 0 (glibc's default) to 33,554,432 (32 MB).");
        if (IdleTrimSeconds < 0)
            throw new Hosting.ConfigurationException($"Server:IdleTrimSeconds is {IdleTrimSeconds}: it must be 0 (off) or more.");
        if (NativeArenas < 0)
            throw new Hosting.ConfigurationException($"Server:NativeArenas is {NativeArenas}: it must be 0 (glibc's default) or more.");
        if (DefaultPageSize > MaxPageSize)
            throw new Hosting.ConfigurationException($"Server:DefaultPageSize ({DefaultPageSize}) is larger than Server:MaxPageSize ({MaxPageSize}).");
    }

    private static void Positive(long value, string key)
    {
        if (value <= 0) throw new Hosting.ConfigurationException($"{Hosting.ServerSwitches.Describe(key)} is {value}: it must be a positive number.");
    }
}
