using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Serialization;

/// <summary>
/// Writes an <see cref="ElementNode"/> tree as FHIR JSON (R4 §2.6): <c>resourceType</c> first, elements in
/// definition order, repeating elements as arrays, primitive values in their JSON type with their literal text kept
/// (decimals as written), and <c>id</c>/<c>extension</c> of primitives under <c>_name</c>, aligned with <c>null</c>.
/// </summary>
public static class FhirJsonWriter
{
    private static readonly JsonWriterOptions Compact = new()
    {
        // Keep accents and other non-ASCII characters as they are: French text stays readable and compact.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        MaxDepth = 1024,
    };

    private static readonly JsonWriterOptions Pretty = Compact with { Indented = true };

    public static byte[] WriteToBytes(ElementNode resource, bool pretty = false)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, pretty ? Pretty : Compact)) Write(writer, resource);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes into <paramref name="output"/> (a pooled buffer, for large resources) as the writer goes.</summary>
    public static void Write(IBufferWriter<byte> output, ElementNode resource, bool pretty = false)
    {
        using var writer = new Utf8JsonWriter(output, pretty ? Pretty : Compact);
        Write(writer, resource);
    }

    public static string WriteToString(ElementNode resource, bool pretty = false) =>
        System.Text.Encoding.UTF8.GetString(WriteToBytes(resource, pretty));

    public static void Write(Stream stream, ElementNode resource, bool pretty = false)
    {
        using var writer = new Utf8JsonWriter(stream, pretty ? Pretty : Compact);
        Write(writer, resource);
    }

    public static void Write(Utf8JsonWriter writer, ElementNode node)
    {
        writer.WriteStartObject();
        if (node.IsResource) writer.WriteString("resourceType"u8, node.Type);
        WriteMembers(writer, node);
        writer.WriteEndObject();
    }

    private static void WriteMembers(Utf8JsonWriter writer, ElementNode node)
    {
        var children = InDefinitionOrder(node.Children);
        var i = 0;
        while (i < children.Count)
        {
            var first = children[i];
            var end = i + 1;
            while (end < children.Count && SameProperty(children[end], first)) end++;
            WriteProperty(writer, children, i, end);
            i = end;
        }
    }

    private static void WriteProperty(Utf8JsonWriter writer, IReadOnlyList<ElementNode> children, int start, int end)
    {
        var first = children[start];
        var name = first.SerializedName;
        var isPrimitive = IsPrimitiveNode(first);
        var asArray = first.IsCollection || end - start > 1;
        if (!isPrimitive)
        {
            writer.WritePropertyName(name);
            if (asArray) writer.WriteStartArray();
            for (var k = start; k < end; k++) Write(writer, children[k]);
            if (asArray) writer.WriteEndArray();
            return;
        }

        var anyValue = false;
        var anyExtra = false;
        for (var k = start; k < end; k++)
        {
            anyValue |= children[k].HasValue;
            anyExtra |= children[k].HasChildren;
        }
        // With no value at all only "_name" is written: an all-null value array carries nothing (R4 §2.6.2.1).
        if (anyValue)
        {
            writer.WritePropertyName(name);
            if (asArray)
            {
                writer.WriteStartArray();
                for (var k = start; k < end; k++) WriteValue(writer, children[k]);
                writer.WriteEndArray();
            }
            else WriteValue(writer, first);
        }
        if (!anyExtra) return;
        writer.WritePropertyName("_" + name);
        if (asArray) writer.WriteStartArray();
        for (var k = start; k < end; k++)
        {
            var c = children[k];
            if (!c.HasChildren) writer.WriteNullValue();
            else
            {
                writer.WriteStartObject();
                WriteMembers(writer, c);
                writer.WriteEndObject();
            }
        }
        if (asArray) writer.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, ElementNode node)
    {
        if (!node.HasValue)
        {
            writer.WriteNullValue();
            return;
        }
        if (node.TryGetUtf8Value(out var utf8))
        {
            // Held as UTF-8 only when it came as the JSON type of its FHIR type: a number token stays a number.
            if (PrimitiveRules.JsonKind(node.Type) == JsonPrimitiveKind.Number) writer.WriteRawValue(utf8, skipInputValidation: true);
            else writer.WriteStringValue(utf8);
            return;
        }
        var value = node.Value!;
        switch (PrimitiveRules.JsonKind(node.Type))
        {
            case JsonPrimitiveKind.Boolean when value is "true":
                writer.WriteBooleanValue(true);
                break;
            case JsonPrimitiveKind.Boolean when value is "false":
                writer.WriteBooleanValue(false);
                break;
            case JsonPrimitiveKind.Number when PrimitiveRules.IsJsonNumber(value):
                writer.WriteRawValue(value, skipInputValidation: true);
                break;
            default:
                // Also the fallback for a boolean or number whose text is not valid JSON: a string keeps the JSON well-formed.
                writer.WriteStringValue(value);
                break;
        }
    }

    /// <summary>A primitive node: it carries a value, or its type is primitive (lower-case FHIR primitive type names).</summary>
    internal static bool IsPrimitiveNode(ElementNode node) =>
        !node.IsResource && (node.HasValue || (node.Type.Length > 0 && char.IsLower(node.Type[0])));

    private static bool SameProperty(ElementNode a, ElementNode b) =>
        a.Definition is not null ? ReferenceEquals(a.Definition, b.Definition) && (!a.IsChoice || a.Type == b.Type) : a.Name == b.Name;

    /// <summary>Children sorted by their definition's order; stable, and free when already in order (the usual case).</summary>
    internal static IReadOnlyList<ElementNode> InDefinitionOrder(IReadOnlyList<ElementNode> children)
    {
        for (var i = 1; i < children.Count; i++)
        {
            if (Order(children[i]) >= Order(children[i - 1])) continue;
            return children.Select((c, index) => (c, index)).OrderBy(x => Order(x.c)).ThenBy(x => x.index).Select(x => x.c).ToList();
        }
        return children;
    }

    private static int Order(ElementNode n) => n.Definition?.Order ?? int.MaxValue;
}
