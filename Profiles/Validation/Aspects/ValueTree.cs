using System.Text.Json;
using FhirServer.Conformance.Model;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// A fixed[x] or pattern[x] value, read once from the ElementDefinition's JSON into a tree that instance nodes are
/// compared with: a primitive's literal exactly as written (numbers too: <c>1.50</c> is not <c>1.5</c>, R4
/// datatypes.html#decimal: precision is part of the value, and the HL7 validator compares the text), and the
/// children by the name JSON gives them (<c>valueQuantity</c>), each a list. Element ids are not values and are
/// left out. Immutable; shared by every validation of the schema.
/// </summary>
public sealed class ValueTree
{
    private ValueTree(string? value, Child[] children)
    {
        Value = value;
        Children = children;
    }

    /// <summary>The primitive's literal; null for a complex value, or a primitive carrying only extensions.</summary>
    public string? Value { get; }
    public Child[] Children { get; }

    /// <summary>A child of the value: its JSON name and its items, in order.</summary>
    public sealed record Child(string Name, ValueTree[] Items);

    /// <summary>
    /// The <c>fixed[x]</c> (or <c>pattern[x]</c>) of an ElementDefinition: <paramref name="prefix"/> followed by a type
    /// name, with its <c>_</c> sibling (a primitive's id and extensions); null when the element has none.
    /// </summary>
    public static ValueTree? FromElement(JsonElement elementDefinition, string prefix, out string? typeName)
    {
        typeName = null;
        if (elementDefinition.ValueKind != JsonValueKind.Object) return null;
        foreach (var p in elementDefinition.EnumerateObject())
        {
            var name = p.Name;
            if (name.Length <= prefix.Length || !name.StartsWith(prefix, StringComparison.Ordinal) || !char.IsAsciiLetterUpper(name[prefix.Length]))
                continue;
            typeName = char.ToLowerInvariant(name[prefix.Length]) + name[(prefix.Length + 1)..];
            elementDefinition.TryGetProperty("_" + name, out var underscore);
            return Read(p.Value, underscore);
        }
        return null;
    }

    // A value and its "_" sibling (for a primitive: its id and extensions; undefined when absent).
    private static ValueTree Read(JsonElement value, JsonElement underscore)
    {
        var literal = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        var children = new List<Child>();
        if (value.ValueKind == JsonValueKind.Object) AddChildren(value, children);
        if (underscore.ValueKind == JsonValueKind.Object) AddChildren(underscore, children);
        return new ValueTree(literal, [.. children]);
    }

    private static void AddChildren(JsonElement obj, List<Child> children)
    {
        foreach (var p in obj.EnumerateObject())
        {
            var name = p.Name;
            if (name is "id" or "resourceType" || name.StartsWith('_')) continue;
            obj.TryGetProperty("_" + name, out var underscore);
            if (p.Value.ValueKind == JsonValueKind.Array)
            {
                var items = new ValueTree[p.Value.GetArrayLength()];
                var i = 0;
                foreach (var item in p.Value.EnumerateArray())
                {
                    var extra = underscore.ValueKind == JsonValueKind.Array && i < underscore.GetArrayLength() ? underscore[i] : default;
                    items[i++] = Read(item, extra);
                }
                children.Add(new Child(name, items));
            }
            else children.Add(new Child(name, [Read(p.Value, underscore)]));
        }
        // A primitive given only by its "_" part (extensions, no value).
        foreach (var p in obj.EnumerateObject())
            if (p.Name.Length > 1 && p.Name[0] == '_' && !obj.TryGetProperty(p.Name[1..], out _) && p.Value.ValueKind == JsonValueKind.Object)
                children.Add(new Child(p.Name[1..], [Read(default, p.Value)]));
    }

    /// <summary>
    /// Whether <paramref name="node"/> has the name JSON gives <paramref name="name"/> (<c>valueQuantity</c> is the
    /// node <c>value</c> of type Quantity), without building that name.
    /// </summary>
    public static bool HasJsonName(ElementNode node, string name)
    {
        var baseName = node.Name;
        if (!node.IsChoice || node.IsResource) return name == baseName;
        var type = node.Type;
        return name.Length == baseName.Length + type.Length
            && name.StartsWith(baseName, StringComparison.Ordinal)
            && name[baseName.Length] == char.ToUpperInvariant(type[0])
            && name.AsSpan(baseName.Length + 1).SequenceEqual(type.AsSpan(1));
    }
}
