using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Context;
using FhirServer.Conformance.FhirPath;
using FhirServer.Conformance.Model;
using FhirServer.Conformance.Serialization;
using FhirServer.Http;

namespace FhirServer.Rest;

/// <summary>
/// A patch (R4 http.html#patch). Both kinds work on the resource's FHIR JSON (System.Text.Json.Nodes keeps number
/// literals as written) and the result is read back by our parser, so a patch can never store an invalid resource:
/// a malformed patch document is a 400, a patch that cannot apply or yields an invalid resource is a 422.
/// </summary>
public interface IPatch
{
    ElementNode Apply(ConformanceContext conformance, ElementNode current);
}

internal static class PatchJson
{
    /// <summary>The resource as a JSON tree; it is within the parser's depth, which reading it back must allow.</summary>
    public static JsonNode ToJson(ConformanceContext conformance, ElementNode resource) =>
        JsonNode.Parse(FhirJsonWriter.WriteToBytes(resource), documentOptions: new JsonDocumentOptions { MaxDepth = conformance.ParserOptions.MaxDepth })!;

    public static ElementNode FromJson(ConformanceContext conformance, JsonNode json)
    {
        // Deeper than the parser accepts is refused before anything walks the tree recursively to write it.
        var limit = conformance.ParserOptions.MaxDepth;
        if (Depth(json) > limit) throw TooDeep(limit);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = limit + 1 })) json.WriteTo(writer);
        var parsed = conformance.Json.Parse(buffer.WrittenSpan.ToArray());
        if (parsed.HasErrors || parsed.Resource is null)
            throw new FhirException(StatusCodes.Status422UnprocessableEntity,
                [new OutcomeIssue(IssueSeverity.Error, "processing", "The patched resource is not valid:"), .. parsed.Issues]);
        return parsed.Resource;
    }

    /// <summary>
    /// Levels of objects and arrays (a scalar is 0, <c>{}</c> is 1), counted without recursion: a patch can nest its
    /// values inside one another, so the tree it builds is not known to be shallow until counted.
    /// </summary>
    public static int Depth(JsonNode? root)
    {
        var deepest = 0;
        var stack = new Stack<(JsonNode? Node, int Depth)>();
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            IEnumerable<JsonNode?> children = node switch
            {
                JsonObject o => o.Select(p => p.Value),
                JsonArray a => a,
                _ => [],
            };
            if (node is JsonObject or JsonArray) depth++;
            deepest = Math.Max(deepest, depth);
            foreach (var child in children) stack.Push((child, depth));
        }
        return deepest;
    }

    /// <summary>
    /// An add, replace, move or copy puts <paramref name="value"/> below the pointer's tokens (each at most one level):
    /// refused when that could nest the resource deeper than <paramref name="limit"/>, so that no sequence of
    /// operations builds a tree deeper than the limit plus one value.
    /// </summary>
    public static void CheckInsertDepth(string[] tokens, JsonNode? value, int limit, string pointer)
    {
        if (tokens.Length + Depth(value) > limit)
            throw FhirException.Unprocessable($"'{pointer}': the value would nest the resource deeper than the limit of {limit} levels (Server:{nameof(ServerSettings.MaxResourceDepth)}).");
    }

    private static FhirException TooDeep(int limit) =>
        FhirException.Unprocessable($"The patched resource nests deeper than the limit of {limit} levels (Server:{nameof(ServerSettings.MaxResourceDepth)}).");

    /// <summary>RFC 6901 pointer → reference tokens.</summary>
    public static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0) return [];
        if (pointer[0] != '/') throw FhirException.BadRequest($"'{pointer}' is not a JSON Pointer (it must start with '/').");
        return [.. pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~"))];
    }

    public static string Pointer(IEnumerable<string> tokens) =>
        string.Concat(tokens.Select(t => "/" + t.Replace("~", "~0").Replace("/", "~1")));

    /// <summary>The container of the last token and that token; 422 when a step does not exist.</summary>
    public static (JsonNode Parent, string Last) Locate(JsonNode root, string[] tokens, string pointer)
    {
        if (tokens.Length == 0) throw FhirException.Unprocessable($"'{pointer}' points at the whole resource, which a patch cannot replace.");
        var node = root;
        for (var i = 0; i < tokens.Length - 1; i++)
            node = Step(node, tokens[i]) ?? throw FhirException.Unprocessable($"'{pointer}' does not exist in the resource (no '{tokens[i]}').");
        return (node, tokens[^1]);
    }

    public static JsonNode? Get(JsonNode root, string[] tokens)
    {
        JsonNode? node = root;
        foreach (var t in tokens)
        {
            if (node is null) return null;
            node = Step(node, t);
        }
        return node;
    }

    private static JsonNode? Step(JsonNode node, string token) => node switch
    {
        JsonObject o => o[token],
        JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
        _ => null,
    };

    public static void Add(JsonNode parent, string last, JsonNode? value, string pointer)
    {
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                return;
            case JsonArray a when last == "-":
                a.Add(value);
                return;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                return;
            default:
                throw FhirException.Unprocessable($"Cannot add at '{pointer}'.");
        }
    }

    public static JsonNode? Remove(JsonNode parent, string last, string pointer)
    {
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                var value = o[last];
                o.Remove(last);
                return value;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                var item = a[i];
                a.RemoveAt(i);
                return item;
            default:
                throw FhirException.Unprocessable($"'{pointer}' does not exist in the resource.");
        }
    }
}

