using System.Text.Json.Nodes;

namespace FhirServer.Tests.Fuzz;

/// <summary>
/// Hostile patches (R4 http.html#patch): JSON Patch documents with odd operations, pointers and values, and FHIRPath
/// Patch Parameters with odd operations and paths — some nested hundreds to thousands of levels deep.
/// </summary>
public sealed class PatchAttacks(Random random)
{
    private static readonly string[] Pointers =
        ["", "/", "/~2", "/~", "/name/99999999999", "/name/-", "/name/-1", "/name/01", "/resourceType", "/id", "/meta/versionId", "/text/div", "/contained/0/id",
         "/name/0/given/0", "/extension/-", "/a/b/c", "/name/0/", "//", "/%00", "/\u0000", "name", "/identifier/0/value", "/birthDate", "/active"];

    private static readonly string[] Paths =
    [
        "{0}", "{0}.name", "{0}.name[0]", "{0}.name.where(use='official')", "{0}.contained.ofType(Patient)", "%resource", "{0}.name.given.first()", "{0}.(((",
        "{0}.name | {0}.address", "1+1", "{0}.name.select($this.repeat(given))", "{0}.descendants()", "iif(true, {0}, 1/0)", "{0}.name.aggregate($total + 1, 0)",
        "{0}.identifier.where(value.matches('(a+)+$'))", "{0}.extension('http://x')", "{0}.id", "{0}.meta", "{0}.text.div", "'x'", "{{}}", "{0}.name[-1]",
        "{0}.name[99999999999]", "{0}.$this", "{0}.`unknown`", "{0}.trace('x')", "{0}.name.ofType(Unknown)", "{0}.resolve()", "%context.%context", "", "{0}..name",
        "{0}.name.given.substring(0, 99999999999)", "{0}.children().children().children()", "{0}.repeat($this)", "{0}.\u0000",
    ];

    private static readonly string[] Types = ["add", "insert", "delete", "replace", "move", "foo", "", "ADD"];

    /// <summary>A JSON Patch document (RFC 6902), mostly malformed or pointing where it should not.</summary>
    public string JsonPatch()
    {
        if (random.Next(8) == 0) return new[] { "{}", "[", "null", "[null]", "[[]]", "\"x\"", "[{}]", "" }[random.Next(8)];
        var ops = new JsonArray();
        var count = random.Next(10) == 0 ? 1 + random.Next(5_000) : 1 + random.Next(4);
        for (var i = 0; i < count; i++)
        {
            var op = new JsonObject { ["op"] = new[] { "add", "remove", "replace", "move", "copy", "test", "foo", "" }[random.Next(8)] };
            op["path"] = random.Next(6) == 0 ? string.Concat(Enumerable.Repeat("/a", 1 + random.Next(2_000))) : Pointers[random.Next(Pointers.Length)];
            if (random.Next(3) > 0) op["from"] = Pointers[random.Next(Pointers.Length)];
            if (random.Next(4) > 0)
                op["value"] = random.Next(6) switch
                {
                    0 => null, 1 => 1, 2 => new JsonArray(), 3 => new JsonObject { ["resourceType"] = "Patient" }, 4 => new string('v', random.Next(10_000)), _ => "x",
                };
            if (random.Next(10) == 0) op["op"] = new JsonArray();
            ops.Add(op);
        }
        return JsonMutator.Text(ops);
    }

    /// <summary>A FHIRPath Patch Parameters resource of one to three operations with odd paths.</summary>
    public string FhirPathPatch(string type) => Parameters(type, Enumerable.Range(0, 1 + random.Next(3)).Select(_ => string.Format(Paths[random.Next(Paths.Length)], type)));

    /// <summary>A FHIRPath Patch whose path nests <paramref name="depth"/> levels: parentheses, where(), unary minus, function chains.</summary>
    public string DeepFhirPathPatch(string type, int depth)
    {
        var path = random.Next(5) switch
        {
            0 => new string('(', depth) + type + new string(')', depth),
            1 => type + string.Concat(Enumerable.Repeat(".where(true", depth)) + new string(')', depth),
            2 => new string('-', depth) + "1",
            3 => type + string.Concat(Enumerable.Repeat(".first()", depth)),
            _ => type + ".name" + string.Concat(Enumerable.Repeat(".where(given.exists() and (", depth)) + "true" + string.Concat(Enumerable.Repeat("))", depth)),
        };
        return Parameters(type, [path]);
    }

    private string Parameters(string type, IEnumerable<string> paths)
    {
        var parameters = new JsonArray();
        foreach (var path in paths)
        {
            var parts = new JsonArray
            {
                new JsonObject { ["name"] = "type", ["valueCode"] = Types[random.Next(Types.Length)] },
                new JsonObject { ["name"] = "path", ["valueString"] = path },
            };
            if (random.Next(2) == 0) parts.Add(new JsonObject { ["name"] = "name", ["valueString"] = new[] { "name", "given", "", "resourceType", "id", "unknown", "extension" }[random.Next(7)] });
            if (random.Next(3) > 0)
                parts.Add(random.Next(4) switch
                {
                    0 => new JsonObject { ["name"] = "value", ["valueString"] = "x" },
                    1 => new JsonObject { ["name"] = "value", ["valueHumanName"] = new JsonObject { ["family"] = "F" } },
                    2 => new JsonObject { ["name"] = "value", ["part"] = new JsonArray(new JsonObject { ["name"] = "family", ["valueString"] = "F" }) },
                    _ => new JsonObject { ["name"] = "value", ["resource"] = new JsonObject { ["resourceType"] = type } },
                });
            if (random.Next(3) == 0) parts.Add(new JsonObject { ["name"] = "index", ["valueInteger"] = new[] { -1, 0, 1, 99999, int.MaxValue }[random.Next(5)] });
            if (random.Next(4) == 0) parts.Add(new JsonObject { ["name"] = new[] { "source", "destination" }[random.Next(2)], ["valueInteger"] = random.Next(-2, 5) });
            parameters.Add(new JsonObject { ["name"] = random.Next(12) == 0 ? "op" : "operation", ["part"] = parts });
        }
        return JsonMutator.Text(new JsonObject { ["resourceType"] = "Parameters", ["parameter"] = parameters });
    }
}
