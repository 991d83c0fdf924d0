using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Context;
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

    public static JsonPatch Parse(ReadOnlyMemory<byte> body)
    {
        JsonNode? doc;
        try
        {
            doc = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
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
