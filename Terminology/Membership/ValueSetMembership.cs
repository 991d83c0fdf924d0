using System.Collections.Concurrent;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Membership;

/// <summary>
/// <see cref="IValueSetMembership"/> over the server's sources: one <see cref="MemberSet"/> per value set canonical,
/// built on first use (expanded up to <see cref="TerminologyOptions.MaxExpansionSize"/> codes) and kept until
/// <see cref="TerminologySources.Generation"/> moves (a CodeSystem or ValueSet written in the store). A check is then
/// two hash lookups. Code systems are kept by url the same way. Value sets and code systems that are not known are
/// remembered too, in a table emptied whenever it reaches <see cref="MaxAbsent"/>, so names a client makes up cannot
/// fill the memory.
/// </summary>
public sealed class ValueSetMembership(TerminologySources sources, TerminologyOptions options) : IValueSetMembership
{
    // Bounds the tables of names looked up (instances name code systems and codes, clients name value sets in searches).
    private const int MaxAbsent = 4096;

    private readonly ConcurrentDictionary<string, MemberSet> _sets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _absentSets = new(StringComparer.Ordinal);
    // Code systems by url and version asked, with the generation they were found at; null: absent.
    private readonly ConcurrentDictionary<(string System, string? Version), (CodeSystemIndex? System, long Generation)> _systems = new();
    // Answers of grammar-defined systems (UCUM), whose check parses the code: codes repeat (mg, mm[Hg]), parsing is not free.
    private readonly ConcurrentDictionary<(string System, string Code), (bool Defined, long Generation)> _grammarCodes = new();

    public Membership IsMember(string valueSet, string system, string code, string? version = null) =>
        Set(valueSet)?.IsMember(system, code, version) ?? Membership.Unknown;

    public Membership IsMember(string valueSet, string code) => Set(valueSet)?.IsMember(code) ?? Membership.Unknown;

    public IReadOnlyCollection<string> Systems(string valueSet) => Set(valueSet)?.CodeSystems ?? [];

    public bool HasValueSet(string valueSet) => Set(valueSet) is not null;

    public bool HasCodeSystem(string system, string? version = null) => CodeSystem(system, version) is not null;

    public Concept? Concept(string system, string code, string? version = null) =>
        CodeSystem(system, version) is { IsCompleteContent: true, IsGrammar: false } cs ? cs.Find(code) : null;

    public bool IsSupplement(string system, string? version = null) =>
        sources.ForRequest().FindSupplement(version is null ? system : system + "|" + version) is not null;

    public Membership IsInCodeSystem(string system, string code, string? version = null)
    {
        if (CodeSystem(system, version) is not { IsCompleteContent: true } cs) return Membership.Unknown;
        if (!cs.IsGrammar) return cs.Find(code) is null ? Membership.NotMember : Membership.Member;
        var generation = sources.Generation;
        if (!_grammarCodes.TryGetValue((system, code), out var known) || known.Generation != generation)
        {
            known = (cs.Find(code) is not null, generation);
            if (_grammarCodes.Count >= MaxAbsent) _grammarCodes.Clear();
            _grammarCodes[(system, code)] = known;
        }
        return known.Defined ? Membership.Member : Membership.NotMember;
    }

    public string? PropertyType(string system, string property, string? version = null) =>
        CodeSystem(system, version) is not { } cs ? null
        : cs.PropertyTypes.TryGetValue(property, out var declared) ? declared
        : ConceptProperties.GetValueOrDefault(property);

    // R4 codesystem-concept-properties: the properties every code system may use, with their types.
    private static readonly Dictionary<string, string> ConceptProperties = new(StringComparer.Ordinal)
    {
        ["inactive"] = "boolean", ["notSelectable"] = "boolean", ["deprecated"] = "dateTime", ["status"] = "code",
        ["parent"] = "code", ["child"] = "code", ["partOf"] = "code", ["synonym"] = "code", ["comment"] = "string",
        ["itemWeight"] = "decimal", ["effectiveDate"] = "dateTime", ["deprecationDate"] = "dateTime", ["retirementDate"] = "dateTime",
    };

    private CodeSystemIndex? CodeSystem(string system, string? version)
    {
        var generation = sources.Generation;
        if (_systems.TryGetValue((system, version), out var known) && known.Generation == generation) return known.System;
        var found = sources.ForRequest().FindCodeSystem(system, version);
        if (_systems.Count >= MaxAbsent) _systems.Clear();
        _systems[(system, version)] = (found, generation);
        return found;
    }

    public IReadOnlyList<(string System, string Code)> Codes(string valueSet, int max, string limitName)
    {
        var set = Set(valueSet) ?? throw TerminologyException.NotFound($"A definition for the value set '{valueSet}' could not be found");
        if (set.Ordered is not { } members)
            throw TerminologyException.TooCostly($"The ValueSet '{valueSet}' cannot be expanded here: {set.NotExpandedBecause}");
        if (members.Count > max)
            throw TerminologyException.TooCostly($"The ValueSet '{valueSet}' has {members.Count} codes, more than the {max} allowed ({limitName})");
        return members;
    }

    private MemberSet? Set(string canonical)
    {
        var generation = sources.Generation;
        if (_sets.TryGetValue(canonical, out var set) && set.Generation == generation) return set;
        if (set is not null && _sets.Count > 0 && set.Generation != generation) DropStale(generation);
        if (_absentSets.TryGetValue(canonical, out var absentAt) && absentAt == generation) return null;
        var valueSet = sources.ForRequest().FindValueSet(canonical);
        if (valueSet is null)
        {
            // Remembered, so that a binding to a value set not loaded costs a lookup, not a search.
            if (_absentSets.Count >= MaxAbsent) _absentSets.Clear();
            _absentSets[canonical] = generation;
            return null;
        }
        set = MemberSet.Build(sources, valueSet, options.MaxExpansionSize, generation);
        _sets[canonical] = set;
        return set;
    }

    // A source changed: every set built before is stale (an import or a code system may be what changed).
    private void DropStale(long generation)
    {
        foreach (var (key, value) in _sets)
            if (value.Generation != generation) _sets.TryRemove(new KeyValuePair<string, MemberSet>(key, value));
    }
}