/// <summary>JSON Patch (RFC 6902): add, remove, replace, move, copy, test.</summary>
public sealed class JsonPatch : IPatch
{
    private readonly List<(string Op, string Path, string? From, JsonNode? Value)> _operations;

    private JsonPatch(List<(string, string, string?, JsonNode?)> operations) => _operations = operations;

    public static JsonPatch Parse(byte[] body)
    {
        JsonNode? doc;
        try
        {
            doc = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw FhirException.BadRequest($"The JSON Patch document is not valid JSON: {e.Message}", code: "structure");
        }
        if (doc is not JsonArray array) throw FhirException.BadRequest("A JSON Patch document is an array of operations.", code: "structure");
        var operations = new List<(string, string, string?, JsonNode?)>();
        foreach (var (item, index) in array.Select((x, i) => (x, i)))
        {
            if (item is not JsonObject o || o["op"]?.GetValueKind() != JsonValueKind.String || o["path"]?.GetValueKind() != JsonValueKind.String)
                throw FhirException.BadRequest($"Operation {index} needs string members 'op' and 'path'.", code: "structure");
            var op = o["op"]!.GetValue<string>();
            if (op is not ("add" or "remove" or "replace" or "move" or "copy" or "test"))
                throw FhirException.BadRequest($"Operation {index}: '{op}' is not a JSON Patch operation.", code: "structure");
            if (op is "add" or "replace" or "test" && !o.ContainsKey("value"))
                throw FhirException.BadRequest($"Operation {index} ({op}) needs a 'value'.", code: "structure");
            if (op is "move" or "copy" && o["from"]?.GetValueKind() != JsonValueKind.String)
                throw FhirException.BadRequest($"Operation {index} ({op}) needs a string 'from'.", code: "structure");
            operations.Add((op, o["path"]!.GetValue<string>(), o["from"]?.GetValue<string>(), o["value"]?.DeepClone()));
        }
        return new JsonPatch(operations);
    }

    public ElementNode Apply(ConformanceContext conformance, ElementNode current)
    {
        var root = PatchJson.ToJson(conformance, current);
        foreach (var (op, path, from, value) in _operations) Apply(root, op, path, from, value, conformance.ParserOptions.MaxDepth);
        return PatchJson.FromJson(conformance, root);
    }

