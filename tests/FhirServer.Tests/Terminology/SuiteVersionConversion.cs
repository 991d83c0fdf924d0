using System.Text.Json.Nodes;

namespace FhirServer.Tests.Terminology;

/// <summary>
/// The R5 ↔ R4 conversion the tx-ecosystem runner applies when it tests an R4 server (the suite's docs/r4.md):
/// requests and setup resources go to R4, responses come back to R5 before they are compared.
/// </summary>
public static class SuiteVersionConversion
{
    private const string Translation = "http://hl7.org/fhir/StructureDefinition/translation";
    private const string CrossVersion = "http://hl7.org/fhir/5.0/StructureDefinition/extension-";

    // Elements of the suite's R5 resources that R4 does not have and that carry nothing the tests depend on.
    private static readonly HashSet<string> R5Only = ["versionAlgorithmString", "versionAlgorithmCoding", "copyrightLabel", "additionalUse"];

    /// <summary>R5 (and the R5 JSON shorthand of the suite) to valid R4 JSON, in place.</summary>
    public static void ToR4(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var name in o.Select(p => p.Key).Where(R5Only.Contains).ToList()) o.Remove(name);
                foreach (var name in o.Select(p => p.Key).Where(IsLanguageKeyed).ToList()) LanguageKeyedToTranslation(o, name);
                // The runner reads the request with its FHIR parser, which takes a boolean written as a string
                // ("valueBoolean": "true", batch/batch-validate-bad) as that boolean, and sends it as a JSON boolean.
                if (o["valueBoolean"] is JsonValue flag && flag.TryGetValue<string>(out var text) && bool.TryParse(text, out var value))
                    o["valueBoolean"] = value;
                foreach (var (_, child) in o) if (child is not null) ToR4(child);
                break;
            case JsonArray a:
                foreach (var child in a) if (child is not null) ToR4(child);
                break;
        }
    }

    /// <summary>
    /// R4 responses back to R5: the cross-version extensions for <c>ValueSet.expansion.property</c> and
    /// <c>expansion.contains.property</c> become the R5 elements again.
    /// </summary>
    public static void ToR5(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["extension"] is JsonArray extensions)
                {
                    foreach (var extension in extensions.OfType<JsonObject>().ToList())
                    {
                        var url = (string?)extension["url"];
                        if (url is null || !url.StartsWith(CrossVersion, StringComparison.Ordinal)) continue;
                        var element = url[(url.LastIndexOf('.') + 1)..];
                        if (o[element] is not JsonArray target) o[element] = target = [];
                        target.Add(ExtensionToElement(extension));
                        extensions.Remove(extension);
                    }
                    if (extensions.Count == 0) o.Remove("extension");
                }
                foreach (var (_, child) in o.ToList()) if (child is not null) ToR5(child);
                break;
            case JsonArray a:
                foreach (var child in a) if (child is not null) ToR5(child);
                break;
        }
    }

    // A complex cross-version extension: each sub-extension is one element of the R5 type ("value" keeps its [x] type).
    private static JsonObject ExtensionToElement(JsonObject extension)
    {
        var element = new JsonObject();
        foreach (var part in (extension["extension"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = (string)part["url"]!;
            var (valueName, value) = part.First(p => p.Key.StartsWith("value", StringComparison.Ordinal));
            element[name == "value" ? valueName : name] = value?.DeepClone();
        }
        return element;
    }

    // "title:en": the suite's JSON shorthand for a translation of the element "title" into "en".
    private static bool IsLanguageKeyed(string name) =>
        name.IndexOf(':') is var colon and > 0 && colon < name.Length - 1 && !name.StartsWith('$');

    // R4 carries translations in the translation extension on the primitive (R4 languages.html): "_title".extension.
    private static void LanguageKeyedToTranslation(JsonObject o, string name)
    {
        var colon = name.IndexOf(':');
        var element = name[..colon];
        var language = name[(colon + 1)..];
        var content = (string?)o[name];
        o.Remove(name);
        if (content is null) return;
        if (o["_" + element] is not JsonObject primitive) o["_" + element] = primitive = [];
        if (primitive["extension"] is not JsonArray extensions) primitive["extension"] = extensions = [];
        var present = extensions.OfType<JsonObject>().Any(e => (string?)e["url"] == Translation
            && (e["extension"] as JsonArray ?? []).OfType<JsonObject>().Any(p => (string?)p["url"] == "lang" && (string?)p["valueCode"] == language));
        if (present) return;
        extensions.Add(new JsonObject
        {
            ["url"] = Translation,
            ["extension"] = new JsonArray(
                new JsonObject { ["url"] = "lang", ["valueCode"] = language },
                new JsonObject { ["url"] = "content", ["valueString"] = content }),
        });
    }
}
