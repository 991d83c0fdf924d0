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
    public bool Experimental { get; private init; }
    /// <summary>The structuredefinition-standards-status extension (draft, trial-use, normative, deprecated, withdrawn…).</summary>
    public string? StandardsStatus { get; private init; }
    public string? Language { get; private init; }
    /// <summary>The properties the code system defines (CodeSystem.property): code → URI; a supplement's added.</summary>
    public IReadOnlyDictionary<string, string?> PropertyUris => _propertyUris;

    /// <summary>The types of the properties the code system defines (CodeSystem.property.type): code → type.</summary>
    public IReadOnlyDictionary<string, string?> PropertyTypes => _propertyTypes;

    private readonly Dictionary<string, string?> _propertyUris = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _propertyTypes = new(StringComparer.Ordinal);

    /// <summary>The properties a resource defines (CodeSystem.property), unless already known by their code.</summary>
    internal void AddPropertyDefinitions(ElementNode resource)
    {
        foreach (var p in resource.ChildrenNamed("property"))
        {
            if (p.Child("code")?.Value is not { } code) continue;
            _propertyUris.TryAdd(code, p.Child("uri")?.Value);
            _propertyTypes.TryAdd(code, p.Child("type")?.Value);
        }
    }
    public bool CaseSensitive { get; }
    /// <summary><c>complete</c>, <c>fragment</c>, <c>not-present</c>, <c>example</c> or <c>supplement</c> (R4 §4.8.5).</summary>
    public string Content { get; }
    public IReadOnlyList<Concept> Roots { get; }
    public IEnumerable<Concept> All => _byCode.Values;
    public int Count => _byCode.Count;

    /// <summary>A code of this system; codes of a case-insensitive system (caseSensitive false or absent) match in any case.</summary>
    public Concept? Find(string code) => _byCode.GetValueOrDefault(code) ?? _grammar?.Invoke(code);

    // A code system defined by a grammar rather than a list (UCUM): a code is a concept when the grammar accepts it.
    private Func<string, Concept?>? _grammar;

    /// <summary>A code system whose codes are the expressions a grammar accepts; it lists none (no hierarchy, nothing to expand whole).</summary>
    public static CodeSystemIndex FromGrammar(string url, string version, string name, Func<string, Concept?> grammar) =>
        new(url, version, caseSensitive: true, "complete", new Dictionary<string, Concept>(StringComparer.Ordinal), []) { Name = name, _grammar = grammar };

    public bool IsCompleteContent => Content == "complete";

    /// <summary>Whether codes are accepted by a grammar (<see cref="FromGrammar"/>) rather than listed.</summary>
    public bool IsGrammar => _grammar is not null;

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
        // A property is known by its URI (R4 CodeSystem.property.uri): one the code system names with a code of its own
        // ("not-selectable") and the standard URI means notSelectable.
        var notSelectable = codeSystem.ChildrenNamed("property").Where(p => p.Child("uri")?.Value == NotSelectableUri)
            .Select(p => p.Child("code")?.Value).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (notSelectable.Count > 0)
            foreach (var concept in byCode.Values)
                concept.NotSelectable = concept.Properties.Any(p => notSelectable.Contains(p.Code) && p.Value == "true");
        return new CodeSystemIndex(url, codeSystem.Child("version")?.Value, caseSensitive,
            codeSystem.Child("content")?.Value ?? "complete", byCode, roots)
        {
            Name = codeSystem.Child("name")?.Value,
            Title = codeSystem.Child("title")?.Value,
            Status = codeSystem.Child("status")?.Value,
            Experimental = codeSystem.Child("experimental")?.Value == "true",
            StandardsStatus = StandardsStatusOf(codeSystem),
            Language = codeSystem.Child("language")?.Value,
        }.WithPropertyDefinitions(codeSystem);
    }

    private CodeSystemIndex WithPropertyDefinitions(ElementNode codeSystem)
    {
        AddPropertyDefinitions(codeSystem);
        return this;
    }

    /// <summary>A concept's designation (CodeSystem.concept.designation); none without a value.</summary>
    internal static Designation? ReadDesignation(ElementNode d) =>
        d.Child("value")?.Value is { } value
            ? new Designation(d.Child("language")?.Value, Codings.Read(d.Child("use")), value) { Extensions = ConceptExtensions.OfDesignation(d) }
            : null;

    /// <summary>A concept's property (CodeSystem.concept.property); none without a code or a value.</summary>
    internal static ConceptProperty? ReadProperty(ElementNode p) =>
        p.Child("code")?.Value is { } code && p.Child("value") is { } v ? new ConceptProperty(code, v.Type, v.Value, v.Type == "Coding" ? Codings.Read(v) : null) : null;

    private const string NotSelectableUri = "http://hl7.org/fhir/concept-properties#notSelectable";

    public const string StandardsStatusUrl = "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status";

    public static string? StandardsStatusOf(ElementNode resource) =>
        resource.ChildrenNamed("extension").FirstOrDefault(e => e.Child("url")?.Value == StandardsStatusUrl)?.Child("value")?.Value;

    private static Concept? Read(ElementNode node, Concept? parent, Dictionary<string, Concept> byCode, List<(Concept, string, bool)> pending)
    {
        var code = node.Child("code")?.Value;
        if (code is null) return null;
        if (!byCode.TryGetValue(code, out var concept)) byCode[code] = concept = new Concept(code);
        concept.Display ??= node.Child("display")?.Value;
        concept.Definition ??= node.Child("definition")?.Value;
        concept.StandardsStatus ??= StandardsStatusOf(node);
        concept.AddExtensions(node);
        concept.Designations.AddRange(node.ChildrenNamed("designation").Select(ReadDesignation).OfType<Designation>());
        // A translation of the display is the concept's name in that language: a designation (R4 §4.8.6).
        foreach (var (language, content) in Translations.Read(node.Child("display")))
            if (!concept.Designations.Any(d => d.Language == language && d.Value == content))
                concept.Designations.Add(new Designation(language, null, content));
        concept.DefinitionTranslations.AddRange(Translations.Read(node.Child("definition")));
        foreach (var property in node.ChildrenNamed("property").Select(ReadProperty).OfType<ConceptProperty>())
        {
            concept.Properties.Add(property);
            if (property.Code is "parent" or "child" && property.Value is { } other) pending.Add((concept, other, property.Code == "parent"));
        }
        parent?.AddChild(concept);
        foreach (var child in node.ChildrenNamed("concept")) Read(child, concept, byCode, pending);
        return concept;
    }
}
