namespace FhirServer.Storage;

/// <summary>
/// The byte bound of a search or history page (<see cref="ServerSettings.MaxPageBytes"/>): how many resources, in page
/// order, fit in it by the bytes of their stored bodies.
/// </summary>
public static class PageBytes
{
    /// <summary>The bytes a version adds to a page: its stored body (none for a deletion).</summary>
    public static long Of(StoredVersion version) => version.Body?.Length ?? 0;

    /// <summary>
    /// How many of the first <paramref name="sizes"/> fit in <paramref name="budget"/> bytes; with
    /// <paramref name="atLeastOne"/> (a page's matches) never none of a list that has one, so that every page moves
    /// the paging on.
    /// </summary>
    public static int Fit(IReadOnlyList<long> sizes, long budget, bool atLeastOne = true)
    {
        long used = 0;
        for (var i = 0; i < sizes.Count; i++)
        {
            used += sizes[i];
            if (used > budget) return atLeastOne ? Math.Max(i, 1) : i;
        }
        return sizes.Count;
    }
}
