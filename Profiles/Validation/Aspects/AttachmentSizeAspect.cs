using System.Globalization;
using System.Text.Json;
using FhirServer.Conformance.Model;
using FhirServer.Profiles.Validation.Schemas;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>
/// Attachment.size is "the number of bytes of data that make up this attachment (before base64 encoding, if that
/// is done)" (R4 datatypes.html#Attachment): with the data inline, the stated size must be the data's. Compiled on
/// the Attachment type's root, so it runs on every Attachment; the length is computed from the base64 text without
/// decoding it. The HL7 validator's message.
/// </summary>
public sealed class AttachmentSizeAspect : IAspectBuilder
{
    private static readonly SizeCheck Check = new();

    public void Build(ElementSchema element, JsonElement json, List<IElementCheck> checks)
    {
        if (element.Path == "Attachment") checks.Add(Check);
    }

    /// <summary>The number of bytes base64 <paramref name="data"/> encodes (whitespace ignored); null when it is not base64.</summary>
    public static long? DecodedLength(string data)
    {
        long chars = 0, padding = 0;
        foreach (var c in data)
        {
            if (char.IsWhiteSpace(c)) continue;
            if (c == '=') padding++;
            else if (padding > 0 || !(char.IsAsciiLetterOrDigit(c) || c is '+' or '/')) return null;
            chars++;
        }
        return chars % 4 != 0 || padding > 2 ? null : chars / 4 * 3 - padding;
    }

    private sealed class SizeCheck : IElementCheck
    {
        public void Check(ElementNode node, ValidationState state)
        {
            if (node.Child("size")?.Value is not { } stated || node.Child("data")?.Value is not { } data) return;
            if (!long.TryParse(stated, NumberStyles.None, CultureInfo.InvariantCulture, out var size) || DecodedLength(data) is not { } actual || actual == size) return;
            state.Report(IssueSeverity.Error, "structure",
                string.Create(CultureInfo.InvariantCulture, $"Stated Attachment Size {size:N0} does not match actual attachment size {actual:N0}"), node);
        }
    }
}
