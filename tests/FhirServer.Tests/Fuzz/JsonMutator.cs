using System.Text;
using System.Text.Json.Nodes;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Mutations of a resource's JSON tree: fields deleted, duplicated (the same name twice in one object, which only the
/// text can carry) or swapped for another JSON type, primitives given wrong values, strings and arrays made huge,
/// nesting made deep. Everything it draws comes from the <see cref="Random"/> it is given.
/// </summary>
public sealed class JsonMutator(Random random)
{
    // Markers that survive serialization and are then rewritten in the text: a duplicated name, a lone surrogate.
    private const string DuplicateMarker = "\u0001dup:";
    private const string SurrogateMarker = "\u0002surrogate";

    private static readonly string[] WrongStrings =
    [
        "", " ", "\t\n", "2020-13-45", "2021-02-29T25:61:61Z", "0000-00-00", "99999-01-01", "T", "--", "1e400", "NaN", "-0",
        "123456789012345678901234567890.123456789", "true", "null", "<div>x</div>", "<script>alert(1)</script>", "' OR '1'='1",
        "%00", "\0", "\u202e\u0301\u200b", "😀😀", "urn:uuid:not-a-uuid", "http://", "Patient/", "Patient/../../etc/passwd",
        "#", "#missing", "Patient/x/_history/-1", "|", "a|b|c", "$", "${jndi:ldap://127.0.0.1/a}", new string('a', 300), SurrogateMarker,
    ];

    private static readonly JsonNode?[] WrongValues =
    [
        null, true, false, 0, -1, long.MaxValue, 1.5e300, -0.0, "", new JsonArray(), new JsonObject(), new JsonArray(new JsonArray()),
        new JsonObject { ["value"] = "x" }, new JsonArray(1, "a", null, new JsonObject()),
    ];

    // Non-ASCII characters as they are (the default escapes them, six bytes each).
    private static readonly System.Text.Json.JsonSerializerOptions TextOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Applies one to three of the ordinary mutations; the text of the result.</summary>
    public string Mutate(JsonObject resource)
    {
        MutateInPlace(resource);
        return Text(resource);
    }

    /// <summary>Applies one to three of the ordinary mutations to the tree (which <see cref="Text"/> then writes).</summary>
    public void MutateInPlace(JsonObject resource)
    {
        var count = 1 + random.Next(3);
        for (var i = 0; i < count; i++)
        {
            switch (random.Next(7))
            {
                case 0: Delete(resource); break;
                case 1: Duplicate(resource); break;
                case 2: SwapType(resource); break;
                case 3: WrongPrimitive(resource); break;
                case 4: WrongPrimitive(resource); break;
                case 5: UnknownField(resource); break;
                default: WrongResourceType(resource); break;
            }
        }
    }

    /// <summary>The JSON text, with the markers rewritten into what a tree cannot hold.</summary>
    public static string Text(JsonNode node) =>
        node.ToJsonString(TextOptions).Replace("\"\\u0001dup:", "\"").Replace("\\u0002surrogate", "\\ud800");

    public void Delete(JsonObject resource)
    {
        var (parent, key) = PickMember(resource);
        if (parent is JsonObject o) o.Remove(key!);
        else if (parent is JsonArray a && a.Count > 0) a.RemoveAt(random.Next(a.Count));
    }

    public void Duplicate(JsonObject resource)
    {
        var objects = Nodes(resource).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        var target = objects[random.Next(objects.Count)];
        var name = target.ElementAt(random.Next(target.Count)).Key;
        var value = random.Next(2) == 0 ? target[name]?.DeepClone() : AnyWrongValue();
        target[DuplicateMarker + name] = value;
    }

    public void SwapType(JsonObject resource)
    {
        var (parent, key) = PickMember(resource);
        var current = parent is JsonObject o ? o[key!] : null;
        JsonNode? swapped = current switch
        {
            JsonArray a when a.Count > 0 => random.Next(2) == 0 ? a[0]?.DeepClone() : new JsonObject { ["0"] = a[0]?.DeepClone() },
            JsonObject obj => new JsonArray(obj.DeepClone()),
            JsonValue v when v.TryGetValue<string>(out var s) => double.TryParse(s, out var d) && double.IsFinite(d) ? d : random.Next(2) == 0 ? 1 : new JsonArray(s),
            JsonValue v => v.ToJsonString(),
            _ => AnyWrongValue(),
        };
        if (parent is JsonObject target) target[key!] = swapped;
    }

    public void WrongPrimitive(JsonObject resource)
    {
        var values = Nodes(resource).OfType<JsonValue>().Where(v => v.Parent is JsonObject).ToList();
        if (values.Count == 0) return;
        var value = values[random.Next(values.Count)];
        var parent = (JsonObject)value.Parent!;
        var name = parent.First(p => ReferenceEquals(p.Value, value)).Key;
        parent[name] = random.Next(3) == 0 ? AnyWrongValue() : WrongStrings[random.Next(WrongStrings.Length)];
    }

    public void UnknownField(JsonObject resource)
    {
        var objects = Nodes(resource).OfType<JsonObject>().ToList();
        var target = objects[random.Next(objects.Count)];
        string[] names = ["unknownElement", "_id", "_birthDate", "valueString", "value[x]", "extension", "modifierExtension", "resourceType", "contained", "fhir_comments", ""];
        target[names[random.Next(names.Length)] + (random.Next(4) == 0 ? random.Next(100).ToString() : "")] = AnyWrongValue();
    }