    private static void Apply(JsonNode root, string op, string path, string? from, JsonNode? value, int maxDepth)
    {
        var tokens = PatchJson.Tokens(path);
        if (op is "add" or "replace") PatchJson.CheckInsertDepth(tokens, value, maxDepth, path);
        switch (op)
        {
            case "add":
            {
                var (parent, last) = PatchJson.Locate(root, tokens, path);
                PatchJson.Add(parent, last, value?.DeepClone(), path);
                break;
            }
            case "remove":
            {
                var (parent, last) = PatchJson.Locate(root, tokens, path);
                PatchJson.Remove(parent, last, path);
                break;
            }
            case "replace":
            {
                var (parent, last) = PatchJson.Locate(root, tokens, path);
                PatchJson.Remove(parent, last, path);
                PatchJson.Add(parent, last, value?.DeepClone(), path);
                break;
            }
            case "move" or "copy":
            {
                var fromTokens = PatchJson.Tokens(from!);
                var (sourceParent, sourceLast) = PatchJson.Locate(root, fromTokens, from!);
                var moved = op == "move"
                    ? PatchJson.Remove(sourceParent, sourceLast, from!)
                    : (PatchJson.Get(root, fromTokens) ?? throw FhirException.Unprocessable($"'{from}' does not exist in the resource.")).DeepClone();
                PatchJson.CheckInsertDepth(tokens, moved, maxDepth, path);
                var (parent, last) = PatchJson.Locate(root, tokens, path);
                PatchJson.Add(parent, last, moved, path);
                break;
            }
            case "test":
            {
                var actual = PatchJson.Get(root, tokens);
                if (!JsonNode.DeepEquals(actual, value))
                    throw FhirException.Unprocessable($"Test failed: '{path}' is {actual?.ToJsonString() ?? "absent"}, not {value?.ToJsonString() ?? "null"}.");
                break;
            }
        }
    }
}

/// <summary>
/// FHIRPath Patch (R4 fhirpatch.html): a Parameters resource whose <c>operation</c> parameters add, insert, delete,
/// replace or move elements found by FHIRPath. The targets are found on the typed tree, then edited in its JSON.
/// </summary>
public sealed class FhirPathPatch : IPatch
{
    private sealed record Operation(int Index, string Type, string Path, string? Name, ElementNode? Value, int? At, int? Source, int? Destination)
    {
        public CompiledExpression Expression { get; init; } = null!;
    }

    private readonly List<Operation> _operations;

    private FhirPathPatch(List<Operation> operations) => _operations = operations;

    /// <summary>The operations of <paramref name="parameters"/>, each path compiled within the server's FHIRPath limits.</summary>
    public static FhirPathPatch FromParameters(ElementNode parameters, ServerSettings settings)
    {
        if (parameters.Type != "Parameters")
            throw FhirException.BadRequest($"A FHIRPath Patch is a Parameters resource, not a {parameters.Type}.", code: "structure");
        var operations = new List<Operation>();
        foreach (var (parameter, index) in parameters.ChildrenNamed("parameter").Select((p, i) => (p, i)))
        {
            var where = $"Parameters.parameter[{index}]";
            if (parameter.Child("name")?.Value != "operation")
                throw FhirException.BadRequest("Every parameter of a FHIRPath Patch is named 'operation'.", where, "structure");
            var parts = parameter.ChildrenNamed("part").ToList();
            ElementNode? Part(string name) => parts.FirstOrDefault(p => p.Child("name")?.Value == name);
            string? Text(string name) => Part(name)?.Child("value")?.Value;
            int? Number(string name) => Text(name) is { } t
                ? int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw FhirException.BadRequest($"'{name}' must be a non-negative integer.", where)
                : null;
            var type = Text("type") ?? throw FhirException.BadRequest("The operation has no 'type'.", where, "required");
            var path = Text("path") ?? throw FhirException.BadRequest("The operation has no 'path'.", where, "required");
            var op = new Operation(index, type, path, Text("name"), Part("value"), Number("index"), Number("source"), Number("destination"));
            var missing = type switch
            {
                "add" => op.Name is null ? "name" : op.Value is null ? "value" : null,
                "insert" => op.Value is null ? "value" : op.At is null ? "index" : null,
                "replace" => op.Value is null ? "value" : null,
                "move" => op.Source is null ? "source" : op.Destination is null ? "destination" : null,
                "delete" => null,
                _ => throw FhirException.BadRequest($"'{type}' is not a FHIRPath Patch operation (add, insert, delete, replace, move).", where),
            };
            if (missing is not null) throw FhirException.BadRequest($"The {type} operation needs '{missing}'.", where, "required");
            operations.Add(op with { Expression = CompilePath(path, settings, where) });
        }
        return new FhirPathPatch(operations);
    }

