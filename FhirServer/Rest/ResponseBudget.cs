using System.Text.Json;
using FhirServer.Http;

namespace FhirServer.Rest;

/// <summary>
/// How many resources the search and history entries of one Bundle may answer with in all
/// (<see cref="ServerSettings.MaxBundleResponseResources"/>). Each entry may ask for a page of up to
/// <see cref="ServerSettings.MaxPageSize"/>, and a Bundle may hold thousands of entries: without a bound, a 19 KB batch
/// of 300 <c>GET Observation?_count=1000</c> was answered with 235 MB, all of it held in memory until written. An entry
/// reserves its page before it runs and settles on what it found (its matches, includes and outcome) after; an entry
/// whose page does not fit what is left is refused with 422 <c>too-costly</c>, naming the limit, without running.
/// </summary>
public sealed class ResponseBudget(int limit)
{
    private long _used;

    /// <summary>Takes <paramref name="page"/> resources from what is left; the refusal when they do not fit.</summary>
    public FhirException? Reserve(int page)
    {
        if (_used + page > limit) return Refusal(page);
        _used += page;
        return null;
    }

    /// <summary>
    /// Replaces the <paramref name="reserved"/> resources by those the entry's <paramref name="bundle"/> holds: the refusal
    /// (and the entry's resources given back) when its includes took it past the limit.
    /// </summary>
    public FhirException? Settle(int reserved, byte[] bundle)
    {
        var found = CountEntries(bundle);
        _used += found - reserved;
        if (_used <= limit) return null;
        _used -= found;
        return Refusal(found);
    }

    private FhirException Refusal(int resources) =>
        new(StatusCodes.Status422UnprocessableEntity, "too-costly",
            $"Its {resources:N0} resources would take the Bundle's answer past {limit:N0} resources from search and history entries in all " +
            "(Server:MaxBundleResponseResources). Ask for fewer (_count), or send the search on its own and page through it.");

    /// <summary>The entries of a Bundle's JSON (our own writer's: <c>entry</c> is a member of the root object).</summary>
    internal static int CountEntries(byte[] bundle)
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
