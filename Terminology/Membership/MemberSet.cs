using FhirServer.Conformance.Model;
using FhirServer.Terminology.Expansion;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Membership;

/// <summary>
/// One value set version ready for membership checks: its expansion as a hashed set of system|code (with the
/// version of each code's system), or, when the value set is too large to expand or draws on a code system that is
/// not present, its compose rules (<see cref="ValueSetExpander.Contains"/>). Immutable once built; shared by threads.
/// </summary>
internal sealed class MemberSet
{
    private readonly Dictionary<(string System, string Code), string?>? _members;
    private readonly Dictionary<(string System, string Code), string?>? _folded;
    private readonly HashSet<string>? _codes;
    private readonly ElementNode _valueSet;
    private readonly TerminologySources _sources;
    private readonly int _maxSize;
    private readonly HashSet<string> _missingSystems;
    private readonly HashSet<string> _systems;

    private MemberSet(TerminologySources sources, ElementNode valueSet, int maxSize, long generation, List<ValueSetExpander.Member>? expansion,
        HashSet<string> missingSystems, HashSet<string> systems, string? reason)
    {
        _sources = sources;
        _valueSet = valueSet;
        _maxSize = maxSize;
        _missingSystems = missingSystems;
        _systems = systems;
        Generation = generation;
        NotExpandedBecause = reason;
        if (expansion is null) return;
        _members = new(expansion.Count);
        _codes = new(StringComparer.Ordinal);
        Ordered = [];
        foreach (var m in expansion)
        {
            if (!_members.TryAdd((m.SystemUrl, m.Code), m.Version)) continue;
            _codes.Add(m.Code);
            Ordered.Add((m.SystemUrl, m.Code));
            // Codes of a case-insensitive system (caseSensitive false) match in any case, as $validate-code finds them.
            if (m.System is { CaseSensitive: false })
                (_folded ??= [])[(m.SystemUrl, m.Code.ToUpperInvariant())] = m.Version;
        }
    }

    /// <summary>The <see cref="TerminologySources.Generation"/> it was built at: a set of an older one is stale.</summary>
    public long Generation { get; }

    /// <summary>The members in expansion order; null when the value set was not expanded.</summary>
    public List<(string System, string Code)>? Ordered { get; }

    /// <summary>The code systems the value set draws on, imports included.</summary>
    public IReadOnlyCollection<string> CodeSystems => _systems;

    /// <summary>Why the value set is answered by its rules rather than expanded (too costly, a system not present).</summary>
    public string? NotExpandedBecause { get; }

    public static MemberSet Build(TerminologySources sources, ElementNode valueSet, int maxSize, long generation)
    {
        var forRequest = sources.ForRequest();
        var systems = new HashSet<string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        Systems(forRequest, valueSet, systems, missing, new HashSet<ElementNode>(ReferenceEqualityComparer.Instance));
        try
        {
            var expansion = new ValueSetExpander(forRequest, maxSize).Expand(valueSet);
            return new MemberSet(sources, valueSet, maxSize, generation, expansion, missing, systems, null);
        }
        catch (TerminologyException e)
        {
            return new MemberSet(sources, valueSet, maxSize, generation, null, missing, systems, e.Message);
        }
    }

    public Membership IsMember(string system, string code, string? version)
    {
        if (_members is null) return ByRules(system, code, version);
        if (_members.TryGetValue((system, code), out var memberVersion)
            || (_folded is not null && _folded.TryGetValue((system, code.ToUpperInvariant()), out memberVersion)))
        {
            if (version is null || memberVersion is null || VersionPattern.Matches(memberVersion, version)) return Membership.Member;
            return _sources.ForRequest().FindCodeSystem(system, version) is null ? Membership.Unknown : Membership.NotMember;
        }
        return _missingSystems.Contains(system) ? Membership.Unknown : Membership.NotMember;
    }

    public Membership IsMember(string code)
    {
        if (_codes is not null) return _codes.Contains(code) ? Membership.Member : _missingSystems.Count > 0 ? Membership.Unknown : Membership.NotMember;
        var unknown = false;
        foreach (var system in _systems)
            switch (ByRules(system, code, null))
            {
                case Membership.Member: return Membership.Member;
                case Membership.Unknown: unknown = true; break;
            }
        return unknown ? Membership.Unknown : Membership.NotMember;
    }

    // Too large to expand, or a system missing: the compose rules, per check (each check its own expander: they are not shared).
    private Membership ByRules(string system, string code, string? version)
    {
        if (_missingSystems.Contains(system)) return Membership.Unknown;
        var forRequest = _sources.ForRequest();
        if (version is not null && forRequest.FindCodeSystem(system, version) is null && _systems.Contains(system)) return Membership.Unknown;
        try
        {
            return new ValueSetExpander(forRequest, _maxSize).Contains(_valueSet, system, code, out _) ? Membership.Member : Membership.NotMember;
        }
        catch (TerminologyException)
        {
            return Membership.Unknown;
        }
    }

    // The systems the value set draws on, and those of them that are not present with their whole content where the
    // value set needs it (filters, or the whole system): a code of such a system cannot be judged.
    private static void Systems(RequestSources sources, ElementNode valueSet, HashSet<string> systems, HashSet<string> missing, HashSet<ElementNode> seen)
    {
        if (!seen.Add(valueSet)) return;
        if (valueSet.Child("compose") is not { } compose)
        {
            foreach (var system in valueSet.Child("expansion")?.Descendants().Where(n => n.Name == "system").Select(n => n.Value).OfType<string>() ?? [])
                systems.Add(system);
            return;
        }
        foreach (var include in compose.ChildrenNamed("include").Select(ComposeInclude.Read))
        {
            if (include.System is { } system)
            {
                systems.Add(system);
                // Present as a stub (content not-present, example, fragment: hl7.terminology's SNOMED CT, LOINC) is
                // not present for a rule that needs every code of the system.
                if ((include.Concepts.Count == 0 || include.Filters.Count > 0) && sources.FindCodeSystem(system, include.Version) is not { IsCompleteContent: true })
                    missing.Add(system);
            }
            foreach (var canonical in include.ValueSets)
                if (sources.FindValueSet(canonical) is { } imported) Systems(sources, imported, systems, missing, seen);
        }
    }
}