    /// <summary>A client's path: a syntax error, or one past the limits (named with the setting), is a 400.</summary>
    private static CompiledExpression CompilePath(string path, ServerSettings settings, string where)
    {
        try
        {
            return FhirPathEngine.Compile(path, settings.ClientFhirPathLimits());
        }
        catch (FhirPathException e)
        {
            var setting = e.Limit switch
            {
                nameof(FhirPathLimits.MaxDepth) => $" (Server:{nameof(ServerSettings.FhirPathMaxDepth)})",
                nameof(FhirPathLimits.MaxLength) => $" (Server:{nameof(ServerSettings.FhirPathMaxLength)})",
                _ => "",
            };
            // A path refused for its size is not repeated back: it may be megabytes of parentheses.
            var shown = e.Limit is null ? $"path '{path}'" : "path";
            var code = e.Limit switch { null => "invalid", nameof(FhirPathLimits.MaxLength) => "too-long", _ => "too-costly" };
            throw FhirException.BadRequest($"{shown}: {e.Message}{setting}", where, code);
        }
    }

    public ElementNode Apply(ConformanceContext conformance, ElementNode current)
    {
        var resource = current;
        foreach (var op in _operations)
        {
            // Each operation sees the result of the previous one (fhirpatch.html: "applied in order").
            var json = PatchJson.ToJson(conformance, resource);
            var targets = Evaluate(conformance, op, resource);
            Apply(conformance, op, targets, json);
            resource = PatchJson.FromJson(conformance, json);
        }
        return resource;
    }

    private static List<ElementNode> Evaluate(ConformanceContext conformance, Operation op, ElementNode resource)
    {
        IReadOnlyList<object> items;
        try
        {
            items = op.Expression.Evaluate(resource, new FhirPathContext { Registry = conformance.Registry });
        }
        catch (FhirPathException e)
        {
            throw FhirException.Unprocessable($"operation {op.Index}: path '{op.Path}' could not be evaluated: {e.Message}");
        }
        if (items.Any(i => i is not ElementNode))
            throw FhirException.Unprocessable($"operation {op.Index}: path '{op.Path}' must select elements of the resource.");
        return [.. items.Cast<ElementNode>()];
    }

    private static void Apply(ConformanceContext conformance, Operation op, List<ElementNode> targets, JsonNode json)
    {
        FhirException Fail(string why) => FhirException.Unprocessable($"operation {op.Index} ({op.Type} at '{op.Path}'): {why}");
        switch (op.Type)
        {
            case "delete":
                if (targets.Count > 1) throw Fail($"the path selects {targets.Count} elements; delete takes at most one");
                if (targets.Count == 0) return;
                var (parent, last) = PatchJson.Locate(json, Tokens(targets[0]), op.Path);
                PatchJson.Remove(parent, last, op.Path);
                PruneEmpty(json);
                return;
            case "replace":
            {
                if (targets.Count != 1) throw Fail($"the path selects {targets.Count} elements; replace takes exactly one");
                var (p, l) = PatchJson.Locate(json, Tokens(targets[0]), op.Path);
                PatchJson.Remove(p, l, op.Path);
                PatchJson.Add(p, l, Value(op.Value!), op.Path);
                return;
            }
            case "add":
            {
                if (targets.Count != 1) throw Fail($"the path selects {targets.Count} elements; add takes exactly one");
                var target = targets[0];
                var container = PatchJson.Get(json, Tokens(target)) as JsonObject ?? throw Fail("the path does not select a complex element");
                var definition = conformance.Registry.ChildrenOf(target.Definition!, target.Type).FirstOrDefault(d => d.Name == op.Name || (d.IsChoice && op.Name!.StartsWith(d.Name, StringComparison.Ordinal)));
                if (definition is null) throw Fail($"{target.Type} has no element '{op.Name}'");
                var valueNode = ValueNode(op.Value!);
                var name = definition!.IsChoice && op.Name == definition.Name && valueNode is not null
                    ? definition.Name + char.ToUpperInvariant(valueNode.Type[0]) + valueNode.Type[1..]
                    : op.Name!;
                var value = Value(op.Value!);
                if (definition.IsCollection)
                {
                    if (container[name] is JsonArray array) array.Add(value);
                    else container[name] = new JsonArray(value);
                }
                else
                {
                    if (container.ContainsKey(name)) throw Fail($"'{name}' already has a value (use replace)");
                    container[name] = value;
                }
                return;
            }
            case "insert" or "move":
            {
                if (targets.Count == 0) throw Fail("the path selects no list");
                var first = targets[0];
                var listTokens = Tokens(first)[..^1];
                if (PatchJson.Get(json, listTokens) is not JsonArray list || targets.Any(t => t.Parent != first.Parent || t.Name != first.Name))
                    throw Fail("the path does not select one list");
                if (op.Type == "insert")
                {
                    if (op.At > list.Count) throw Fail($"index {op.At} is past the end of the list ({list.Count} items)");
                    list.Insert(op.At!.Value, Value(op.Value!));
                    return;
                }
                if (op.Source >= list.Count || op.Destination >= list.Count) throw Fail($"source {op.Source} or destination {op.Destination} is outside the list ({list.Count} items)");
                var item = list[op.Source!.Value];
                list.RemoveAt(op.Source.Value);
                list.Insert(op.Destination!.Value, item);
                return;
            }
        }
    }

