using System.Globalization;
using FhirServer.Conformance.Search;

namespace FhirServer.Storage;

/// <summary>
/// The values a resource sorts by (<c>_sort</c>, R4 search.html#sort): per parameter, the lowest of its values for an
/// ascending sort and the highest for a descending one, kept in <c>search_sort</c> (<see cref="SearchTables.SortDdl"/>)
/// so that a sorted page is a walk of one index rather than a minimum computed over every row of every resource.
/// Every kind is stored as text that orders as its values do, so one pair of indexes serves them all and both
/// databases compare them byte by byte (PostgreSQL's column has the C collation).
/// </summary>
public static class SortValues
{
    /// <summary>Longer texts keep their start: enough to order by, and within the databases' limits on an index key.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// One (param, lowest, highest) per sortable parameter the resource has a value of. What a value sorts by: a
    /// string its normalized form (case and accents folded, as search compares it), a token its code, a reference its
    /// target id (its URL when it has none), a uri itself, a date its interval (the start for the lowest, the end for
    /// the highest), a number or quantity its value. Composites do not sort, nor does full text.
    /// </summary>
    public static IEnumerable<(string Param, string Low, string High)> Of(IReadOnlyList<IndexEntry> entries)
    {
        foreach (var group in entries.GroupBy(e => e.Param))
        {
            // Nor do the rows of contained resources (SearchIndexer.ContainedParam): no _sort names them.
            if (FullText.Of(group.Key) is not null || group.Key.Contains('.')) continue;
            string? low = null, high = null;
            foreach (var entry in group)
            {
                var (l, h) = entry.Value switch
                {
                    StringIndex s => (Text(s.Normalized), Text(s.Normalized)),
                    TokenIndex { Code: { } code } => (Text(code), Text(code)),
                    ReferenceIndex r when (r.TargetId ?? r.Url) is { } target => (Text(target), Text(target)),
                    UriIndex u => (Text(u.Uri), Text(u.Uri)),
                    DateIndex d => (Number(d.Low), Number(d.High)),
                    NumberIndex n => (Number((double)n.Value), Number((double)n.Value)),
                    QuantityIndex q => (Number((double)q.Value), Number((double)q.Value)),
                    _ => ((string?)null, (string?)null),
                };
                if (l is null || h is null) continue;
                if (low is null || string.CompareOrdinal(l, low) < 0) low = l;
                if (high is null || string.CompareOrdinal(h, high) > 0) high = h;
            }
            if (low is not null && high is not null) yield return (group.Key, low, high);
        }
    }

    private static string Text(string value) => SearchTables.Prefix(value, MaxLength);

    /// <summary>A signed integer as 16 hex digits that order as the numbers do (the sign bit flipped).</summary>
    public static string Number(long value) => ((ulong)value ^ 0x8000_0000_0000_0000UL).ToString("X16", CultureInfo.InvariantCulture);

    /// <summary>
    /// A double as 16 hex digits that order as the numbers do: the sign bit flipped for a positive number, every bit
    /// for a negative one (IEEE 754 bits order as magnitudes).
    /// </summary>
    public static string Number(double value)
    {
        var bits = (ulong)BitConverter.DoubleToInt64Bits(value);
        var key = (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
        return key.ToString("X16", CultureInfo.InvariantCulture);
    }
}
