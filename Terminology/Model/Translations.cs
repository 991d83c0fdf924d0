using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Model;

/// <summary>
/// The translations of a string element: the R4 translation extension on the primitive (R4 languages.html,
/// http://hl7.org/fhir/StructureDefinition/translation with <c>lang</c> and <c>content</c>), e.g. on
/// <c>_definition</c> or <c>_display</c>.
/// </summary>
public static class Translations
{
    public const string Url = "http://hl7.org/fhir/StructureDefinition/translation";

    public static IEnumerable<(string Language, string Content)> Read(ElementNode? primitive)
    {
        if (primitive is null) yield break;
        foreach (var extension in primitive.ChildrenNamed("extension").Where(e => e.Child("url")?.Value == Url))
        {
            string? language = null, content = null;
            foreach (var part in extension.ChildrenNamed("extension"))
            {
                if (part.Child("url")?.Value == "lang") language = part.Child("value")?.Value;
                else if (part.Child("url")?.Value == "content") content = part.Child("value")?.Value;
            }
            if (language is not null && content is not null) yield return (language, content);
        }
    }
}