    /// <summary>Where a node of the typed tree lies in the resource's FHIR JSON: <c>name/0/given/1</c>.</summary>
    private static string[] Tokens(ElementNode node)
    {
        // A primitive on the way (the path goes into its id or extension) is its "_name" twin in JSON.
        var result = new List<string>();
        var chain = new List<ElementNode>();
        for (var n = node; n.Parent is not null; n = n.Parent) chain.Add(n);
        chain.Reverse();
        foreach (var (n, i) in chain.Select((n, i) => (n, i)))
        {
            var last = i == chain.Count - 1;
            var name = !last && IsPrimitive(n) ? "_" + n.SerializedName : n.SerializedName;
            result.Add(name);
            if (n.IsCollection) result.Add(n.Index.ToString(CultureInfo.InvariantCulture));
        }
        return [.. result];
    }

    private static bool IsPrimitive(ElementNode node) => !node.IsResource && node.Type.Length > 0 && char.IsLower(node.Type[0]);

    /// <summary>The value part's <c>value[x]</c>, or null when the value is given as parts (an anonymous complex value).</summary>
    private static ElementNode? ValueNode(ElementNode valuePart) => valuePart.Child("value") ?? valuePart.Child("resource");

    /// <summary>The JSON of a value: a primitive in its JSON type, a complex value as its object, parts as an object.</summary>
    private static JsonNode? Value(ElementNode valuePart)
    {
        if (ValueNode(valuePart) is { } value) return ToJson(value);
        var obj = new JsonObject();
        foreach (var part in valuePart.ChildrenNamed("part"))
        {
            var name = part.Child("name")?.Value ?? throw FhirException.BadRequest("A value part has no name.", code: "required");
            var v = Value(part);
            if (obj[name] is JsonArray array) array.Add(v);
            else if (obj.ContainsKey(name)) obj[name] = new JsonArray(obj[name]!.DeepClone(), v);
            else obj[name] = v;
        }
        return obj;
    }

    private static JsonNode? ToJson(ElementNode value)
    {
        if (IsPrimitive(value))
        {
            var text = value.Value ?? "";
            return value.Type switch
            {
                "boolean" => JsonValue.Create(text == "true"),
                "integer" or "decimal" or "positiveInt" or "unsignedInt" or "integer64" => JsonNode.Parse(text),
                _ => JsonValue.Create(text),
            };
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) FhirJsonWriter.Write(writer, value);
        return JsonNode.Parse(buffer.ToArray());
    }

    // A delete can leave an empty object or array behind (the last given of a name); FHIR JSON has none.
    private static void PruneEmpty(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (o[key] is { } child) PruneEmpty(child);
                    if (o[key] is JsonObject { Count: 0 } or JsonArray { Count: 0 }) o.Remove(key);
                }
                break;
            case JsonArray a:
                for (var i = a.Count - 1; i >= 0; i--)
                {
                    if (a[i] is { } child) PruneEmpty(child);
                    if (a[i] is JsonObject { Count: 0 }) a.RemoveAt(i);
                }
                break;
        }
    }
}