    public void WrongResourceType(JsonObject resource)
    {
        string[] types = ["Resource", "DomainResource", "Unknown", "patient", "Bundle", "Parameters", "OperationOutcome", "", "Patient ", "Binary"];
        resource["resourceType"] = random.Next(5) == 0 ? AnyWrongValue() : types[random.Next(types.Length)];
    }

    /// <summary>A string field made <paramref name="length"/> characters long.</summary>
    public string HugeString(JsonObject resource, int length)
    {
        var strings = Nodes(resource).OfType<JsonValue>().Where(v => v.Parent is JsonObject && v.TryGetValue<string>(out _)).ToList();
        var text = random.Next(3) switch { 0 => new string('x', length), 1 => string.Concat(Enumerable.Repeat("é😀", length / 3)), _ => new string(' ', length) };
        if (strings.Count == 0 || random.Next(4) == 0)
        {
            resource["text"] = new JsonObject { ["status"] = "generated", ["div"] = $"<div xmlns=\"http://www.w3.org/1999/xhtml\">{text}</div>" };
            return Text(resource);
        }
        var value = strings[random.Next(strings.Count)];
        var parent = (JsonObject)value.Parent!;
        parent[parent.First(p => ReferenceEquals(p.Value, value)).Key] = text;
        return Text(resource);
    }

    private const int MaxHugeArrayBytes = 24 * 1024 * 1024;

    /// <summary>An array of <paramref name="count"/> elements: an existing array grown, or identifiers, extensions, contained.</summary>
    public string HugeArray(JsonObject resource, int count)
    {
        var arrays = Nodes(resource).OfType<JsonArray>().Where(a => a.Count > 0).ToList();
        JsonArray target;
        if (arrays.Count > 0 && random.Next(2) == 0) target = arrays[random.Next(arrays.Count)];
        else target = (JsonArray)(resource[random.Next(2) == 0 ? "identifier" : "extension"] = new JsonArray(
            random.Next(2) == 0 ? new JsonObject { ["system"] = "urn:oid:1.2.3", ["value"] = "1" } : new JsonObject { ["url"] = "http://example.org/x", ["valueString"] = "v" }));
        var first = target[0];
        // Copies of a large element (a narrative, a contained resource) would make a body of gigabytes, past what a
        // string holds: stop a little past the request limit (20 MB), which is what such a body tests.
        var size = first?.ToJsonString().Length ?? 4;
        count = Math.Min(count, Math.Max(target.Count, MaxHugeArrayBytes / (size + 1)));
        for (var i = target.Count; i < count; i++) target.Add(first?.DeepClone());
        return Text(resource);
    }

    /// <summary>Nesting <paramref name="depth"/> deep, in one of the shapes a FHIR parser recurses on.</summary>
    public string Deep(JsonObject resource, int depth)
    {
        switch (random.Next(5))
        {
            case 0:
                return Text(resource).Insert(1, "\"extension\":" + new string('[', depth) + new string(']', depth) + ",");
            case 1:
                return Text(resource).Insert(1, "\"text\":" + string.Concat(Enumerable.Repeat("{\"div\":", depth)) + "\"x\"" + new string('}', depth) + ",");
            case 2:
            {
                // Extensions in extensions: each level a valid element.
                var prefix = string.Concat(Enumerable.Repeat("{\"url\":\"http://example.org/e\",\"extension\":[", depth));
                var suffix = string.Concat(Enumerable.Repeat("]}", depth));
                return Text(resource).Insert(1, $"\"extension\":[{prefix}{{\"url\":\"http://example.org/e\",\"valueString\":\"x\"}}{suffix}],");
            }
            case 3:
            {
                // Contained in contained (contained resources may not contain others: R4 references.html#contained).
                var type = (string?)resource["resourceType"] ?? "Patient";
                var inner = new StringBuilder("\"contained\":[");
                for (var i = 0; i < depth; i++) inner.Append("{\"resourceType\":\"").Append(type).Append("\",\"id\":\"c").Append(i).Append("\",\"contained\":[");
                inner.Append("{\"resourceType\":\"").Append(type).Append("\",\"id\":\"c\"}").Insert(inner.Length, "]}", depth).Append("],");
                return Text(resource).Insert(1, inner.ToString());
            }
            default:
                return Text(resource).Insert(1, "\"_id\":" + string.Concat(Enumerable.Repeat("{\"extension\":[", depth)) + "{}" + string.Concat(Enumerable.Repeat("]}", depth)) + ",");
        }
    }

    private JsonNode? AnyWrongValue() => WrongValues[random.Next(WrongValues.Length)]?.DeepClone();

    private (JsonNode Parent, string? Key) PickMember(JsonObject resource)
    {
        var members = Nodes(resource).Where(n => n.Parent is not null).ToList();
        if (members.Count == 0) return (resource, "resourceType");
        var node = members[random.Next(members.Count)];
        return node.Parent is JsonObject o ? (o, o.First(p => ReferenceEquals(p.Value, node)).Key) : (node.Parent!, null);
    }

    private static IEnumerable<JsonNode> Nodes(JsonNode root)
    {
        var stack = new Stack<JsonNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            switch (node)
            {
                case JsonObject o:
                    foreach (var (_, child) in o.Reverse()) if (child is not null) stack.Push(child);
                    break;
                case JsonArray a:
                    for (var i = a.Count - 1; i >= 0; i--) if (a[i] is { } child) stack.Push(child);
                    break;
            }
        }
    }

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
