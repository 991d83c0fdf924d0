namespace FhirServer.Conformance.Definitions;

/// <summary>
/// A compiled StructureDefinition: header fields and the snapshot as a tree of <see cref="ElementDefinitionInfo"/>.
/// Built lazily by the <see cref="DefinitionRegistry"/> the first time a type or profile is asked for.
/// </summary>
public sealed class StructureDefinitionInfo
{
    private readonly Dictionary<string, ElementDefinitionInfo> _byId = new(StringComparer.Ordinal);
    private readonly List<ElementDefinitionInfo> _elements = [];

    internal StructureDefinitionInfo(string url, string? version, string name, string type, string kind,
        bool isAbstract, string? derivation, string? baseDefinition, string? source)
    {
        Url = url;
        Version = version;
        Name = name;
        Type = type;
        Kind = kind;
        IsAbstract = isAbstract;
        Derivation = derivation;
        BaseDefinition = baseDefinition;
        Source = source;
    }

    public string Url { get; }
    public string? Version { get; }
    public string Name { get; }
    /// <summary>StructureDefinition.type: the type this definition defines or constrains.</summary>
    public string Type { get; }
    /// <summary>primitive-type, complex-type, resource or logical.</summary>
    public string Kind { get; }
    public bool IsAbstract { get; }
    /// <summary>specialization (a base type) or constraint (a profile).</summary>
    public string? Derivation { get; }
    public string? BaseDefinition { get; }
    /// <summary>The package (<c>name#version</c>) it came from.</summary>
    public string? Source { get; }

    /// <summary>Where the registry read it from (the resource itself is read again from there when needed); null when compiled from JSON directly.</summary>
    public CanonicalEntry? Entry { get; internal set; }

    public bool IsProfile => Derivation == "constraint";
    public bool IsPrimitive => Kind == "primitive-type";
    public bool IsResource => Kind == "resource";
    public bool HasSnapshot => _elements.Count > 0;

    /// <summary>The root element (path = type name). Null only when the definition has no snapshot.</summary>
    public ElementDefinitionInfo? Root { get; internal set; }

    /// <summary>Every element of the snapshot, in snapshot order, slices included.</summary>
    public IReadOnlyList<ElementDefinitionInfo> Elements => _elements;

    /// <summary>Regex constraining a primitive type's value (from <c>{type}.value</c>'s regex extension).</summary>
    public string? ValueRegex { get; internal set; }

    public ElementDefinitionInfo? GetById(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Kept here for FHIRPath: the definition as FHIR data, read when elementDefinition() or slice() first needs it.</summary>
    internal object? FhirPathCache;

    internal void Add(ElementDefinitionInfo element)
    {
        _elements.Add(element);
        _byId.TryAdd(element.Id, element);
    }

    public override string ToString() => Version is null ? Url : $"{Url}|{Version}";
}
