namespace FhirServer.Conformance.FhirPath.Operators;

/// <summary>
/// A collection without duplicates in the order items were first added (union, <c>distinct()</c>, N1 §6.5.1, §5.1):
/// an item is compared by <see cref="Equality.ItemsEqual"/> only with the items of its hash code
/// (<see cref="ItemHashing"/>), so that adding n items costs about n comparisons rather than n²/2.
/// </summary>
internal sealed class DistinctItems
{
    private readonly List<object> _items = [];
    // Hash code → the kept items with that code; most codes have one item, stored as is.
    private readonly Dictionary<int, object> _byHash = [];

    public int Count => _items.Count;

    public IReadOnlyList<object> Items => _items;

    public static DistinctItems Of(IEnumerable<object> items)
    {
        var result = new DistinctItems();
        foreach (var item in items) result.Add(item);
        return result;
    }

    /// <summary>Whether an item equal to this one is there.</summary>
    public bool Contains(object item)
    {
        if (!_byHash.TryGetValue(ItemHashing.Hash(item), out var bucket)) return false;
        if (bucket is not List<object> list) return Equal(bucket, item);
        foreach (var kept in list)
            if (Equal(kept, item)) return true;
        return false;
    }

    /// <summary>Adds the item unless an equal one is already there; whether it was added.</summary>
    public bool Add(object item)
    {
        var hash = ItemHashing.Hash(item);
        if (!_byHash.TryGetValue(hash, out var bucket))
        {
            _byHash[hash] = item;
            _items.Add(item);
            return true;
        }
        if (bucket is List<object> list)
        {
            foreach (var kept in list)
                if (Equal(kept, item)) return false;
            list.Add(item);
        }
        else
        {
            if (Equal(bucket, item)) return false;
            _byHash[hash] = new List<object> { bucket, item };
        }
        _items.Add(item);
        return true;
    }

    private static bool Equal(object a, object b) => Equality.ItemsEqual(a, b) == true;
}
