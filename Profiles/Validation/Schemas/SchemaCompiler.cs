using System.Collections.Concurrent;
using System.Text.Json;
using FhirServer.Conformance.Definitions;

namespace FhirServer.Profiles.Validation.Schemas;

/// <summary>
/// Compiles StructureDefinition snapshots into <see cref="ProfileSchema"/>s, each once, and keeps them: by definition
/// (profiles, extensions, type profiles) and by type name (the base definitions). A definition added to or removed from
/// the <see cref="ProfileSource"/> empties the cache, so that nothing compiled from an old definition is used again.
/// </summary>
public sealed class SchemaCompiler
{
    private readonly ConcurrentDictionary<ResolvedDefinition, Lazy<ProfileSchema>> _schemas = new();
    private readonly ConcurrentDictionary<string, ProfileSchema?> _byCanonical = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _problems = new(StringComparer.Ordinal);
    // Base types by name, apart from canonicals: looked up for nearly every node, so without building a key.
    private readonly ConcurrentDictionary<string, ProfileSchema> _byType = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<IAspectBuilder> _aspects;
    private readonly ISlicingBuilder? _slicing;
    private long _generation;

    public SchemaCompiler(ProfileSource source, IReadOnlyList<IAspectBuilder> aspects, ISlicingBuilder? slicing = null)
    {
        Source = source;
        _aspects = aspects;
        _slicing = slicing;
        _generation = source.Generation;
    }

    public ProfileSource Source { get; }
    public DefinitionRegistry Registry => Source.Registry;

    /// <summary>The schema of a profile or definition by canonical (<c>url</c> or <c>url|version</c>); null when unknown.</summary>
    public ProfileSchema? ForCanonical(string canonical)
    {
        Refresh();
        if (_byCanonical.TryGetValue(canonical, out var known)) return known;
        var found = TryCompile(canonical, () => Source.Find(canonical));
        // Unknown canonicals come from instances (meta.profile, extension urls): only the known ones are kept, so that
        // a client sending new urls cannot grow the cache.
        return found is null ? null : _byCanonical.GetOrAdd(canonical, found);
    }

    /// <summary>The schema of a base type (<c>Patient</c>, <c>HumanName</c>, <c>string</c>); null when unknown.</summary>
    public ProfileSchema? ForType(string type)
    {
        Refresh();
        if (_byType.TryGetValue(type, out var known)) return known;
        var found = TryCompile("type:" + type, () => Source.FindType(type));
        return found is null ? null : _byType.GetOrAdd(type, found);
    }

    /// <summary>
    /// Why the definition <paramref name="canonical"/> names could not be compiled (a snapshot without its root
    /// element, a definition the snapshot generator refused…); null when it was, or is unknown.
    /// </summary>
    public string? ProblemWith(string canonical) => _problems.GetValueOrDefault(canonical);

    // A definition that cannot be compiled is an issue of the resources that use it, never an exception out of a
    // validation: the failure is kept (a Lazy keeps the exception, so it is not compiled again) and null returned.
    private ProfileSchema? TryCompile(string key, Func<ResolvedDefinition?> find)
    {
        try
        {
            return find() is { } definition ? Compile(definition) : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _problems[key] = e.Message;
            return null;
        }
    }

    public ProfileSchema Compile(ResolvedDefinition definition) =>
        _schemas.GetOrAdd(definition, d => new Lazy<ProfileSchema>(() => Build(d))).Value;

    private void Refresh()
    {
        var generation = Source.Generation;
        if (Interlocked.Read(ref _generation) == generation) return;
        Interlocked.Exchange(ref _generation, generation);
        _schemas.Clear();
        _byCanonical.Clear();
        _problems.Clear();
        _byType.Clear();
    }

    private ElementSchema[]? BaseContent(string type, string path)
    {
        for (var at = ForType(type)?.Root; at is not null;)
        {
            if (at.Path == path) return at.Children;
            at = at.Children.FirstOrDefault(c => path.StartsWith(c.Path, StringComparison.Ordinal)
                && (path.Length == c.Path.Length || path[c.Path.Length] == '.'));
        }
        return null;
    }

    private ProfileSchema Build(ResolvedDefinition definition)
    {
        var profile = new ProfileSchema(definition);
        var info = definition.Info;
        var elements = info.Elements;
        var json = definition.Json.GetProperty("snapshot").GetProperty("element");
        var schemas = new Dictionary<ElementDefinitionInfo, ElementSchema>(elements.Count);
        var jsonByElement = new Dictionary<ElementDefinitionInfo, JsonElement>(elements.Count);
        var i = 0;
        foreach (var e in json.EnumerateArray())
        {
            if (i >= elements.Count) break;
            var element = elements[i++];
            schemas[element] = new ElementSchema(profile, element);
            jsonByElement[element] = e;
        }
        if (info.Root is null || !schemas.TryGetValue(info.Root, out var root))
            throw new InvalidOperationException(
                $"the snapshot of {definition.Canonical} has no root element (snapshot.element[0] must be the element '{info.Type}')");
        profile.Root = root;

        // Structure first (children and slices), then the checks, which may look at it.
        foreach (var (element, schema) in schemas)
        {
            // Children through a contentReference are the referenced element's: its schema serves (Questionnaire.item.item).
            // In a profile, the content is the base definition's (R5 elementdefinition.html#contentReference; current
            // snapshot generators write the base's canonical there): IHE MHD's pattern on Parameters.parameter.name
            // does not bind the names of its parts.
            var children = element.ContentReference is not null && info.IsProfile && BaseContent(info.Type, element.Target.Path) is { } content
                ? content
                : element.Children.Where(schemas.ContainsKey).Select(c => schemas[c]).ToArray();
            schema.SetChildren(children);
            schema.Slices = element.Slices.Where(schemas.ContainsKey).Select(s => schemas[s]).ToArray();
            foreach (var slice in schema.Slices) slice.SlicedElement = schema;
        }
        var checks = new List<IElementCheck>();
        foreach (var (element, schema) in schemas)
        {
            checks.Clear();
            var e = jsonByElement[element];
            foreach (var aspect in _aspects) aspect.Build(schema, e, checks);
            schema.Checks = checks.ToArray();
            if (schema.Slices.Length > 0 && _slicing is not null) schema.Slicing = _slicing.Build(schema, e);
        }
        return profile;
    }
}
