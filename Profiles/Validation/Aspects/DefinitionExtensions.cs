using System.Text.Json;

namespace FhirServer.Profiles.Validation.Aspects;

/// <summary>Extensions that an ElementDefinition carries (the minLength extension, R5 cross-version properties, ...).</summary>
internal static class DefinitionExtensions
{
    /// <summary>The <paramref name="valueName"/> (e.g. <c>valueInteger</c>) of each extension with this url, in order.</summary>
    public static IEnumerable<JsonElement> Values(JsonElement definition, string url, string valueName)
    {
        if (!definition.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array) yield break;
        foreach (var extension in extensions.EnumerateArray())
            if (extension.ValueKind == JsonValueKind.Object
                && extension.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String && u.GetString() == url
                && extension.TryGetProperty(valueName, out var value))
                yield return value;
    }
}
