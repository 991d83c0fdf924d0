using FhirServer.Conformance.FhirPath.Values;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.FhirPath.Compilation;

/// <summary>Collection helpers, and the singleton evaluation rules of N1 §4.5 "Singleton Evaluation of Collections".</summary>
internal static class Items
{
    public static readonly IReadOnlyList<object> Empty = [];
    public static readonly IReadOnlyList<object> True = [true];
    public static readonly IReadOnlyList<object> False = [false];

    public static IReadOnlyList<object> Of(object? item) => item switch
    {
        null => Empty,
        bool b => b ? True : False,
        _ => [item],
    };

    public static IReadOnlyList<object> Bool(bool? value) => value is null ? Empty : value.Value ? True : False;

    /// <summary>The single item, null when empty; more than one item is an error.</summary>
    public static object? Single(IReadOnlyList<object> items, string what)
    {
        if (items.Count == 0) return null;
        if (items.Count > 1) throw FhirPathException.Execution($"{what} expects a single item but got {items.Count}");
        return items[0];
    }

    /// <summary>The System value of the single item (null when empty or a node without value).</summary>
    public static object? SingleValue(IReadOnlyList<object> items, string what) =>
        Single(items, what) is { } item ? SystemValues.ToSystem(item) : null;

    /// <summary>
    /// A collection as a Boolean: empty → null; one Boolean → its value; one item of another type → true;
    /// more → error.
    /// </summary>
    public static bool? AsBoolean(IReadOnlyList<object> items, string what)
    {
        var item = Single(items, what);
        if (item is null) return null;
        return SystemValues.ToSystem(item) is bool b ? b : true;
    }

    /// <summary>Like <see cref="AsBoolean"/>, but a single non-Boolean item is an error (arguments that must be Booleans).</summary>
    public static bool? StrictBoolean(IReadOnlyList<object> items, string what)
    {
        var item = Single(items, what);
        if (item is null) return null;
        return SystemValues.ToSystem(item) is bool b ? b : throw FhirPathException.Execution($"{what} expects a Boolean");
    }

    public static string? SingleString(IReadOnlyList<object> items, string what)
    {
        var item = Single(items, what);
        if (item is null) return null;
        return SystemValues.ToSystem(item) is string s ? s : throw FhirPathException.Execution($"{what} expects a String, not {SystemValues.TypeName(item)}");
    }

    public static int? SingleInteger(IReadOnlyList<object> items, string what)
    {
        var item = Single(items, what);
        if (item is null) return null;
        return SystemValues.ToSystem(item) switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            _ => throw FhirPathException.Execution($"{what} expects an Integer, not {SystemValues.TypeName(item)}"),
        };
    }

    public static IEnumerable<ElementNode> Nodes(IReadOnlyList<object> items) => items.OfType<ElementNode>();
}

/// <summary>
/// Collects a result without allocating for the common sizes: nothing for none, one single-item list for one, an
/// exact array for two, a list only from the third item on.
/// </summary>
internal struct ItemBuilder
{
    private object? _first;
    private object? _second;
    private List<object>? _list;

    public readonly int Count => _list?.Count ?? (_first is null ? 0 : _second is null ? 1 : 2);

    public readonly object this[int index] => _list is not null ? _list[index]
        : index == 0 && _first is not null ? _first
        : index == 1 && _second is not null ? _second
        : throw new ArgumentOutOfRangeException(nameof(index));

    public void Add(object item)
    {
        if (_list is not null) _list.Add(item);
        else if (_first is null) _first = item;
        else if (_second is null) _second = item;
        else _list = [_first, _second, item];
    }

    public void AddRange(IReadOnlyList<object> items)
    {
        for (var i = 0; i < items.Count; i++) Add(items[i]);
    }

    public readonly IReadOnlyList<object> ToList() =>
        _list ?? (_first is null ? Items.Empty : _second is null ? [_first] : new[] { _first, _second });
}
