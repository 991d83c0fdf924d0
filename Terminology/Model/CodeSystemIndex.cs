using FhirServer.Conformance.Model;

namespace FhirServer.Terminology.Model;

/// <summary>
/// A CodeSystem read once into a code → concept table with its hierarchy. Built the first time a request needs
/// the code system; the resource tree itself is not kept.
/// </summary>
public sealed class CodeSystemIndex
{
    private readonly Dictionary<string, Concept> _byCode;

    private CodeSystemIndex(string url, string? version, bool caseSensitive, string content, Dictionary<string, Concept> byCode, List<Concept> roots)
    {
        Url = url;
        Version = version;
        CaseSensitive = caseSensitive;
        Content = content;
        _byCode = byCode;
        Roots = roots;
    }

    public string Url { get; }
    public string? Version { get; }
    public string? Name { get; private init; }
    public string? Title { get; private init; }
    public string? Status { get; private init; }
    public string? Language { get; private init; }
    public bool Experimental { get; private init; }
    /// <summary>The structuredefinition-standards-status extension (draft, deprecated, withdrawn…), if any.</summary>
    public string? StandardsStatus { get; private init; }
    public bool CaseSensitive { get; }
    /// <summary><c>complete</c>, <c>fragment</c>, <c>not-present</c>, <c>example</c> or <c>supplement</c> (R4 §4.8.5).</summary>
    public string Content { get; }
    public IReadOnlyList<Concept> Roots { get; }
    public IEnumerable<Concept> All => _byCode.Values;
    public int Count => _byCode.Count;

    /// <summary>A code of this system; codes of a case-insensitive system (caseSensitive false or absent) match in any case.</summary>
    public Concept? Find(string code) => _byCode.GetValueOrDefault(code);

    public bool IsCompleteContent => Content == "complete";

    public static CodeSystemIndex Build(ElementNode codeSystem)
    {
        var url = codeSystem.Child("url")?.Value ?? "";
        // R4 CodeSystem.caseSensitive: when absent, "it is not known" — codes are compared as written, which is the
        // safe choice for exact systems; only an explicit false allows case-insensitive matches.
        var caseSensitive = codeSystem.Child("caseSensitive")?.Value != "false";
        var byCode = new Dictionary<string, Concept>(caseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        var roots = new List<Concept>();
        var pending = new List<(Concept Concept, string Code, bool IsParent)>();
        foreach (var node in codeSystem.ChildrenNamed("concept"))
            if (Read(node, null, byCode, pending) is { } root) roots.Add(root);

        // parent/child properties (R4 concept-properties): links by code, resolved once every concept is known.
        foreach (var (concept, other, isParent) in pending)
        {
            if (!byCode.TryGetValue(other, out var target)) continue;
            if (isParent) target.AddChild(concept);
            else concept.AddChild(target);
        }
        roots.RemoveAll(r => r.Parents.Count > 0);
        return new CodeSystemIndex(url, codeSystem.Child("version")?.Value, caseSensitive,
            codeSystem.Child("content")?.Value ?? "complete", byCode, roots)
        {
            Name = codeSystem.Child("name")?.Value,
            Title = codeSystem.Child("title")?.Value,
            Status = codeSystem.Child("status")?.Value,
            Language = codeSystem.Child("language")?.Value,
            Experimental = codeSystem.Child("experimental")?.Value == "true",
            StandardsStatus = codeSystem.ChildrenNamed("extension")
                .FirstOrDefault(e => e.Child("url")?.Value == "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status")?.Child("value")?.Value,
        };
    }

    private static Concept? Read(ElementNode node, Concept? parent, Dictionary<string, Concept> byCode, List<(Concept, string, bool)> pending)
    {
        var code = node.Child("code")?.Value;
        if (code is null) return null;
        if (!byCode.TryGetValue(code, out var concept)) byCode[code] = concept = new Concept(code);
        concept.Display ??= node.Child("display")?.Value;
        concept.Definition ??= node.Child("definition")?.Value;
        foreach (var d in node.ChildrenNamed("designation"))
            if (d.Child("value")?.Value is { } value)
                concept.Designations.Add(new Designation(d.Child("language")?.Value, Codings.Read(d.Child("use")), value));
        foreach (var p in node.ChildrenNamed("property"))
        {
            if (p.Child("code")?.Value is not { } pc || p.Child("value") is not { } v) continue;
            var property = new ConceptProperty(pc, v.Type, v.Value, v.Type == "Coding" ? Codings.Read(v) : null);
            concept.Properties.Add(property);
            if (pc is "parent" or "child" && property.Value is { } other) pending.Add((concept, other, pc == "parent"));
        }
        parent?.AddChild(concept);
        foreach (var child in node.ChildrenNamed("concept")) Read(child, concept, byCode, pending);
        return concept;
    }
}
