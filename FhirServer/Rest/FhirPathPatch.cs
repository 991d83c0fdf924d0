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
        if (items.Any(i => i is not ElementNode node || Root(node) != resource))
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
                // The resource itself is in no list: insert and move work on the items of a repeating element.
                if (targets.Any(t => t.Parent is null)) throw Fail("the path selects the resource itself, not the items of a list");
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

    private static ElementNode Root(ElementNode node)
    {
        while (node.Parent is not null) node = node.Parent;
        return node;
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
