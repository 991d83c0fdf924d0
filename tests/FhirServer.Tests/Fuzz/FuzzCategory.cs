namespace FhirServer.Tests.Fuzz;

/// <summary>
/// What a hostile request attacks. Every request has one category; a local run can leave categories out
/// (<c>--skip</c>) to get past a defect being fixed elsewhere, while the test in CI always sends them all.
/// </summary>
public static class FuzzCategory
{
    public const string Mutation = "mutation";                  // fields deleted, duplicated, of another JSON type, wrong primitive values
    public const string HugeString = "huge-string";             // strings of megabytes
    public const string HugeArray = "huge-array";               // arrays of tens of thousands of elements
    public const string DeepNesting = "deep-nesting";           // JSON/XML depth, extensions in extensions, contained in contained
    public const string NestedBundle = "nested-bundle";         // Bundles in Bundles (entry.resource, transaction entries)
    public const string Bytes = "bytes";                        // invalid UTF-8, BOMs, NULs, truncation
    public const string XmlDtd = "xml-dtd";                     // DOCTYPE, internal and external entities
    public const string Interaction = "interaction";            // read, vread, history, delete, conditional ops with odd ids and parameters
    public const string JsonPatch = "json-patch";               // RFC 6902 documents with hostile pointers and values
    public const string FhirPathPatch = "fhirpath-patch";       // FHIRPath Patch Parameters with odd operations and paths
    public const string FhirPathDeep = "fhirpath-deep";         // FHIRPath Patch paths nested hundreds to thousands deep
    public const string Bundle = "bundle";                      // batch and transaction Bundles with mutated entries
    public const string TransactionShuffle = "transaction-shuffle"; // concurrent transactions on the same resources, entries shuffled
    public const string BatchSearch = "batch-search";           // batches of many search entries
    public const string AbsoluteReference = "absolute-reference"; // references to resources on other servers
    public const string Search = "search";                      // unknown parameters and modifiers, chains, _has, _include, _total, _summary, _elements, _count
    public const string SearchOr = "search-or";                 // hundreds to thousands of OR values
    public const string SearchEmptyModifier = "search-empty-modifier"; // "name:=x", "subscriber:=x"
    public const string SearchSort = "search-sort";             // _sort on every kind of parameter
    public const string Cursor = "cursor";                      // forged and mutated _cursor values from real next links
    public const string Encoding = "encoding";                  // Content-Encoding gzip/deflate with invalid data
    public const string EncodingBrotli = "encoding-br";         // Content-Encoding br with invalid data
    public const string ContentType = "content-type";           // wrong media types and charsets
    public const string Headers = "headers";                    // If-Match, If-None-Exist, If-None-Match, Prefer, Accept junk
    public const string Framing = "framing";                    // raw HTTP/1.1: chunk sizes, broken chunks, bad request lines
    public const string ChunkSize = "chunk-size";               // a chunk size of ffffffffffffffff and other overflowing ones

    public static IReadOnlyList<string> All { get; } =
    [
        Mutation, HugeString, HugeArray, DeepNesting, NestedBundle, Bytes, XmlDtd, Interaction, JsonPatch, FhirPathPatch,
        FhirPathDeep, Bundle, TransactionShuffle, BatchSearch, AbsoluteReference, Search, SearchOr, SearchEmptyModifier,
        SearchSort, Cursor, Encoding, EncodingBrotli, ContentType, Headers, Framing, ChunkSize,
    ];

    /// <summary>
    /// The categories the test in CI leaves out, each with its reason: the one list of what the fuzz test does not
    /// judge. A local run sends them with <c>--skip</c> left empty; <c>--skip known</c> leaves these out too.
    /// </summary>
    public static IReadOnlyDictionary<string, string> KnownDefects { get; } = new Dictionary<string, string>
    {
        [Framing] = "Kestrel answers a malformed request head (bad request line, Host, Content-Length, chunk framing) " +
            "itself, before the application, with no body; the cases are pinned by RawRequestTests " +
            "(docs/storage-and-rest.md, \"What Kestrel answers alone\")",
    };
}
