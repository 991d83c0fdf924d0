using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// Checks the JSON kind of a differential element's properties (R4 elementdefinition.html, json.html) before it is
/// merged, so that what goes into the snapshot is shaped as the compiler and the validator read it. A number where
/// a string is expected (<c>"max": 0</c>) or digits where an integer is (<c>"min": "1"</c>), and an R3-style single
/// type profile, are read as meant, with a warning, as the HL7 Java validator's lenient JSON reader does; any other
/// property of the wrong kind is an error and is left out.
/// </summary>
internal static class ElementShape
{
    private enum Kind { String, Integer, Boolean, Object, StringArray, ObjectArray }

    private static readonly Dictionary<string, Kind> Kinds = new(StringComparer.Ordinal)
    {
        ["id"] = Kind.String, ["path"] = Kind.String, ["sliceName"] = Kind.String, ["label"] = Kind.String,
        ["short"] = Kind.String, ["definition"] = Kind.String, ["comment"] = Kind.String, ["requirements"] = Kind.String,
        ["max"] = Kind.String, ["contentReference"] = Kind.String, ["meaningWhenMissing"] = Kind.String,
        ["orderMeaning"] = Kind.String, ["min"] = Kind.Integer, ["maxLength"] = Kind.Integer,
        ["sliceIsConstraining"] = Kind.Boolean, ["mustSupport"] = Kind.Boolean, ["isModifier"] = Kind.Boolean,
        ["isSummary"] = Kind.Boolean, ["base"] = Kind.Object, ["binding"] = Kind.Object, ["slicing"] = Kind.Object,
        ["representation"] = Kind.StringArray, ["alias"] = Kind.StringArray, ["condition"] = Kind.StringArray,
        ["code"] = Kind.ObjectArray, ["type"] = Kind.ObjectArray, ["example"] = Kind.ObjectArray,
        ["constraint"] = Kind.ObjectArray, ["mapping"] = Kind.ObjectArray, ["extension"] = Kind.ObjectArray,
        ["modifierExtension"] = Kind.ObjectArray,
    };

    /// <summary>A copy of <paramref name="element"/> with every known property of the kind R4 gives it.</summary>
    public static JsonObject Checked(JsonObject element, Action<string, string, IssueSeverity> report)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in element)
        {
            if (value is null) continue;
            var shaped = Kinds.TryGetValue(name, out var kind) ? Shaped(name, value, kind, report) : value.DeepClone();
            if (shaped is not null) copy[name] = name == "type" && shaped is JsonArray types ? TypesChecked(types, report) : shaped;
        }
        return copy;
    }

    private static JsonNode? Shaped(string name, JsonNode value, Kind kind, Action<string, string, IssueSeverity> report)
    {
        var json = value.GetValueKind();
        switch (kind)
        {
            case Kind.String when json == JsonValueKind.String:
            case Kind.Integer when json == JsonValueKind.Number && JsonValues.Integer(value) is not null:
            case Kind.Boolean when json is JsonValueKind.True or JsonValueKind.False:
            case Kind.Object when json == JsonValueKind.Object:
                return value.DeepClone();
            case Kind.String when json == JsonValueKind.Number:
                report("structure", $"'{name}' is a JSON number ({value.ToJsonString()}) where FHIR JSON has a string; read as the string \"{value.ToJsonString()}\".", IssueSeverity.Warning);
                return JsonValue.Create(value.ToJsonString());
            case Kind.Integer when JsonValues.Text(value) is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                report("structure", $"'{name}' is a JSON string (\"{text}\") where FHIR JSON has an integer; read as {n}.", IssueSeverity.Warning);
                return JsonValue.Create(n);
            case Kind.StringArray or Kind.ObjectArray when value is JsonArray array:
                var wanted = kind == Kind.StringArray ? JsonValueKind.String : JsonValueKind.Object;
                var items = new JsonArray();
                foreach (var item in array)
                    if (item?.GetValueKind() == wanted) items.Add(item.DeepClone());
                    else report("structure", $"'{name}' holds a {Describe(item)} where FHIR JSON has {(wanted == JsonValueKind.String ? "a string" : "an object")}; it is left out.", IssueSeverity.Error);
                return items;
            default:
                report("structure", $"'{name}' is a {Describe(value)} where FHIR JSON has {Expected(kind)}; it is left out.", IssueSeverity.Error);
                return null;
        }
    }

    // ElementDefinition.type: a code (uri) and lists of canonicals; R3 wrote profile and targetProfile as one string.
    private static JsonArray TypesChecked(JsonArray types, Action<string, string, IssueSeverity> report)
    {
        var checkedTypes = new JsonArray();
        foreach (var type in types.OfType<JsonObject>())
        {
            if (JsonValues.Text(type, "code") is null)
            {
                report("structure", "A type without a code (a string) is left out.", IssueSeverity.Error);
                continue;
            }
            var copy = (JsonObject)type.DeepClone();
            foreach (var name in new[] { "profile", "targetProfile", "aggregation" })
            {
                if (copy[name] is not { } list || list is JsonArray) continue;
                copy.Remove(name);
                if (JsonValues.Text(list) is { } single)
                {
                    report("structure", $"type.{name} is a single string where R4 JSON has an array; read as one.", IssueSeverity.Warning);
                    copy[name] = new JsonArray(JsonValue.Create(single));
                }
                else report("structure", $"type.{name} is a {Describe(list)} where FHIR JSON has an array; it is left out.", IssueSeverity.Error);
            }
            foreach (var name in new[] { "profile", "targetProfile", "aggregation" })
                if (copy[name] is JsonArray list && list.Any(p => JsonValues.Text(p) is null))
                {
                    report("structure", $"type.{name} holds something other than strings; those are left out.", IssueSeverity.Error);
                    copy[name] = new JsonArray([.. list.Select(JsonValues.Text).OfType<string>().Select(s => (JsonNode)JsonValue.Create(s))]);
                }
            checkedTypes.Add(copy);
        }
        return checkedTypes;
    }

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "JSON boolean",
        var kind => "JSON " + kind.ToString()!.ToLowerInvariant(),
    };

    private static string Expected(Kind kind) => kind switch
    {
        Kind.String => "a string",
        Kind.Integer => "an integer",
        Kind.Boolean => "a boolean",
        Kind.Object => "an object",
        _ => "an array",
    };
}
