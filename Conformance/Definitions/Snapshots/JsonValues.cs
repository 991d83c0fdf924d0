using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FhirServer.Conformance.Definitions.Snapshots;

/// <summary>
/// Reads definitions as they come (a file loaded as is, a request body): a value of the wrong JSON kind reads as
/// absent rather than throwing, as <c>(string?)node</c> and <c>node["x"]</c> on a JsonValue do.
/// </summary>
internal static class JsonValues
{
    /// <summary>A JSON string's value; null for anything else.</summary>
    public static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>A JSON integer's value; null for anything else.</summary>
    public static int? Integer(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && int.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n : null;

    /// <summary>A property of an object; null when <paramref name="node"/> is not an object.</summary>
    public static JsonNode? Child(JsonNode? node, string name) => (node as JsonObject)?[name];

    /// <summary>A string property of an object.</summary>
    public static string? Text(JsonNode? node, string name) => Text(Child(node, name));
}
