using FhirServer.Conformance.Model;

namespace FhirServer.Conformance.Search;

/// <summary>Token values (R4 search.html §2.1.1.5.7, the table of what system and code are for each type).</summary>
internal static class TokenValues
{
    public static bool Add(object item, List<IndexValue> values)
    {
        switch (item)
        {
            case ElementNode { Type: "Coding" } coding:
                AddCoding(coding, null, values);
                return true;
            case ElementNode { Type: "CodeableConcept" } concept:
                AddConcept(concept, values);
                return true;
            case ElementNode { Type: "Identifier" } identifier:
                AddIdentifier(identifier, values);
                return true;
            // "At the discretion of the server, token searches on ContactPoint may use ContactPoint.use": we keep the value only.
            case ElementNode { Type: "ContactPoint" } contact:
                if (contact.Child("value")?.Value is { } telecom) values.Add(new TokenIndex(null, telecom));
                return true;
            case ElementNode { Type: "boolean" } flag:
                if (flag.Value is { } literal) values.Add(new TokenIndex(null, literal));
                return true;
            // code, id, string, uri…: the code is the value; a code's system is implied by its binding, so left empty.
            case ElementNode node when IndexValues.IsText(node.Type):
                if (node.Value is { Length: > 0 } code) values.Add(new TokenIndex(null, code));
                return true;
            case bool b:
                values.Add(new TokenIndex(null, b ? "true" : "false"));
                return true;
            case string s:
                values.Add(new TokenIndex(null, s));
                return true;
            default:
                return false;
        }
    }

    private static void AddCoding(ElementNode coding, string? conceptText, List<IndexValue> values)
    {
        var system = coding.Child("system")?.Value;
        var code = coding.Child("code")?.Value;
        var display = coding.Child("display")?.Value;
        if (system is null && code is null && display is null && conceptText is null) return;
        values.Add(new TokenIndex(system, code, Text(display ?? conceptText)));
    }

    // One token per coding; :text matches CodeableConcept.text or a Coding.display (§2.1.1.5.7 "text"), so the
    // concept's text gets a token of its own unless a coding already carries it. The text is looked up once: Child scans
    // the concept's children, and once per coding made a concept of 100,000 codings cost 10^10 steps (minutes).
    private static void AddConcept(ElementNode concept, List<IndexValue> values)
    {
        var conceptText = concept.Child("text")?.Value;
        var text = Text(conceptText);
        var before = values.Count;
        foreach (var coding in concept.ChildrenNamed("coding")) AddCoding(coding, conceptText, values);
        if (text is null) return;
        for (var i = before; i < values.Count; i++)
            if (((TokenIndex)values[i]).Text == text) return;
        values.Add(new TokenIndex(null, null, text));
    }

    private static void AddIdentifier(ElementNode identifier, List<IndexValue> values)
    {
        var system = identifier.Child("system")?.Value;
        var value = identifier.Child("value")?.Value;
        var type = identifier.Child("type");
        var text = Text(type?.Child("text")?.Value);
        if (system is null && value is null) return;
        var added = false;
        if (type is not null)
            foreach (var coding in type.ChildrenNamed("coding"))
            {
                var typeSystem = coding.Child("system")?.Value;
                var typeCode = coding.Child("code")?.Value;
                if (typeCode is null) continue;
                values.Add(new TokenIndex(system, value, text) { TypeSystem = typeSystem, TypeCode = typeCode });
                added = true;
            }
        if (!added) values.Add(new TokenIndex(system, value, text));
    }

    private static string? Text(string? text) => text is null ? null : SearchText.Normalize(text) is { Length: > 0 } t ? t : null;
}
