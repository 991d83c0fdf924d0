using FhirServer.Conformance.Model;
using FhirServer.Terminology.Model;
using FhirServer.Terminology.Operations;
using FhirServer.Terminology.Sources;

namespace FhirServer.Terminology.Expansion;

/// <summary>
/// Expands a ValueSet's compose (R4 §4.9.8): includes in order, value set imports intersected, excludes removed,
/// each code once per system version, an exclude removing it from every version. The result is every member; paging and text filters are applied by the caller.
/// Membership tests for $validate-code use <see cref="Contains"/>, which does not expand whole systems. The version
/// of each included code system follows the request's version parameters (<see cref="IncludeVersion"/>).
/// </summary>
public sealed class ValueSetExpander(RequestSources sources, int maxSize, VersionParameters? versions = null,
    string limitName = "Terminology:MaxExpansionSize")
{
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);
    // The value sets being expanded or tested, innermost last: where a local reference (#id) finds its contained value set.
    private readonly List<ElementNode> _containers = [];
    private readonly HashSet<string> _acyclic = new(StringComparer.Ordinal);
    private readonly VersionParameters _versions = versions ?? VersionParameters.None;
    private readonly List<(string Name, string Value)> _usedParameters = [];

    /// <summary>The version parameters that decided a code system's version, as name and canonical, each once.</summary>
    public IReadOnlyList<(string Name, string Value)> UsedParameters => _usedParameters;

    /// <summary>A code of the expansion; <paramref name="Listed"/>: named by a concept list, so it keeps the list's flat order.</summary>
    public sealed record Member(CodeSystemIndex? System, string SystemUrl, string? Version, string Code, string? Display, Concept? Concept,
        IReadOnlyList<Designation> Designations, bool Listed = false)
    {
        /// <summary>The compose entry that listed the code, with what the value set says of it.</summary>
        public ComposeInclude.ListedConcept? Listing { get; init; }
    }

    private readonly List<CodeSystemIndex> _used = [];

    /// <summary>The code systems the expansion drew from, in the order first used (the <c>used-codesystem</c> parameters).</summary>
    public IReadOnlyList<CodeSystemIndex> UsedCodeSystems => _used;

    public List<Member> Expand(ElementNode valueSet)
    {
        var key = Key(valueSet);
        CheckImports(valueSet, []);
        if (!_inProgress.Add(key)) throw TerminologyException.InvalidValueSet($"The ValueSet '{key}' imports itself");
        _containers.Add(valueSet);
        try
        {
            var compose = valueSet.Child("compose");
            if (compose is null) return FromExpansion(valueSet);
            var result = new List<Member>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            // One entry per code of each version: a value set that includes two versions of a system holds the code of
            // each (the versions may define it differently).
            foreach (var include in compose.ChildrenNamed("include").Select(ComposeInclude.Read))
                foreach (var m in Members(include))
                    if (seen.Add(m.SystemUrl + "|" + m.Version + "#" + m.Code))
                    {
                        result.Add(m);
                        if (result.Count > maxSize)
                            throw TerminologyException.TooCostly($"The expansion of the ValueSet '{key}' has more than {maxSize} codes ({limitName})");
                    }
            foreach (var exclude in compose.ChildrenNamed("exclude").Select(ComposeInclude.Read))
            {
                // An exclude removes the code from every version the expansion holds, as the reference servers do;
                // when the expansion holds the system in several versions, an exclude that names a version removes
                // that version's codes only (the entries are told apart by version).
                var byVersion = exclude.Version is not null && result.Where(m => m.SystemUrl == exclude.System).Select(m => m.Version).Distinct().Count() > 1;
                string ExcludeKey(Member m) => m.SystemUrl + (byVersion ? "|" + m.Version : "") + "#" + m.Code;
                var excluded = Members(exclude).Select(ExcludeKey).ToHashSet(StringComparer.Ordinal);
                result.RemoveAll(m => excluded.Contains(ExcludeKey(m)));
            }
            // R4 ValueSet.compose.inactive = false: the value set holds only the active codes of what it includes.
            if (compose.Child("inactive")?.Value == "false") result.RemoveAll(m => m.Concept is { Inactive: true });
            return result;
        }
        finally
        {
            _inProgress.Remove(key);
            _containers.RemoveAt(_containers.Count - 1);
        }
    }

    /// <summary>Whether system|code is a member, without expanding: used by $validate-code on value sets of whole systems.</summary>
    public bool Contains(ElementNode valueSet, string system, string code, out Concept? concept)
    {
        concept = null;
        CheckImports(valueSet, []);
        _containers.Add(valueSet);
        try
        {
            return ContainsInCompose(valueSet, system, code, out concept);
        }
        finally { _containers.RemoveAt(_containers.Count - 1); }
    }

    private bool ContainsInCompose(ElementNode valueSet, string system, string code, out Concept? concept)
    {
        concept = null;
        var compose = valueSet.Child("compose");
        if (compose is null) return FromExpansion(valueSet).Any(m => m.SystemUrl == system && m.Code == code);
        var found = false;
        foreach (var include in compose.ChildrenNamed("include").Select(ComposeInclude.Read))
            if (IncludeContains(include, system, code, out var c)) { found = true; concept ??= c; break; }
        if (!found) return false;
        foreach (var exclude in compose.ChildrenNamed("exclude").Select(ComposeInclude.Read))
            if (IncludeContains(exclude, system, code, out _)) return false;
        return true;
    }

    private bool IncludeContains(ComposeInclude include, string system, string code, out Concept? concept)
    {
        concept = null;
        if (include.System is not null)
        {
            if (include.System != system) return false;
            var cs = Resolve(include, out _);
            if (cs is null)
            {
                // An unknown system can still list its codes explicitly.
                if (!include.Concepts.Any(c => c.Code == code) || include.Filters.Count > 0) return false;
            }
            else
            {
                concept = cs.Find(code);
                if (concept is null)
                {
                    // A fragment or not-present system may not hold every code that a listed concept names.
                    if (cs.IsCompleteContent || !include.Concepts.Any(c => c.Code == code)) return false;
                }
                else if (!include.SystemPredicate(cs)(concept)) return false;
            }
        }
        foreach (var canonical in include.ValueSets)
            if (!Contains(Import(canonical), system, code, out var c)) return false;
            else concept ??= c;
        return true;
    }

    private IEnumerable<Member> Members(ComposeInclude include)
    {
        IEnumerable<Member> members;
        if (include.System is not null)
        {
            var cs = Resolve(include, out var version);
            if (cs is not null && !_used.Contains(cs)) _used.Add(cs);
            if (cs is null)
            {
                if (include.Concepts.Count == 0 || include.Filters.Count > 0)
                    throw TerminologyException.NotFound(UnknownSystem.Message(sources, include.System, version.Version, UnknownSystem.ToExpand));
                members = include.Concepts.Select(c => new Member(null, include.System, version.Version, c.Code, c.Display, null, c.Designations, true) { Listing = c });
            }
            else if (_versions.Check(include.System) is { } required && !VersionPattern.Matches(cs.Version, required))
                throw TerminologyException.VersionError(IncludeVersion.CheckFailed(include.System, cs.Version, required));
            else if (include.Concepts.Count > 0 && include.Filters.Count == 0)
            {
                // Listed concepts keep the order of the list and the display the value set gives them (R4 §4.9.5.2).
                members = include.Concepts.Select(c => cs.Find(c.Code) is { } concept
                        ? new Member(cs, cs.Url, cs.Version, concept.Code, c.Display ?? concept.Display, concept, [.. concept.Designations, .. c.Designations], true) { Listing = c }
                        : cs.IsCompleteContent ? null : new Member(cs, cs.Url, cs.Version, c.Code, c.Display, null, c.Designations, true) { Listing = c })
                    .OfType<Member>();
            }
            else
            {
                var predicate = include.SystemPredicate(cs);
                members = Ordered(cs).Where(predicate).Select(c => new Member(cs, cs.Url, cs.Version, c.Code, c.Display, c, c.Designations));
            }
            foreach (var canonical in include.ValueSets)
            {
                var vs = Import(canonical);
                members = members.Where(m => Contains(vs, m.SystemUrl, m.Code, out _)).ToList();
            }
            return members;
        }
        // Only value sets: their intersection.
        if (include.ValueSets.Count == 0) return [];
        // Codes drawn from other value sets are listed flat, as enumerated codes are.
        members = Expand(Import(include.ValueSets[0])).Select(m => m with { Listed = true });
        foreach (var canonical in include.ValueSets.Skip(1))
        {
            var vs = Import(canonical);
            members = members.Where(m => Contains(vs, m.SystemUrl, m.Code, out _)).ToList();
        }
        return members;
    }

    /// <summary>The code system an include draws from, in the version the include and the version parameters give.</summary>
    public CodeSystemIndex? Resolve(ComposeInclude include, out IncludeVersion version)
    {
        version = IncludeVersion.For(include.System!, include.Version, _versions);
        if (version.Parameter is { } parameter)
        {
            var used = (parameter, include.System + "|" + version.Version);
            if (!_usedParameters.Contains(used)) _usedParameters.Add(used);
        }
        return sources.FindCodeSystem(include.System!, version.Version);
    }

    /// <summary>
    /// The systems the compose names in more than one version (a versionless include counts as one): their
    /// expansion entries carry their version, since the code alone no longer says which concept is meant.
    /// </summary>
    public static HashSet<string> SystemsInSeveralVersions(ElementNode valueSet)
    {
        var compose = valueSet.Child("compose");
        if (compose is null) return [];
        return [.. compose.ChildrenNamed("include").Concat(compose.ChildrenNamed("exclude"))
            .Select(i => (System: i.Child("system")?.Value, Version: i.Child("version")?.Value))
            .Where(i => i.System is not null).Distinct()
            .GroupBy(i => i.System!).Where(g => g.Count() > 1).Select(g => g.Key)];
    }

    private readonly List<ElementNode> _imported = [];

    /// <summary>The value sets the expansion imported (the <c>used-valueset</c> parameters), in the order first used.</summary>
    public IReadOnlyList<ElementNode> UsedValueSets => _imported;

    // An import named without a version takes the default-valueset-version the request gives for it.
    private ElementNode Import(string canonical)
    {
        // A local reference (#id) names a value set contained in the one that refers to it (R4 references.html#contained).
        if (canonical.StartsWith('#'))
            return Enumerable.Reverse(_containers).Select(c => Contained(c, canonical)).FirstOrDefault(v => v is not null)
                ?? throw new TerminologyException("not-found", TxMessages.Format(TxMessages.UnknownValueSet, canonical))
                    { Detail = "not-found", MessageId = TxMessages.UnknownValueSet };
        canonical = _versions.Import(canonical);
        // A pinned version that does not exist: the FHIR validator's VS_EXP_IMPORT_UNK_PINNED, as terminology servers report it.
        var valueSet = canonical.Contains('|')
            ? sources.FindValueSet(canonical) ?? throw new TerminologyException("not-found", TxMessages.Format(TxMessages.UnknownValueSet, canonical))
                { Detail = "not-found", MessageId = TxMessages.UnknownPinnedImport }
            : sources.RequireValueSet(canonical);
        if (!_imported.Contains(valueSet)) _imported.Add(valueSet);
        return valueSet;
    }

    // A value set that includes or excludes itself, directly or through others, has no meaning (R4 §4.9.5): found by
    // walking the imports once, before any code is looked at, so a membership test that would not reach the cycle
    // finds it too. Unknown imports are left to the expansion, which reports them where they matter.
    private void CheckImports(ElementNode valueSet, List<string> path)
    {
        var key = Key(valueSet);
        if (_acyclic.Contains(key)) return;
        if (path.Contains(key))
            throw TerminologyException.InvalidValueSet($"Cyclic reference: the ValueSet '{path[0]}' refers to itself via [{string.Join(", ", path.Skip(1).Append(key))}]");
        path.Add(key);
        var parts = valueSet.Child("compose") is { } compose ? compose.ChildrenNamed("include").Concat(compose.ChildrenNamed("exclude")) : [];
        foreach (var canonical in parts.SelectMany(p => p.ChildrenNamed("valueSet")).Select(v => v.Value).OfType<string>())
            if ((Contained(valueSet, canonical) ?? sources.FindValueSet(canonical)) is { } imported) CheckImports(imported, path);
        path.RemoveAt(path.Count - 1);
        _acyclic.Add(key);
    }

    /// <summary>The value set a local reference (<c>#id</c>) names among the contained resources of <paramref name="container"/>.</summary>
    public static ElementNode? Contained(ElementNode container, string reference) =>
        reference.StartsWith('#')
            ? container.ChildrenNamed("contained").FirstOrDefault(c => c.Type == "ValueSet" && c.Child("id")?.Value == reference[1..])
            : null;

    /// <summary>The concepts in hierarchy order: each before its children, as they are written in the code system.</summary>
    private static IEnumerable<Concept> Ordered(CodeSystemIndex cs)
    {
        foreach (var root in cs.Roots)
        {
            yield return root;
            foreach (var d in root.Descendants()) yield return d;
        }
    }

    private static List<Member> FromExpansion(ElementNode valueSet)
    {
        var result = new List<Member>();
        void Walk(ElementNode parent)
        {
            foreach (var c in parent.ChildrenNamed("contains"))
            {
                if (c.Child("code")?.Value is { } code && c.Child("system")?.Value is { } system)
                    result.Add(new Member(null, system, c.Child("version")?.Value, code, c.Child("display")?.Value, null, []));
                Walk(c);
            }
        }
        if (valueSet.Child("expansion") is { } expansion) Walk(expansion);
        return result;
    }

    private static string Key(ElementNode vs) => (vs.Child("url")?.Value ?? vs.Child("id")?.Value ?? "(inline)") + "|" + vs.Child("version")?.Value;
}
