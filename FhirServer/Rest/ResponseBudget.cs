using System.Buffers;
using System.Text.Json;
using FhirServer.Http;

namespace FhirServer.Rest;

/// <summary>
/// What the entries of one batch or transaction Bundle may answer with in all: resources of search and history entries
/// (<see cref="ServerSettings.MaxBundleResponseResources"/>) and bytes of every entry's resource
/// (<see cref="ServerSettings.MaxBundleResponseBytes"/>). Each entry may ask for a page of up to
/// <see cref="ServerSettings.MaxPageSize"/> resources and <see cref="ServerSettings.MaxPageBytes"/> bytes, and a Bundle
/// may hold thousands of entries: without a bound, a 19 KB batch of 300 <c>GET Observation?_count=1000</c> was answered
/// with 235 MB, and batches of searches of large resources with 992 MB after 44 s, all of it held in memory until
/// written. A search or history entry reserves its page's resources before it runs and settles on what it found (its
/// matches, includes and outcome) after; an entry whose page does not fit what is left is refused with 422
/// <c>too-costly</c>, naming the limit, without running. Bytes are counted as the entries' answers are made: a page is
/// cut to the bytes left (its <c>next</c> link goes on from there), and once none are left a read is refused without
/// running. As a page always carries one match, the answer may pass the byte limit by one resource.
/// The work of the entries is bounded apart (<see cref="ServerSettings.MaxBundleSearchRows"/>): the rows their searches
/// and history reads read, counted whether their answer was kept or refused, since an entry whose includes take it past
/// the resource limit is refused only after it ran, and each next entry then fits and runs as far again.
/// </summary>
public sealed class ResponseBudget(int limit, long byteLimit, long rowLimit)
{
    private long _used;
    private long _bytes;
    private long _rows;

    public static ResponseBudget For(ServerSettings settings) =>
        new(settings.MaxBundleResponseResources, settings.MaxBundleResponseBytes, settings.MaxBundleSearchRows);

    /// <summary>The bytes the entries still to answer may carry (never negative).</summary>
    public long BytesLeft => Math.Max(0, byteLimit - _bytes);

    /// <summary>Takes <paramref name="page"/> resources from what is left; the refusal when they do not fit.</summary>
    public FhirException? Reserve(int page)
    {
        if (_used + page > limit) return Refusal(page);
        _used += page;
        return null;
    }

    /// <summary>The refusal of a read when the answer has no bytes left; null while it has.</summary>
    public FhirException? Spent() =>
        _bytes < byteLimit ? null : new(StatusCodes.Status422UnprocessableEntity, "too-costly",
            $"The Bundle's answer has reached {byteLimit:N0} bytes (Server:MaxBundleResponseBytes), so this entry was not run. " +
            "Send it again on its own, or with fewer entries.");

    /// <summary>The refusal of a search or history entry once the entries before it have read the rows allowed; null until then.</summary>
    public FhirException? Worked() =>
        _rows < rowLimit ? null : new(StatusCodes.Status422UnprocessableEntity, "too-costly",
            $"The Bundle's search and history entries have read {_rows:N0} rows, the most they may read in all is {rowLimit:N0} " +
            "(Server:MaxBundleSearchRows), so this entry was not run. Send it again on its own, or with fewer entries.");

    /// <summary>Counts the rows an entry's search or history read (matches, rows of its includes), kept or not.</summary>
    public void Read(int rows) => _rows += rows;

    /// <summary>Counts the bytes of an entry's answer (a resource read or written, a search's Bundle).</summary>
    public void Add(long bytes) => _bytes += bytes;

    /// <summary>
    /// Replaces the <paramref name="reserved"/> resources by those the entry's <paramref name="bundle"/> holds, and counts
    /// its bytes: the refusal (and the entry's resources given back) when its includes took it past the limit.
    /// </summary>
    public FhirException? Settle(int reserved, ReadOnlySequence<byte> bundle)
    {
        var found = CountEntries(bundle);
        _used += found - reserved;
        if (_used > limit)
        {
            _used -= found;
            return Refusal(found);
        }
        _bytes += bundle.Length;
        return null;
    }

    private FhirException Refusal(int resources) =>
        new(StatusCodes.Status422UnprocessableEntity, "too-costly",
            $"Its {resources:N0} resources would take the Bundle's answer past {limit:N0} resources from search and history entries in all " +
            "(Server:MaxBundleResponseResources). Ask for fewer (_count), or send the search on its own and page through it.");

    /// <summary>The entries of a Bundle's JSON (our own writer's: <c>entry</c> is a member of the root object).</summary>
    internal static int CountEntries(ReadOnlySequence<byte> bundle)
    {
        // The entries' resources nest as deep as the server accepts (Server:MaxResourceDepth), within Bundles of
        // their own: far past the reader's default of 64 levels. The reader keeps no stack of its own, whatever the depth.
        var reader = new Utf8JsonReader(bundle, new JsonReaderOptions { MaxDepth = int.MaxValue });
        var count = 0;
        while (reader.Read())
        {
            if (reader.CurrentDepth != 1 || reader.TokenType != JsonTokenType.PropertyName) continue;
            var isEntry = reader.ValueTextEquals("entry"u8);
            reader.Read();
            if (!isEntry)
            {
                reader.Skip();
                continue;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                count++;
                reader.Skip();
            }
        }
        return count;
    }
}
